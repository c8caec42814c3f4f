import { createHmac } from 'node:crypto';
import { ConfigError } from './config-error.ts';

/** One entry of `RTCConfiguration.iceServers`, as `/config.json` publishes it. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** How TURN clients authenticate. */
export type TurnAuth =
  | { kind: 'static'; username: string; credential: string }
  /** coturn's `use-auth-secret`: a short-lived credential minted per request from a shared secret. */
  | { kind: 'rest'; secret: string; ttlSeconds: number };

/** The ICE servers a Kith server tells its app to use. None by default. */
export interface IceSettings {
  stunUrls: string[];
  turn?: { urls: string[]; auth: TurnAuth };
}

/** The default lifetime of a minted TURN credential: one day. */
export const DEFAULT_TURN_TTL_SECONDS = 86_400;

/** The user part of every minted TURN username (`<expiry>:kith`). */
export const TURN_REST_USER = 'kith';

const ICE_URL = /^(stun|turn|turns):[^\s,]+$/;

function parseUrls(name: string, raw: string | undefined, schemes: readonly string[]): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  const urls = raw
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '');
  for (const url of urls) {
    const scheme = ICE_URL.exec(url)?.[1];
    if (scheme === undefined || !schemes.includes(scheme)) {
      throw new ConfigError(
        `${name}: "${url}" is not a ${schemes.map((s) => `${s}:`).join(' or ')} URL`,
      );
    }
  }
  return urls;
}

/**
 * Reads `KITH_STUN_URLS`, `KITH_TURN_URLS`, `KITH_TURN_USERNAME`/`KITH_TURN_CREDENTIAL` or
 * `KITH_TURN_SECRET` (+ `KITH_TURN_TTL_SECONDS`). Throws `ConfigError` on any inconsistency, so a
 * misconfigured server fails at start rather than handing the app servers that cannot work.
 */
export function iceSettingsFromEnv(env: NodeJS.ProcessEnv): IceSettings {
  const stunUrls = parseUrls('KITH_STUN_URLS', env.KITH_STUN_URLS, ['stun']);
  const turnUrls = parseUrls('KITH_TURN_URLS', env.KITH_TURN_URLS, ['turn', 'turns']);
  const username = env.KITH_TURN_USERNAME?.trim() || undefined;
  const credential = env.KITH_TURN_CREDENTIAL?.trim() || undefined;
  const secret = env.KITH_TURN_SECRET?.trim() || undefined;
  const ttlRaw = env.KITH_TURN_TTL_SECONDS?.trim() || undefined;
  const anyTurnAuth = username ?? credential ?? secret ?? ttlRaw;
  if (turnUrls.length === 0) {
    if (anyTurnAuth !== undefined) {
      throw new ConfigError('TURN credentials are set but KITH_TURN_URLS is empty');
    }
    return { stunUrls };
  }
  if (secret !== undefined) {
    if (username !== undefined || credential !== undefined) {
      throw new ConfigError(
        'set either KITH_TURN_SECRET or KITH_TURN_USERNAME and KITH_TURN_CREDENTIAL, not both',
      );
    }
    let ttlSeconds = DEFAULT_TURN_TTL_SECONDS;
    if (ttlRaw !== undefined) {
      if (!/^[0-9]+$/.test(ttlRaw) || Number(ttlRaw) === 0) {
        throw new ConfigError(`KITH_TURN_TTL_SECONDS must be a positive whole number: "${ttlRaw}"`);
      }
      ttlSeconds = Number(ttlRaw);
    }
    return { stunUrls, turn: { urls: turnUrls, auth: { kind: 'rest', secret, ttlSeconds } } };
  }
  if (ttlRaw !== undefined) {
    throw new ConfigError('KITH_TURN_TTL_SECONDS applies only with KITH_TURN_SECRET');
  }
  if (username === undefined || credential === undefined) {
    throw new ConfigError(
      'KITH_TURN_URLS needs KITH_TURN_SECRET, or both KITH_TURN_USERNAME and KITH_TURN_CREDENTIAL',
    );
  }
  return { stunUrls, turn: { urls: turnUrls, auth: { kind: 'static', username, credential } } };
}

/** The coturn REST credential for `username`: base64(HMAC-SHA1(secret, username)). */
export function turnRestCredential(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64');
}

/** The `iceServers` to publish now; a TURN REST credential is minted afresh on each call. */
export function iceServersFor(settings: IceSettings, nowMs: number = Date.now()): IceServer[] {
  const servers: IceServer[] = [];
  if (settings.stunUrls.length > 0) servers.push({ urls: [...settings.stunUrls] });
  const turn = settings.turn;
  if (turn) {
    if (turn.auth.kind === 'static') {
      servers.push({
        urls: [...turn.urls],
        username: turn.auth.username,
        credential: turn.auth.credential,
      });
    } else {
      const expiry = Math.floor(nowMs / 1000) + turn.auth.ttlSeconds;
      const username = `${expiry}:${TURN_REST_USER}`;
      servers.push({
        urls: [...turn.urls],
        username,
        credential: turnRestCredential(turn.auth.secret, username),
      });
    }
  }
  return servers;
}
