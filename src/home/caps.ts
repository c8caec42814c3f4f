/**
 * The home peer's caps, given as flags: `--quota SIZE` (most bytes FOLDER's data may take) and
 * `--max-connections N` (most simultaneous connections to friends' and its person's devices).
 * Each takes its value as the next argument or after `=`. What goes first when the quota is
 * reached is the folder store's rule (docs/home-peer.md "Caps", docs/storage.md "Quota").
 */

/** The caps of a FOLDER run; a cap left out is the default (no quota; the mesh's own cap). */
export interface RelayCaps {
  /** Most bytes of the journal and blobs together. */
  readonly quotaBytes?: number;
  /** Most simultaneous connections. */
  readonly maxConnections?: number;
}

/** A cap flag given wrong; its message is the one line shown. */
export class CapFlagError extends Error {
  override readonly name = 'CapFlagError';
}

/** Smallest quota taken: below it a relay could not hold even a day of one person's posts. */
export const MIN_QUOTA_BYTES = 1_000_000;
/** Most connections taken: each costs memory and a share of the uplink of a home machine. */
export const MAX_CONNECTIONS = 256;

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** Reads a size such as `500MB`, `2.5 GB`, `1GiB` or `1000000` (bytes); undefined if it is not one. */
export function parseSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) return undefined;
  const bytes = Math.floor(Number(match[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** The cap flags and how each reads its value into the caps. */
const FLAGS: Readonly<Record<string, (value: string) => Partial<RelayCaps>>> = {
  '--quota': (value) => {
    const bytes = parseSize(value);
    if (bytes === undefined) {
      throw new CapFlagError(`--quota takes a size such as 500MB or 20GB, not ${value}`);
    }
    if (bytes < MIN_QUOTA_BYTES) throw new CapFlagError('--quota must be at least 1MB');
    return { quotaBytes: bytes };
  },
  '--max-connections': (value) => {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!(n >= 1 && n <= MAX_CONNECTIONS)) {
      throw new CapFlagError(
        `--max-connections takes a whole number from 1 to ${MAX_CONNECTIONS}, not ${value}`,
      );
    }
    return { maxConnections: n };
  },
};

/**
 * Takes the cap flags (and their values) out of `argv`; returns the caps and the other arguments
 * in order. Throws {@link CapFlagError} for a missing or bad value or a cap given twice.
 */
export function takeCaps(argv: readonly string[]): {
  readonly caps: RelayCaps;
  readonly rest: string[];
} {
  const caps: Partial<Record<keyof RelayCaps, number>> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const read = FLAGS[flag];
    if (read === undefined) {
      rest.push(arg);
      continue;
    }
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '') throw new CapFlagError(`${flag} needs a value`);
    const cap = read(value);
    for (const key of Object.keys(cap) as (keyof RelayCaps)[]) {
      if (caps[key] !== undefined) throw new CapFlagError(`give ${flag} once`);
      caps[key] = cap[key];
    }
  }
  return { caps, rest };
}

/** Bytes as people read them: `2.5 MB`, `20.0 GB` (decimal units, as `--quota` takes them). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
