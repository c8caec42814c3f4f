/**
 * How far this device's own log reached each friend, and what that means for each doc it wrote:
 * pending while no friend's device has taken it (`nobody`), or while some friends have and
 * others lack it (`some`, naming those who lack it). Pure; the mesh keeps the numbers.
 *
 * A friend "has" the own log up to a seq once an open sync session with one of their devices
 * knows that device holds it without a gap (said in its `have`, or sent to it: the session's
 * `remoteHoldsThrough`), whatever else the session is busy with (the mesh's delivery check,
 * every 2 s).
 */
import type { DocId, PersonId } from '../ids.ts';

/** Who has one pending doc. */
export type Delivery =
  /** No friend's device has it yet. */
  | { readonly reached: 'nobody' }
  /** Some friends have it; these (at least one) do not yet. */
  | { readonly reached: 'some'; readonly lacking: readonly PersonId[] };

/** How far the own log reached. */
export interface Delivered {
  /** The seq some friend's device is known to hold (the newest reached by any). */
  readonly any: number;
  /** Per friend, the seq one of their devices is known to hold (absent: nothing known). */
  readonly byFriend: ReadonlyMap<PersonId, number>;
}

/** One own entry, as far as delivery cares. */
export interface OwnEntry {
  readonly docId: DocId;
  readonly seq: number;
}

/**
 * The first own seq some current friend may lack: entries from here to the log's end are the
 * ones to read to tell what is pending (no friend: nothing is).
 */
export function firstUndelivered(delivered: Delivered, friends: readonly PersonId[]): number {
  if (friends.length === 0) return Infinity;
  const least = Math.min(...friends.map((f) => delivered.byFriend.get(f) ?? 0));
  return Math.min(least, delivered.any) + 1;
}

/**
 * Which docs are pending and with whom, from the own `entries` above
 * {@link firstUndelivered}: a doc is as delivered as its newest entry.
 */
export function pendingDelivery(
  entries: readonly OwnEntry[],
  delivered: Delivered,
  friends: readonly PersonId[],
): ReadonlyMap<DocId, Delivery> {
  const newest = new Map<DocId, number>();
  for (const { docId, seq } of entries) newest.set(docId, Math.max(newest.get(docId) ?? 0, seq));
  const pending = new Map<DocId, Delivery>();
  if (friends.length === 0) return pending;
  for (const [docId, seq] of newest) {
    if (seq > delivered.any) {
      pending.set(docId, { reached: 'nobody' });
      continue;
    }
    const lacking = friends.filter((f) => (delivered.byFriend.get(f) ?? 0) < seq);
    if (lacking.length > 0) pending.set(docId, { reached: 'some', lacking });
  }
  return pending;
}

/** Reads the per-friend seqs back from storage (untrusted: anything malformed is dropped). */
export function parseDeliveredTo(value: unknown): ReadonlyMap<PersonId, number> {
  const byFriend = new Map<PersonId, number>();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return byFriend;
  for (const [person, seq] of Object.entries(value as Record<string, unknown>)) {
    if (typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0) {
      byFriend.set(person as PersonId, seq);
    }
  }
  return byFriend;
}

/**
 * The own log's newest entries as delivery needs them (doc and seq), read from the store once
 * each: the mesh asks for them after every change, while a friend long away keeps the range
 * wide, and an entry of the own log never changes. Holds one contiguous range of seqs.
 */
export class OwnEntries {
  private held: OwnEntry[] = [];

  constructor(
    /** Reads the own log's entries `from` to `to` (both included), in seq order. */
    private readonly read: (from: number, to: number) => Promise<readonly OwnEntry[]>,
  ) {}

  /** The entries `from` to `to`, reading only those not held yet. */
  async range(from: number, to: number): Promise<readonly OwnEntry[]> {
    const first = this.held[0]?.seq;
    const last = this.held.at(-1)?.seq;
    if (first === undefined || last === undefined || first > from || last < from || last > to) {
      this.held = (await this.read(from, to)).map(({ docId, seq }) => ({ docId, seq }));
    } else {
      const kept = this.held.filter((e) => e.seq >= from);
      const added = last < to ? await this.read(last + 1, to) : [];
      this.held = [...kept, ...added.map(({ docId, seq }) => ({ docId, seq }))];
    }
    return this.held;
  }
}
