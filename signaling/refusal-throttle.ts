import type { Refusal } from './protocol.ts';
import { TokenBucket } from './token-bucket.ts';

/** The same (op, topic) is refused at most once in this long. */
export const REFUSAL_INTERVAL_MS = 1_000;

/**
 * Decides which `refused` frames one connection is sent, so that refusals cannot amplify what a
 * client sends: at most one per (op, topic) per second, and all of them within a budget of their
 * own (the relay budget's size, kept apart from it so the refusal of an over-budget publish can
 * still be sent). A refusal held back is only information lost: the client learns it the next
 * time it asks.
 */
export class RefusalThrottle {
  private readonly lastSent = new Map<string, number>();
  private readonly budget: TokenBucket;
  private sweptAt: number;

  constructor(
    perSecond: number,
    burst: number,
    private readonly now: () => number,
  ) {
    this.budget = new TokenBucket(perSecond, burst, now);
    this.sweptAt = now();
  }

  /** True when `refusal` may be sent now (and records that it was). */
  allow(refusal: Refusal): boolean {
    const now = this.now();
    // Forget expired entries once a second, so the map holds at most a second or two of refusals.
    if (now - this.sweptAt >= REFUSAL_INTERVAL_MS) {
      for (const [key, at] of this.lastSent) {
        if (now - at >= REFUSAL_INTERVAL_MS) this.lastSent.delete(key);
      }
      this.sweptAt = now;
    }
    const key = `${refusal.op} ${refusal.topic}`;
    const last = this.lastSent.get(key);
    if (last !== undefined && now - last < REFUSAL_INTERVAL_MS) return false;
    if (!this.budget.take()) return false;
    this.lastSent.set(key, now);
    return true;
  }
}
