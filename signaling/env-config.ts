import { parseTrustedProxies, type TrustedProxies } from './client-address.ts';
import { ConfigError } from './config-error.ts';
import { iceSettingsFromEnv, type IceSettings } from './ice-config.ts';
import { limitsFromEnv, type SignalingLimits } from './limits.ts';
import { parseRedisUrl } from './redis-topics.ts';

/** The settings read from the environment by both `main.ts` and the Vite plugin. */
export interface EnvSettings {
  limits: Partial<SignalingLimits>;
  ice: IceSettings;
  /** From `KITH_TRUSTED_PROXIES`: comma-separated addresses and CIDR ranges (none when unset). */
  trustedProxies: TrustedProxies;
  /** From `REDIS_URL`: share topics with other processes through this Redis (none when unset). */
  redisUrl?: string;
}

/**
 * Reads limits, ICE settings, trusted proxies and the Redis URL from `env`; throws `ConfigError`
 * on a bad value.
 */
export function settingsFromEnv(env: NodeJS.ProcessEnv): EnvSettings {
  const proxies = (env.KITH_TRUSTED_PROXIES ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  let trustedProxies: TrustedProxies;
  try {
    trustedProxies = parseTrustedProxies(proxies);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(`KITH_TRUSTED_PROXIES: ${error.message}`);
  }
  const redisUrl = env.REDIS_URL?.trim() || undefined;
  return {
    limits: limitsFromEnv(env),
    ice: iceSettingsFromEnv(env),
    trustedProxies,
    redisUrl: redisUrl === undefined ? undefined : parseRedisUrl(redisUrl),
  };
}
