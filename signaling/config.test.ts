import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.ts';
import { settingsFromEnv } from './env-config.ts';
import { DEFAULT_TURN_TTL_SECONDS, iceServersFor, iceSettingsFromEnv } from './ice-config.ts';
import { DEFAULT_LIMITS, limitsFromEnv, resolveLimits } from './limits.ts';

describe('limits from the environment', () => {
  it('reads each variable and leaves unset ones to the defaults', () => {
    const limits = limitsFromEnv({
      KITH_MAX_MESSAGE_BYTES: '2048',
      KITH_PING_INTERVAL_MS: ' 500 ',
    });
    expect(limits).toEqual({ maxMessageBytes: 2048, pingIntervalMs: 500 });
    expect(resolveLimits(limits)).toEqual({
      ...DEFAULT_LIMITS,
      maxMessageBytes: 2048,
      pingIntervalMs: 500,
    });
  });

  it.each(['0', '-1', '1.5', 'lots', '1e3', '99999999999999999999'])('refuses "%s"', (raw) => {
    expect(() => limitsFromEnv({ KITH_MAX_CONNECTIONS: raw })).toThrow(ConfigError);
    expect(() => limitsFromEnv({ KITH_MAX_CONNECTIONS: raw })).toThrow('KITH_MAX_CONNECTIONS');
  });

  it('reads the issue 20 caps and budgets', () => {
    expect(
      limitsFromEnv({
        KITH_MAX_SUBSCRIPTIONS: '5000',
        KITH_MAX_CONNECTIONS_PER_ADDRESS: '16',
        KITH_RELAYS_PER_SECOND: '100',
        KITH_RELAY_BURST: '2000',
      }),
    ).toEqual({
      maxSubscriptions: 5000,
      maxConnectionsPerAddress: 16,
      relaysPerSecond: 100,
      relayBurst: 2000,
    });
  });

  it('refuses a relay burst too small to publish to a full topic', () => {
    expect(() => resolveLimits({ relayBurst: 999 })).toThrow(ConfigError);
    expect(resolveLimits({ relayBurst: 999, maxSubscribersPerTopic: 999 }).relayBurst).toBe(999);
  });

  it('refuses a zero or fractional limit given as an option', () => {
    expect(() => resolveLimits({ maxTopicLength: 0 })).toThrow(ConfigError);
    expect(() => resolveLimits({ messageBurst: 2.5 })).toThrow(ConfigError);
  });
});

describe('trusted proxies from the environment', () => {
  it('trusts nobody when KITH_TRUSTED_PROXIES is unset', () => {
    expect(settingsFromEnv({}).trustedProxies.has('127.0.0.1')).toBe(false);
  });

  it('reads comma-separated addresses and CIDR ranges', () => {
    const { trustedProxies } = settingsFromEnv({
      KITH_TRUSTED_PROXIES: '127.0.0.1, ::1,10.0.0.0/8',
    });
    expect(['127.0.0.1', '::1', '10.9.8.7'].map((a) => trustedProxies.has(a))).toEqual([
      true,
      true,
      true,
    ]);
    expect(trustedProxies.has('192.168.0.1')).toBe(false);
  });

  it('names the variable when an entry is wrong', () => {
    expect(() => settingsFromEnv({ KITH_TRUSTED_PROXIES: '10.0.0.0/40' })).toThrow(
      'KITH_TRUSTED_PROXIES',
    );
  });
});

