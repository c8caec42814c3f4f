/**
 * The core's one logger. Library code logs through `createLogger(namespace)` and never calls
 * `console` itself; the app or a test decides where records go with `setLogSink`.
 */

/** Severity of a log record. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One log record. */
export interface LogRecord {
  /** Severity. */
  level: LogLevel;
  /** Module that logged, e.g. `feed:chain`. */
  namespace: string;
  /** Human-readable message. */
  message: string;
  /** Structured details (reasons, ids); never secrets. */
  data?: Record<string, unknown>;
}

/** Receives every log record. */
export type LogSink = (record: LogRecord) => void;

/** A namespaced logger. */
export interface Logger {
  /** Detail useful when debugging. */
  debug(message: string, data?: Record<string, unknown>): void;
  /** Normal events worth noting. */
  info(message: string, data?: Record<string, unknown>): void;
  /** Something untrusted was refused, or a recoverable fault. */
  warn(message: string, data?: Record<string, unknown>): void;
  /** A fault in our own code or environment. */
  error(message: string, data?: Record<string, unknown>): void;
}

/** Default sink: warnings and errors to the console, debug and info dropped. */
export const consoleSink: LogSink = (record) => {
  const line = `[${record.namespace}] ${record.message}`;
  if (record.level === 'error') console.error(line, record.data ?? '');
  else if (record.level === 'warn') console.warn(line, record.data ?? '');
};

let sink: LogSink = consoleSink;

/** Replaces where records go (all loggers, including those already created). */
export function setLogSink(next: LogSink): void {
  sink = next;
}

/** A logger whose records carry `namespace`. */
export function createLogger(namespace: string): Logger {
  const emit = (level: LogLevel, message: string, data?: Record<string, unknown>) =>
    sink(data === undefined ? { level, namespace, message } : { level, namespace, message, data });
  return {
    debug: (message, data) => emit('debug', message, data),
    info: (message, data) => emit('info', message, data),
    warn: (message, data) => emit('warn', message, data),
    error: (message, data) => emit('error', message, data),
  };
}
