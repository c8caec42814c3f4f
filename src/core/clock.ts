/**
 * Time reaches the core through `Clock`, so tests decide what "now" is.
 */

/** A source of the current time in milliseconds since the Unix epoch. */
export interface Clock {
  /** Current time, integer milliseconds since 1970-01-01T00:00:00Z. */
  now(): number;
}

/** The real clock (`Date.now`). */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to: for deterministic tests and test vectors. */
export class ManualClock implements Clock {
  private current: number;

  /** Starts at `start` milliseconds. */
  constructor(start = 0) {
    this.current = start;
  }

  /** The time last set. */
  now(): number {
    return this.current;
  }

  /** Moves the clock to `ms` (may go backwards: tests of skew need it). */
  set(ms: number): void {
    this.current = ms;
  }

  /** Moves the clock forward by `ms`. */
  advance(ms: number): void {
    this.current += ms;
  }
}
