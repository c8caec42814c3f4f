/**
 * Whether a sync session has stalled: work in flight and nothing moving (no entry or blob chunk
 * either way) for `stallMs`, or never idle for `busyMs` (progress that never completes). Sync is
 * resumable, so a stalled session is closed and the connection made again: a lost answer or a
 * half-dead channel then costs one reconnect, never a friend "syncing…" for good. Pure: the
 * session asks it on a timer with the time, whether it is idle and how much has moved; the
 * session watches only while busy (a new watch each time it gets busy), so an idle one runs no
 * timer.
 */

/** The two limits (`SyncConfig`'s). */
export interface StallLimits {
  readonly stallMs: number;
  readonly busyMs: number;
}

/** How often a session asks its watch: often enough to catch a stall within a quarter of it. */
export function stallCheckMs(limits: StallLimits): number {
  return Math.max(10, Math.min(2_000, Math.floor(limits.stallMs / 4)));
}

/** One session's watch. */
export class StallWatch {
  private lastMoved: number;
  private busySince: number;

  /** A watch from `now`, when `moved` had moved. */
  constructor(
    private readonly limits: StallLimits,
    now: number,
    private moved = 0,
  ) {
    this.lastMoved = now;
    this.busySince = now;
  }

  /**
   * Why the session stalled (for its close's detail), or undefined while it has not: `moved`
   * counts what has moved so far, `idle` whether nothing is in flight.
   */
  check(now: number, idle: boolean, moved: number): string | undefined {
    if (idle) {
      this.busySince = now;
      this.lastMoved = now;
    } else if (moved !== this.moved) {
      this.lastMoved = now;
    }
    this.moved = moved;
    if (idle) return undefined;
    if (now - this.lastMoved > this.limits.stallMs) {
      return `nothing moved for ${now - this.lastMoved} ms`;
    }
    if (now - this.busySince > this.limits.busyMs) {
      return `never idle for ${now - this.busySince} ms`;
    }
    return undefined;
  }
}
