/**
 * Whom to connect to, under a cap that holds whatever the number of friends (design: Chromium
 * refuses a page's 500th RTCPeerConnection, closed ones included, so churn is a resource).
 *
 * - Below the cap: dial the best candidates, best first: higher `priority` (the caller's measure,
 *   e.g. how far behind a friend's logs are), then the one reached least recently (never first).
 * - At the cap, when a waiting device has entries this replica lacks (`behind`: it said how far
 *   its log goes in its presence), one held connection with nothing to sync (`idle`) that has
 *   been held at least `idleHoldMs` makes way for it: new posts reach the replica within
 *   seconds whatever the cap, and churn follows what friends write, not the clock.
 * - Otherwise, at the cap, nothing moves until a rotation is due; then at most one connection
 *   that has been held at least `minHoldMs` and matters no more than the best waiting candidate
 *   is closed, so that every friend is reached over time while connections created per hour
 *   stay at about one per rotation period.
 *
 * Pure: the connection manager feeds it its view and carries out the plan.
 */

/** A remote device that is online and not connected. */
export interface Candidate {
  readonly key: string;
  readonly priority: number;
  /** When a connection to it last opened (ms), if ever. */
  readonly lastConnectedAt: number | undefined;
  /** Whether it holds entries of its own log that this replica lacks. */
  readonly behind?: boolean;
}

/** A connection held now (connecting or open). */
export interface Held {
  readonly key: string;
  readonly priority: number;
  /** When it was created (ms). */
  readonly since: number;
  /** Whether it is open with nothing being synced over it. */
  readonly idle?: boolean;
}

/** What the policy sees. */
export interface PolicyInput {
  readonly candidates: readonly Candidate[];
  readonly held: readonly Held[];
  readonly cap: number;
  readonly now: number;
  /** Whether the rotation period has passed since the last rotation. */
  readonly rotationDue: boolean;
  readonly minHoldMs: number;
  /** Least time an idle connection is held before a device that is behind may take its place. */
  readonly idleHoldMs?: number;
}

/** What to do: candidates to dial and connections to close. */
export interface Plan {
  readonly dial: readonly string[];
  readonly evict: readonly string[];
}

function better(a: Candidate, b: Candidate): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (Boolean(a.behind) !== Boolean(b.behind)) return a.behind ? -1 : 1;
  return (a.lastConnectedAt ?? -Infinity) - (b.lastConnectedAt ?? -Infinity);
}

/** The plan for `input` (see the module doc). */
export function planConnections(input: PolicyInput): Plan {
  const ranked = [...input.candidates].sort(better);
  const free = input.cap - input.held.length;
  if (free > 0) return { dial: ranked.slice(0, free).map((c) => c.key), evict: [] };
  const best = ranked[0];
  if (!best) return { dial: [], evict: [] };
  if (best.behind && input.idleHoldMs !== undefined) {
    const idle = input.held
      .filter((h) => h.idle && input.now - h.since >= input.idleHoldMs!)
      .sort((a, b) => a.priority - b.priority || a.since - b.since)[0];
    if (idle) return { dial: [], evict: [idle.key] };
  }
  if (!input.rotationDue) return { dial: [], evict: [] };
  const victims = input.held
    .filter((h) => input.now - h.since >= input.minHoldMs && h.priority <= best.priority)
    .sort((a, b) => a.priority - b.priority || a.since - b.since);
  const victim = victims[0];
  return { dial: [], evict: victim ? [victim.key] : [] };
}
