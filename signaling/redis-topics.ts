import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { ConfigError } from './config-error.ts';
import type { RemoteTopics } from './hub.ts';
import type { SignalingLimits } from './limits.ts';
import { createLogger, type Logger } from './log.ts';
import { isRecord, isTopic } from './protocol.ts';

/**
 * Topics shared between signaling processes through Redis pub/sub (docs/signaling.md, "Several
 * processes: Redis"). One Redis channel per topic that has a subscriber in this process, named
 * `CHANNEL_PREFIX + topic`; each message carries the id of the process that published it, so a
 * process skips its own echo (it has already delivered locally) and every subscriber gets each
 * publish exactly once.
 */

/** Prefixes every channel, so Kith shares a Redis with other users without colliding. */
export const CHANNEL_PREFIX = 'kith:signal:';

/** What `/health` says about Redis: not configured, ready, or being retried. */
export type RedisState = 'off' | 'connected' | 'reconnecting';

/** Redis's part of `/health`. */
export interface RedisHealth {
  redis: RedisState;
  /** Messages from Redis dropped since start: oversized, malformed or not relayable. */
  redisDropped: number;
}

/** What `/health` reports when no `REDIS_URL` is set. */
export const REDIS_OFF: Readonly<RedisHealth> = Object.freeze({ redis: 'off', redisDropped: 0 });

/** Room for `{"origin":"<16 hex>","data":` and `}` around data of at most `maxMessageBytes`. */
const ENVELOPE_BYTES = 64;

/** Reconnect backoff: 50 ms doubling to 2 s, cut by up to a fifth at random. */
const RECONNECT_FIRST_MS = 50;
const RECONNECT_MAX_MS = 2_000;

/** `RemoteTopics` over Redis, with its state for `/health`. */
export interface RedisTopics extends RemoteTopics {
  health(): RedisHealth;
  /** Disconnects both Redis connections. */
  close(): Promise<void>;
}

export interface RedisTopicsOptions {
  /** `redis://` or `rediss://` URL (credentials and database number allowed). */
  url: string;
  /** Incoming messages above this (plus the envelope) are dropped. */
  maxMessageBytes: number;
  /** Channels whose topic is longer are dropped, as a client's frame would be refused. */
  maxTopicLength: number;
  logger: Logger;
}

/** Checks `REDIS_URL`; throws `ConfigError` unless it is a redis: or rediss: URL. */
export function parseRedisUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`REDIS_URL must be a redis:// or rediss:// URL, got "${raw}"`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError(`REDIS_URL must be a redis:// or rediss:// URL, got "${raw}"`);
  }
  return raw;
}

/** The Redis topics of a server with these limits, or none without a URL (`REDIS_URL` unset). */
export function redisTopicsFor(
  url: string | undefined,
  limits: Pick<SignalingLimits, 'maxMessageBytes' | 'maxTopicLength'>,
): RedisTopics | undefined {
  if (url === undefined) return undefined;
  return createRedisTopics({
    url,
    maxMessageBytes: limits.maxMessageBytes,
    maxTopicLength: limits.maxTopicLength,
    logger: createLogger('redis'),
  });
}

function reconnectDelay(retries: number): number {
  const full = Math.min(RECONNECT_FIRST_MS * 2 ** Math.min(retries, 16), RECONNECT_MAX_MS);
  return Math.round(full * (1 - Math.random() / 5));
}

/**
 * Connects (in the background: the server serves its own clients meanwhile) and returns at once.
 * A lost connection is retried for ever with backoff; publishes meanwhile reach this process's
 * subscribers only, and the topics in use are subscribed again once Redis is back.
 */
