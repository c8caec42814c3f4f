/**
 * ICE servers (design section 5): none by default, so no third party is ever contacted unless
 * someone chose it. The server that serves the app may publish STUN/TURN settings at
 * `/config.json`; a person's settings override both. Fetched with a timeout; any failure means
 * "none", never a stuck start-up.
 */
import { createLogger } from '../log.ts';

const log = createLogger('net:ice');

/** One `RTCIceServer`, validated. */
export interface IceServer {
  readonly urls: string[];
  readonly username?: string;
  readonly credential?: string;
}

/** Most ICE servers taken from any source. */
export const MAX_ICE_SERVERS = 8;
const ICE_URL = /^(stun|stuns|turn|turns):[^\s]{1,250}$/;

/** Validates an untrusted `iceServers` list; returns undefined when any entry is unusable. */
export function parseIceServers(value: unknown): IceServer[] | undefined {
  if (!Array.isArray(value) || value.length > MAX_ICE_SERVERS) return undefined;
  const out: IceServer[] = [];
  for (const entry of value) {
    if (typeof entry !== 'object' || entry === null) return undefined;
    const { urls, username, credential } = entry as Record<string, unknown>;
    const list = typeof urls === 'string' ? [urls] : urls;
    if (!Array.isArray(list) || list.length === 0 || list.length > 8) return undefined;
    if (!list.every((u): u is string => typeof u === 'string' && ICE_URL.test(u))) return undefined;
    if (username !== undefined && typeof username !== 'string') return undefined;
    if (credential !== undefined && typeof credential !== 'string') return undefined;
    out.push({
      urls: list,
      ...(username === undefined ? {} : { username }),
      ...(credential === undefined ? {} : { credential }),
    });
  }
  return out;
}

/** A `fetch` as far as this module uses it. */
export type FetchLike = (
  url: string,
  init: { signal: AbortSignal },
) => Promise<{ ok: boolean; json(): Promise<unknown> }>;

/** Options of {@link loadIceServers}. */
export interface LoadIceOptions {
  /** The app's origin, e.g. `https://kith.example`. */
  readonly origin: string;
  readonly fetch: FetchLike;
  /** Bound on the request (default 3 s). */
  readonly timeoutMs?: number;
  /** The person's own setting; when it returns a list, that list wins (even an empty one). */
  readonly override?: () => IceServer[] | undefined;
}

/** The ICE servers to use now: the person's override, else the origin's, else none. */
export async function loadIceServers(options: LoadIceOptions): Promise<IceServer[]> {
  const chosen = options.override?.();
  if (chosen !== undefined) return chosen;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 3000);
  try {
    const response = await options.fetch(new URL('/config.json', options.origin).href, {
      signal: controller.signal,
    });
    if (!response.ok) return [];
    const body = await response.json();
    const servers = parseIceServers((body as { iceServers?: unknown } | null)?.iceServers);
    if (!servers) log.warn('the origin published unusable ICE servers; using none');
    return servers ?? [];
  } catch (error) {
    log.info('no ICE servers from the origin', { error: String(error) });
    return [];
  } finally {
    clearTimeout(timer);
  }
}
