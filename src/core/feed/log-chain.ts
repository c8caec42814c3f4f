/**
 * Whether verified entries fit the (author, device) log already held.
 *
 * Rules (design guide section 1, invariant 1), for an entry at seq s:
 * - s already held with the same hash: duplicate (idempotent, not an error);
 * - s held with a different hash: a fork, returned as evidence and never applied;
 * - s - 1 held and `prev` differs from its hash: mis-chained, rejected;
 * - s + 1 held and its `prev` differs from this entry's hash: mis-chained, rejected;
 * - otherwise accepted, also when neither neighbour is held (a detached run: recent entries
 *   arrive before older ones, and the gap, when filled, must chain exactly by the rules above).
 *
 * Nothing here writes: the caller stores what is accepted, so a rejection cannot corrupt
 * what is held.
 */
import type { DeviceId, EntryHash, PersonId } from '../ids.ts';
import type { EntryDecodeError } from './entry-codec.ts';
import type { EntryVerifier, EntryVerifyError, VerifiedEntry } from './entry-verifier.ts';

/** Read access to what is held of one log; storage implements it later. */
export interface HeldLog {
  /** The log's author. */
  readonly author: PersonId;
  /** The log's device. */
  readonly device: DeviceId;
  /** Hash of the held entry at `seq`, or undefined when not held. */
  hashAt(seq: number): EntryHash | undefined | Promise<EntryHash | undefined>;
  /** `prev` of the held entry at `seq` (seq >= 2), or undefined when not held. */
  prevAt(seq: number): EntryHash | undefined | Promise<EntryHash | undefined>;
}

/** Why an entry does not fit the log. */
export type ChainErrorReason =
  'wrong-log' | 'mis-chained-prev' | 'mis-chained-next' | 'not-contiguous';

/** A verified entry that contradicts the held log (or its own run). */
export class ChainError extends Error {
  override readonly name = 'ChainError';
  /** Machine-readable cause. */
  readonly reason: ChainErrorReason;
  /** The seq at which the chain broke. */
  readonly seq: number;

  constructor(reason: ChainErrorReason, seq: number) {
    super(`log chain: ${reason} at seq ${seq}`);
    this.reason = reason;
    this.seq = seq;
  }
}

/** Proof that a device signed two different entries at one seq. */
export interface ForkEvidence {
  /** The log. */
  readonly author: PersonId;
  /** The log's device. */
  readonly device: DeviceId;
  /** The seq signed twice. */
  readonly seq: number;
  /** Hash of the entry held at that seq (its bytes are in storage). */
  readonly heldHash: EntryHash;
  /** The other, incoming entry, signature intact. */
  readonly incoming: VerifiedEntry;
}

/** Outcome for one entry. */
export type Acceptance =
  | {
      kind: 'accepted';
      entry: VerifiedEntry;
      /** True when the entry chains to a held predecessor (or is seq 1). */
      linkedToPrev: boolean;
      /** True when a held successor chains to it. */
      linkedToNext: boolean;
    }
  | { kind: 'duplicate'; entry: VerifiedEntry }
  | { kind: 'fork'; evidence: ForkEvidence }
  | { kind: 'rejected'; error: EntryDecodeError | EntryVerifyError | ChainError };

/** Outcome for a run of entries of one log. */
export type RunAcceptance =
  | {
      kind: 'accepted';
      /** Entries new to the log, ascending by seq. */
      entries: VerifiedEntry[];
      /** Entries of the run already held. */
      duplicates: number;
    }
  | { kind: 'fork'; evidence: ForkEvidence }
  | { kind: 'rejected'; index: number; error: EntryDecodeError | EntryVerifyError | ChainError };

