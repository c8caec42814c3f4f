/**
 * How many bytes of live pushes (entries nobody asked for) a session takes from its peer: a
 * token bucket of `burstBytes`, refilled at `bytesPerSecond` by the host's clock. Answers are
 * bounded by the budgets this side chose; pushes are bounded here, so a peer cannot make this
 * side verify and store without limit by pushing. What is over the allowance is not lost: the
 * session asks for it instead, within a budget (`sync-session.ts`).
 */
import type { Clock } from '../clock.ts';

/** A byte allowance refilled over time. */
export class PushAllowance {
  private tokens: number;
  private at: number;

  /** Full at first: a peer's first pushes after connecting pass. */
  constructor(
    private readonly burstBytes: number,
    private readonly bytesPerSecond: number,
    private readonly clock: Clock,
  ) {
    this.tokens = burstBytes;
    this.at = clock.now();
  }

  /** Takes `bytes` if the allowance holds them (then true), or takes nothing (false). */
  take(bytes: number): boolean {
    const now = this.clock.now();
    // A clock that goes back (skew corrections) refills nothing.
    const elapsed = Math.max(0, now - this.at);
    this.at = now;
    this.tokens = Math.min(this.burstBytes, this.tokens + (elapsed * this.bytesPerSecond) / 1000);
    if (bytes > this.tokens) return false;
    this.tokens -= bytes;
    return true;
  }
}
