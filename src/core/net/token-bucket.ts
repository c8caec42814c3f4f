/**
 * A token bucket over a caller's clock: `capacity` actions at once, then one more every
 * `refillMs`. What a friend's messages may cost this device (connections, presence) is bounded
 * with these, per friend and per device (see `connection-manager.ts`).
 */

/** How many at once, and how fast the allowance comes back. */
export interface BucketSpec {
  /** Actions allowed in a burst (at least 1). */
  readonly capacity: number;
  /** Time for one action's allowance to come back (ms, positive). */
  readonly refillMs: number;
}

/** A token bucket; starts full. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  /** A full bucket of `spec` at time `now`. */
  constructor(
    private readonly spec: BucketSpec,
    now: number,
  ) {
    if (!(spec.capacity >= 1) || !(spec.refillMs > 0)) throw new RangeError('bad bucket spec');
    this.tokens = spec.capacity;
    this.updatedAt = now;
  }

  /** Whether one action is allowed at `now` (without taking it). */
  allows(now: number): boolean {
    this.refill(now);
    return this.tokens >= 1;
  }

  /** Takes one action's token at `now`; false (and nothing taken) when the bucket is empty. */
  take(now: number): boolean {
    if (!this.allows(now)) return false;
    this.tokens -= 1;
    return true;
  }

  private refill(now: number): void {
    // A clock that steps back refills nothing rather than draining the bucket.
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.spec.capacity, this.tokens + elapsed / this.spec.refillMs);
    this.updatedAt = Math.max(this.updatedAt, now);
  }
}