/** Checks a verified entry against the held log. */
export async function checkChain(entry: VerifiedEntry, held: HeldLog): Promise<Acceptance> {
  if (entry.author !== held.author || entry.device !== held.device) {
    return { kind: 'rejected', error: new ChainError('wrong-log', entry.seq) };
  }
  const heldHash = await held.hashAt(entry.seq);
  if (heldHash !== undefined) {
    if (heldHash === entry.hash) return { kind: 'duplicate', entry };
    return { kind: 'fork', evidence: forkOf(entry, heldHash) };
  }
  let linkedToPrev = entry.seq === 1;
  if (entry.seq > 1) {
    const prevHash = await held.hashAt(entry.seq - 1);
    if (prevHash !== undefined && prevHash !== entry.prev) {
      return { kind: 'rejected', error: new ChainError('mis-chained-prev', entry.seq) };
    }
    linkedToPrev = prevHash !== undefined;
  }
  const nextPrev = await held.prevAt(entry.seq + 1);
  if (nextPrev !== undefined && nextPrev !== entry.hash) {
    return { kind: 'rejected', error: new ChainError('mis-chained-next', entry.seq) };
  }
  return { kind: 'accepted', entry, linkedToPrev, linkedToNext: nextPrev !== undefined };
}

/** Verifies one entry's bytes, then checks it against the held log. */
export async function acceptEntry(
  bytes: Uint8Array,
  held: HeldLog,
  verifier: EntryVerifier,
): Promise<Acceptance> {
  const [checked] = await verifier.verifyMany([bytes]);
  if (checked instanceof Error) return { kind: 'rejected', error: checked };
  return checkChain(checked!, held);
}

/**
 * Verifies a contiguous run of one log (any order; newest first is the recent-first case) and
 * checks it against the held log: all signatures in flight at once, then the links inside the
 * run, then its two edges and any overlap with what is held. All or nothing: one bad entry
 * rejects the run, naming its index in `list`.
 */
export async function acceptRun(
  list: readonly Uint8Array[],
  held: HeldLog,
  verifier: EntryVerifier,
): Promise<RunAcceptance> {
  const checked = await verifier.verifyMany(list);
  const entries: { index: number; entry: VerifiedEntry }[] = [];
  for (const [index, c] of checked.entries()) {
    if (c instanceof Error) return { kind: 'rejected', index, error: c };
    if (c.author !== held.author || c.device !== held.device) {
      return { kind: 'rejected', index, error: new ChainError('wrong-log', c.seq) };
    }
    entries.push({ index, entry: c });
  }
  entries.sort((a, b) => a.entry.seq - b.entry.seq);
  for (let i = 1; i < entries.length; i++) {
    const { index, entry } = entries[i]!;
    const before = entries[i - 1]!.entry;
    if (entry.seq !== before.seq + 1) {
      return { kind: 'rejected', index, error: new ChainError('not-contiguous', entry.seq) };
    }
    if (entry.prev !== before.hash) {
      return { kind: 'rejected', index, error: new ChainError('mis-chained-prev', entry.seq) };
    }
  }

  const fresh: VerifiedEntry[] = [];
  let duplicates = 0;
  for (const { entry } of entries) {
    const heldHash = await held.hashAt(entry.seq);
    if (heldHash === undefined) fresh.push(entry);
    else if (heldHash === entry.hash) duplicates++;
    else return { kind: 'fork', evidence: forkOf(entry, heldHash) };
  }
  const first = entries[0];
  const last = entries.at(-1);
  if (first && last) {
    if (first.entry.seq > 1) {
      const prevHash = await held.hashAt(first.entry.seq - 1);
      if (prevHash !== undefined && prevHash !== first.entry.prev) {
        return {
          kind: 'rejected',
          index: first.index,
          error: new ChainError('mis-chained-prev', first.entry.seq),
        };
      }
    }
    const nextPrev = await held.prevAt(last.entry.seq + 1);
    if (nextPrev !== undefined && nextPrev !== last.entry.hash) {
      return {
        kind: 'rejected',
        index: last.index,
        error: new ChainError('mis-chained-next', last.entry.seq),
      };
    }
  }
  return { kind: 'accepted', entries: fresh, duplicates };
}

function forkOf(entry: VerifiedEntry, heldHash: EntryHash): ForkEvidence {
  return { author: entry.author, device: entry.device, seq: entry.seq, heldHash, incoming: entry };
}
