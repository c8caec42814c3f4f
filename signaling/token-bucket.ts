/**
 * A token bucket: holds up to `burst` tokens, refills `perSecond` tokens a second, and lets a caller
 * take several at once. The clock is passed in (milliseconds, monotonic) so tests can stop time.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.refilledAt = now();
  }

  /** Takes `cost` tokens and returns true, or takes none and returns false when fewer are left. */
  take(cost = 1): boolean {
    const now = this.now();
    this.tokens = Math.min(
      this.burst,
      this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond,
    );
    this.refilledAt = now;
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }
}
