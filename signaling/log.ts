/** How much a logger writes; each level includes the ones after it. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/** A namespaced logger writing one line per event to stderr. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

function isLogLevel(value: string | undefined): value is LogLevel {
  return value !== undefined && Object.hasOwn(RANK, value);
}

/**
 * Makes a logger for `namespace`. The level defaults to `KITH_LOG_LEVEL` (else `info`), read when
 * the logger is made, so a test or benchmark can quieten servers it starts.
 */
export function createLogger(
  namespace: string,
  level: LogLevel = isLogLevel(process.env.KITH_LOG_LEVEL) ? process.env.KITH_LOG_LEVEL : 'info',
): Logger {
  const write =
    (at: Exclude<LogLevel, 'silent'>) =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (RANK[at] < RANK[level]) return;
      const tail = fields === undefined ? '' : ` ${JSON.stringify(fields)}`;
      process.stderr.write(`[kith:${namespace}] ${at}: ${message}${tail}\n`);
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
