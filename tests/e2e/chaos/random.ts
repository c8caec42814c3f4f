/**
 * The chaos run's seeded randomness: every choice the run makes comes from one generator, so a
 * seed replays the same run (`KITH_CHAOS_SEED=<n>`). mulberry32: tiny, fast and good enough to
 * pick actions; not for anything secret.
 */

/** The variable that replays a run. */
export const SEED_ENV = 'KITH_CHAOS_SEED';

/** A deterministic source of choices. */
export class SeededRandom {
  #state: number;

  constructor(readonly seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0)
      throw new RangeError(`int(${n}): n must be a positive integer`);
    return Math.floor(this.next() * n);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  }

  /** A shuffled copy of `items` (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy;
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** The key of `weights` chosen in proportion to its weight (zero weights never). */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    if (total <= 0) throw new RangeError('weighted: every weight is zero');
    let left = this.next() * total;
    for (const [key, weight] of entries) {
      left -= weight;
      if (left < 0 && weight > 0) return key;
    }
    // Rounding can leave `left` at zero after the last positive weight.
    return entries.filter(([, weight]) => weight > 0).at(-1)![0];
  }
}

/**
 * The seed of this run: `KITH_CHAOS_SEED` when set (a replay), otherwise a fresh one. Throws on
 * a value that is not an unsigned 32-bit integer, rather than replaying some other run.
 */
export function chaosSeed(env: NodeJS.ProcessEnv = process.env): number {
  const given = env[SEED_ENV];
  if (given === undefined || given === '') return Math.floor(Math.random() * 2 ** 32);
  const seed = Number(given);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new Error(`${SEED_ENV}=${given} is not an integer in [0, 2^32)`);
  }
  return seed;
}
