import { iceSettingsFromEnv, type IceSettings } from './ice-config.ts';
import { limitsFromEnv, type SignalingLimits } from './limits.ts';

/** The settings read from the environment by both `main.ts` and the Vite plugin. */
export interface EnvSettings {
  limits: Partial<SignalingLimits>;
  ice: IceSettings;
}

/** Reads limits and ICE settings from `env`; throws `ConfigError` on a bad value. */
export function settingsFromEnv(env: NodeJS.ProcessEnv): EnvSettings {
  return { limits: limitsFromEnv(env), ice: iceSettingsFromEnv(env) };
}
