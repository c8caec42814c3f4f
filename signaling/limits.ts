import { ConfigError } from './config-error.ts';

/**
 * Caps on what one client, or all of them together, may cost the server. Each is set by
 * `ServerOptions.limits` or by the environment variable named in `LIMIT_ENV`.
 */
export interface SignalingLimits {
  /** Largest WebSocket message accepted, in bytes; a larger frame closes the socket (1009). */
  maxMessageBytes: number;
  /** Topics one connection may be subscribed to at once; further ones are refused one by one. */
  maxTopicsPerConnection: number;
  /** (connection, topic) subscriptions in the whole server; further ones are refused. */
  maxSubscriptions: number;
  /** Longest topic name, in UTF-16 code units. */
  maxTopicLength: number;
  /** Sustained messages per second per connection (token bucket refill rate). */
  messagesPerSecond: number;
  /** Messages a connection may send in a burst above the sustained rate (bucket size). */
  messageBurst: number;
  /** Open WebSocket connections in total; further upgrades get HTTP 503. */
  maxConnections: number;
  /**
   * Open connections per client address (an IPv4 address or an IPv6 /64); further upgrades get
   * HTTP 429.
   */
  maxConnectionsPerAddress: number;
  /** Subscribers one topic may have; further ones are refused that topic. */
  maxSubscribersPerTopic: number;
  /**
   * Sustained relay deliveries per second per connection: a publish to a topic of N subscribers
   * costs N. A publish over budget is dropped with a refusal.
   */
  relaysPerSecond: number;
  /** Deliveries a connection may cause in a burst (bucket size); at least maxSubscribersPerTopic. */
  relayBurst: number;
  /** Bytes queued towards one slow client before it is dropped (backpressure). */
  maxBufferedBytes: number;
  /** Interval of WebSocket pings; a client that has not answered the previous one is dropped. */
  pingIntervalMs: number;
}

/**
 * Defaults sized for a person with hundreds of friends (a pairwise topic each, two near a topic
 * rotation), for y-webrtc's connection set-up (a burst of offers and ICE candidates to every peer
 * of a busy room) and for a household or carrier NAT sharing one address. docs/signaling.md gives
 * the reasoning for each.
 */
export const DEFAULT_LIMITS: Readonly<SignalingLimits> = Object.freeze({
  maxMessageBytes: 64 * 1024,
  maxTopicsPerConnection: 2_048,
  maxSubscriptions: 1_000_000,
  maxTopicLength: 128,
  messagesPerSecond: 50,
  messageBurst: 200,
  maxConnections: 10_000,
  maxConnectionsPerAddress: 256,
  maxSubscribersPerTopic: 1_000,
  relaysPerSecond: 1_000,
  relayBurst: 10_000,
  maxBufferedBytes: 1024 * 1024,
  pingIntervalMs: 30_000,
});

/** The environment variable that sets each limit (documented in docs/signaling.md). */
export const LIMIT_ENV: Readonly<Record<keyof SignalingLimits, string>> = Object.freeze({
  maxMessageBytes: 'KITH_MAX_MESSAGE_BYTES',
  maxTopicsPerConnection: 'KITH_MAX_TOPICS_PER_CONNECTION',
  maxSubscriptions: 'KITH_MAX_SUBSCRIPTIONS',
  maxTopicLength: 'KITH_MAX_TOPIC_LENGTH',
  messagesPerSecond: 'KITH_MESSAGES_PER_SECOND',
  messageBurst: 'KITH_MESSAGE_BURST',
  maxConnections: 'KITH_MAX_CONNECTIONS',
  maxConnectionsPerAddress: 'KITH_MAX_CONNECTIONS_PER_ADDRESS',
  maxSubscribersPerTopic: 'KITH_MAX_SUBSCRIBERS_PER_TOPIC',
  relaysPerSecond: 'KITH_RELAYS_PER_SECOND',
  relayBurst: 'KITH_RELAY_BURST',
  maxBufferedBytes: 'KITH_MAX_BUFFERED_BYTES',
  pingIntervalMs: 'KITH_PING_INTERVAL_MS',
});

const LIMIT_KEYS = Object.keys(DEFAULT_LIMITS) as (keyof SignalingLimits)[];

/**
 * Merges `overrides` over the defaults, checking that every value is a positive integer
 * (a zero or fractional cap is always a mistake, never "unlimited") and that a full topic can be
 * published to at all.
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
  if (limits.relayBurst < limits.maxSubscribersPerTopic) {
    throw new ConfigError(
      `limit relayBurst (${limits.relayBurst}) must be at least maxSubscribersPerTopic ` +
        `(${limits.maxSubscribersPerTopic}): a publish to a full topic could never be relayed`,
    );
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