export function createRedisTopics(options: RedisTopicsOptions): RedisTopics {
  const { logger, maxTopicLength } = options;
  const maxBytes = options.maxMessageBytes + ENVELOPE_BYTES;
  const origin = randomBytes(8).toString('hex');
  // Commands are refused, not queued, while Redis is away: a queue would grow with every publish
  // and topic change, and topics in use are reconciled on reconnect anyway.
  const publisher = createClient({
    url: options.url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: reconnectDelay },
  });
  const subscriber = publisher.duplicate();
  /** Topics with a subscriber in this process: the channels this process should hold. */
  const wanted = new Set<string>();
  /** Topics no longer wanted whose UNSUBSCRIBE may not have reached Redis. */
  const unsure = new Set<string>();
  let deliver: ((topic: string, data: unknown) => boolean) | undefined;
  let dropped = 0;
  let closed = false;

  function drop(reason: string, fields: Record<string, unknown> = {}): void {
    dropped += 1;
    logger.info('dropping message from Redis', { reason, ...fields });
  }

  /** The one listener of every channel (node-redis keeps listeners in a Set: never doubled). */
  function onMessage(message: string, channel: string): void {
    if (!channel.startsWith(CHANNEL_PREFIX)) return drop('foreign channel');
    const topic = channel.slice(CHANNEL_PREFIX.length);
    if (!isTopic(topic) || topic.length > maxTopicLength) return drop('bad topic');
    // UTF-16 length is at most the UTF-8 byte length: a cheap first cut before counting bytes.
    if (message.length > maxBytes || Buffer.byteLength(message) > maxBytes) {
      return drop('too large', { topic });
    }
    let envelope: unknown;
    try {
      envelope = JSON.parse(message);
    } catch {
      return drop('not JSON', { topic });
    }
    if (
      !isRecord(envelope) ||
      typeof envelope.origin !== 'string' ||
      !Object.hasOwn(envelope, 'data')
    ) {
      return drop('malformed', { topic });
    }
    if (envelope.origin === origin) return; // delivered locally when it was published
    if (deliver && !deliver(topic, envelope.data)) drop('not relayable', { topic });
  }

  const channel = (topic: string): string => CHANNEL_PREFIX + topic;

  function subscribe(topics: readonly string[]): void {
    if (topics.length === 0 || !subscriber.isReady) return;
    subscriber.subscribe(topics.map(channel), onMessage).catch((error: unknown) => {
      logger.debug('SUBSCRIBE failed (redone on reconnect)', { error: String(error) });
    });
  }

  function unsubscribe(topics: readonly string[]): void {
    if (topics.length === 0) return;
    for (const topic of topics) unsure.add(topic);
    if (!subscriber.isReady) return;
    subscriber.unsubscribe(topics.map(channel), onMessage).then(
      () => {
        for (const topic of topics) unsure.delete(topic);
      },
      (error: unknown) => {
        logger.debug('UNSUBSCRIBE failed (redone on reconnect)', { error: String(error) });
      },
    );
  }

  // node-redis subscribes again to the channels it knows of on reconnect; a SUBSCRIBE or
  // UNSUBSCRIBE that was in flight when the connection dropped is settled here.
  subscriber.on('ready', () => {
    logger.info('Redis subscriber connected');
    subscribe([...wanted]);
    unsubscribe([...unsure].filter((topic) => !wanted.has(topic)));
  });
  for (const [name, client] of [
    ['publisher', publisher],
    ['subscriber', subscriber],
  ] as const) {
    // Without an 'error' listener, an error event would crash the process.
    client.on('error', (error: Error) => {
      if (!closed) logger.warn(`Redis ${name} error`, { error: error.message });
    });
    client.on('reconnecting', () => logger.info(`Redis ${name} reconnecting`));
    client.connect().catch((error: unknown) => {
      if (!closed) logger.error(`Redis ${name} gave up`, { error: String(error) });
    });
  }

  return {
    start(callback) {
      deliver = callback;
    },
    join(topic) {
      wanted.add(topic);
      unsure.delete(topic);
      subscribe([topic]);
    },
    leave(topic) {
      wanted.delete(topic);
      unsubscribe([topic]);
    },
    publish(topic, data) {
      if (!publisher.isReady) return;
      let message: string;
      try {
        message = JSON.stringify({ origin, data });
      } catch (error) {
        logger.info('not publishing unserializable data to Redis', { error: String(error) });
        return;
      }
      publisher.publish(channel(topic), message).catch((error: unknown) => {
        logger.debug('PUBLISH failed', { error: String(error) });
      });
    },
    health() {
      return {
        redis: publisher.isReady && subscriber.isReady ? 'connected' : 'reconnecting',
        redisDropped: dropped,
      };
    },
    async close() {
      closed = true;
      deliver = undefined;
      publisher.destroy();
      subscriber.destroy();
    },
  };
}