describe('ICE settings from the environment', () => {
  it('publishes nothing when nothing is set', () => {
    expect(iceServersFor(iceSettingsFromEnv({}))).toEqual([]);
  });

  it('reads comma-separated STUN and TURN URLs with a static credential', () => {
    const settings = iceSettingsFromEnv({
      KITH_STUN_URLS: 'stun:a.test:3478, stun:b.test',
      KITH_TURN_URLS: 'turn:t.test:3478?transport=udp,turns:t.test:5349',
      KITH_TURN_USERNAME: 'alice',
      KITH_TURN_CREDENTIAL: 'pw',
    });
    expect(iceServersFor(settings)).toEqual([
      { urls: ['stun:a.test:3478', 'stun:b.test'] },
      {
        urls: ['turn:t.test:3478?transport=udp', 'turns:t.test:5349'],
        username: 'alice',
        credential: 'pw',
      },
    ]);
  });

  it('mints REST credentials with the configured lifetime', () => {
    const settings = iceSettingsFromEnv({
      KITH_TURN_URLS: 'turn:t.test',
      KITH_TURN_SECRET: 's3cret',
    });
    expect(settings.turn?.auth).toEqual({
      kind: 'rest',
      secret: 's3cret',
      ttlSeconds: DEFAULT_TURN_TTL_SECONDS,
    });
    const [server] = iceServersFor(settings, 1_700_000_000_000);
    expect(server?.username).toBe(`${1_700_000_000 + DEFAULT_TURN_TTL_SECONDS}:kith`);
    const short = iceSettingsFromEnv({
      KITH_TURN_URLS: 'turn:t.test',
      KITH_TURN_SECRET: 's3cret',
      KITH_TURN_TTL_SECONDS: '60',
    });
    expect(iceServersFor(short, 1_700_000_000_000)[0]?.username).toBe('1700000060:kith');
  });

  it.each<[string, NodeJS.ProcessEnv, string]>([
    ['an http URL as STUN', { KITH_STUN_URLS: 'http://stun.test' }, 'KITH_STUN_URLS'],
    ['a TURN URL as STUN', { KITH_STUN_URLS: 'turn:t.test' }, 'KITH_STUN_URLS'],
    [
      'a STUN URL as TURN',
      { KITH_TURN_URLS: 'stun:t.test', KITH_TURN_SECRET: 'x' },
      'KITH_TURN_URLS',
    ],
    ['TURN without credentials', { KITH_TURN_URLS: 'turn:t.test' }, 'KITH_TURN_SECRET'],
    [
      'a username without credential',
      { KITH_TURN_URLS: 'turn:t.test', KITH_TURN_USERNAME: 'u' },
      'KITH_TURN_CREDENTIAL',
    ],
    [
      'both secret and static',
      {
        KITH_TURN_URLS: 'turn:t.test',
        KITH_TURN_SECRET: 's',
        KITH_TURN_USERNAME: 'u',
        KITH_TURN_CREDENTIAL: 'c',
      },
      'not both',
    ],
    ['credentials without URLs', { KITH_TURN_SECRET: 's' }, 'KITH_TURN_URLS'],
    [
      'a bad TTL',
      { KITH_TURN_URLS: 'turn:t.test', KITH_TURN_SECRET: 's', KITH_TURN_TTL_SECONDS: 'soon' },
      'KITH_TURN_TTL_SECONDS',
    ],
  ])('refuses %s with a clear error', (_name, env, mention) => {
    expect(() => iceSettingsFromEnv(env)).toThrow(ConfigError);
    expect(() => iceSettingsFromEnv(env)).toThrow(mention);
  });
});

describe('Redis from the environment', () => {
  it('is off unless REDIS_URL is set, and takes redis: and rediss: URLs', () => {
    expect(settingsFromEnv({}).redisUrl).toBeUndefined();
    expect(settingsFromEnv({ REDIS_URL: ' ' }).redisUrl).toBeUndefined();
    expect(settingsFromEnv({ REDIS_URL: 'redis://10.0.0.5:6379/2' }).redisUrl).toBe(
      'redis://10.0.0.5:6379/2',
    );
    expect(settingsFromEnv({ REDIS_URL: 'rediss://user:pw@redis.example:6380' }).redisUrl).toBe(
      'rediss://user:pw@redis.example:6380',
    );
  });

  it.each(['localhost:6379', 'http://redis.example', 'not a url'])(
    'refuses REDIS_URL=%s, saying what it must be',
    (raw) => {
      expect(() => settingsFromEnv({ REDIS_URL: raw })).toThrow(/REDIS_URL must be a redis:\/\//);
    },
  );
});
