import { ConfigError } from './config-error.ts';

/**
 * Caps on what one client, or all of them together, may cost the server. Each is set by
 * `ServerOptions.limits` or by the environment variable named in `LIMIT_ENV`.
 */
export interface SignalingLimits {
  /** Largest WebSocket message accepted, in bytes; a larger frame closes the socket (1009). */
  maxMessageBytes: number;
  /** Topics one connection may be subscribed to at once. */
  maxTopicsPerConnection: number;
  /** Longest topic name, in UTF-16 code units. */
  maxTopicLength: number;
  /** Sustained messages per second per connection (token bucket refill rate). */
  messagesPerSecond: number;
  /** Messages a connection may send in a burst above the sustained rate (bucket size). */
  messageBurst: number;
  /** Open WebSocket connections in total; further upgrades get HTTP 503. */
  maxConnections: number;
  /** Subscribers one topic may have. */
  maxSubscribersPerTopic: number;
  /** Bytes queued towards one slow client before it is dropped (backpressure). */
  maxBufferedBytes: number;
  /** Interval of WebSocket pings; a client that has not answered the previous one is dropped. */
  pingIntervalMs: number;
}

/**
 * Defaults sized for the load benchmark (thousands of clients from one address, 5 publishes per
 * second each) and for y-webrtc's connection set-up, which publishes a burst of offers and ICE
 * candidates when a peer joins a busy room.
 */
export const DEFAULT_LIMITS: Readonly<SignalingLimits> = Object.freeze({
  maxMessageBytes: 64 * 1024,
  maxTopicsPerConnection: 64,
  maxTopicLength: 128,
  messagesPerSecond: 50,
  messageBurst: 200,
  maxConnections: 10_000,
  maxSubscribersPerTopic: 1_000,
  maxBufferedBytes: 1024 * 1024,
  pingIntervalMs: 30_000,
});

/** The environment variable that sets each limit (documented in docs/signaling.md). */
export const LIMIT_ENV: Readonly<Record<keyof SignalingLimits, string>> = Object.freeze({
  maxMessageBytes: 'KITH_MAX_MESSAGE_BYTES',
  maxTopicsPerConnection: 'KITH_MAX_TOPICS_PER_CONNECTION',
  maxTopicLength: 'KITH_MAX_TOPIC_LENGTH',
  messagesPerSecond: 'KITH_MESSAGES_PER_SECOND',
  messageBurst: 'KITH_MESSAGE_BURST',
  maxConnections: 'KITH_MAX_CONNECTIONS',
  maxSubscribersPerTopic: 'KITH_MAX_SUBSCRIBERS_PER_TOPIC',
  maxBufferedBytes: 'KITH_MAX_BUFFERED_BYTES',
  pingIntervalMs: 'KITH_PING_INTERVAL_MS',
});

const LIMIT_KEYS = Object.keys(DEFAULT_LIMITS) as (keyof SignalingLimits)[];

/**
 * Merges `overrides` over the defaults, checking that every value is a positive integer
 * (a zero or fractional cap is always a mistake, never "unlimited").
 */
export function resolveLimits(overrides: Partial<SignalingLimits> = {}): SignalingLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const key of LIMIT_KEYS) {
    const value = overrides[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new ConfigError(`limit ${key} must be a positive integer, got ${String(value)}`);
    }
    limits[key] = value;
  }
  return limits;
}

/** Reads the limits set in `env` (see `LIMIT_ENV`); unset variables are left out. */
export function limitsFromEnv(env: NodeJS.ProcessEnv): Partial<SignalingLimits> {
  const limits: Partial<SignalingLimits> = {};
  for (const key of LIMIT_KEYS) {
    const name = LIMIT_ENV[key];
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') continue;
    if (!/^[0-9]+$/.test(raw) || !Number.isSafeInteger(Number(raw)) || Number(raw) === 0) {
      throw new ConfigError(`${name} must be a positive whole number, got "${raw}"`);
    }
    limits[key] = Number(raw);
  }
  return limits;
}
