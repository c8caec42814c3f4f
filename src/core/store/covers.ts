/**
 * "A delete that deletes" in the store (design guide section 3; docs/storage.md "Covered
 * entries"). A v2 entry may name entries of the same author and doc that its payload supersedes
 * (`covers`: it holds the doc's whole state, or a tombstone). Every adapter applies the same
 * rule inside the transaction that stores a batch, whichever comes first:
 *
 * - a held entry named by a newly stored one, of the same doc, loses its payload: a v2 entry is
 *   kept in its payload-less form (it still verifies, and sync serves it so), a v1 entry, whose
 *   hash and signature cover its payload, is dropped whole and only a placeholder stays (its
 *   position, hash and `prev`: the next entry's `prev` vouches for it, so the chain still checks);
 * - the position stays remembered as covered, so an entry arriving there later is stored in that
 *   same reduced form (never its payload), and a placeholder's seq stays held, so sync never asks
 *   for it again.
 *
 * An entry named with another doc id keeps its payload: an author can only drop what belongs to
 * the doc it rewrites.
 *
 * The photos go with the payloads: the ciphertext blobs an entry losing its payload lists
 * (entries v2, `blobs`) are released unless an entry of the batch that keeps its payload lists
 * them too (an edit keeping a photo lists it again), and the adapter deletes them with the
 * batch. No other entry can hold them: a private photo is sealed with its post's own content
 * key under a random nonce (`crypto/blobs.ts`), so its ciphertext belongs to that doc alone,
 * whose payload-holding entries the covering one covers.
 */
import { blobIdsOf, decodeAnyEntry, entryHasPayload, withoutPayload } from '../feed/entry-codec.ts';
import type { DeviceId, DocId, EntryHash, PersonId } from '../ids.ts';
import type { EntryLink, StoredEntry } from './storage-adapter.ts';

/** A v1 entry dropped whole: what the chain check needs of it, and the doc it belonged to. */
export interface PlaceholderRecord {
  readonly author: PersonId;
  readonly device: DeviceId;
  readonly seq: number;
  readonly hash: EntryHash;
  readonly prev: EntryHash | undefined;
  readonly docId: DocId;
  readonly timestamp: number;
  readonly placeholder: true;
}

/** What an adapter holds at a position of a log. */
export type HeldRecord = StoredEntry | PlaceholderRecord;

/** A position some entry covers, with the doc the covering entry belongs to. */
export interface CoveredRecord {
  readonly author: PersonId;
  readonly device: DeviceId;
  readonly seq: number;
  readonly docId: DocId;
}

/** Whether the record is a placeholder rather than an entry. */
export function isPlaceholder(record: HeldRecord): record is PlaceholderRecord {
  return 'placeholder' in record;
}

/** Bytes a record takes (a placeholder counts none: it is a few fixed fields). */
export function recordBytes(record: HeldRecord): number {
  return isPlaceholder(record) ? 0 : record.bytes.length;
}

/** The chain link of a record. */
export function linkOf(record: HeldRecord): EntryLink {
  return { seq: record.seq, hash: record.hash, prev: record.prev, payload: holdsPayload(record) };
}

/** Key of a position, unambiguous since ids are base64url. */
export function positionKey(author: PersonId, device: DeviceId, seq: number): string {
  return `${author}\u0000${device}\u0000${seq}`;
}

/** The positions a batch's new entries cover, each with the covering entry's doc. */
export function coveredBy(entries: readonly StoredEntry[]): CoveredRecord[] {
  return entries.flatMap((e) =>
    (e.covers ?? []).map((c) => ({
      author: e.author,
      device: c.device,
      seq: c.seq,
      docId: e.docId,
    })),
  );
}

/** Whether a held record still has a payload that a cover of its doc would drop. */
export function holdsPayload(record: HeldRecord): record is StoredEntry {
  return !isPlaceholder(record) && entryHasPayload(record.bytes);
}

/** The reduced form of a covered entry: v2 without its payload, v1 a placeholder. */
export function withPayloadDropped(entry: StoredEntry): HeldRecord {
  if (!entryHasPayload(entry.bytes)) return entry;
  const decoded = decodeAnyEntry(entry.bytes);
  if (decoded.version === 1) {
    return {
      author: entry.author,
      device: entry.device,
      seq: entry.seq,
      hash: entry.hash,
      prev: entry.prev,
      docId: entry.docId,
      timestamp: entry.timestamp,
      placeholder: true,
    };
  }
  return { ...entry, bytes: withoutPayload(decoded) };
}

/**
 * An entry held without its payload that arrives again with it: the payload is filled in unless
 * the position is covered (a relay may have withheld it; an honest one never drops an uncovered
 * payload).
 */
export interface Refill {
  /** The incoming entry, with its payload. */
  readonly entry: StoredEntry;
  /** What is held at its position (same hash, no payload). */
  readonly held: StoredEntry;
}

/** Whether `incoming` (same hash as `held`) would give `held` back a payload it lacks. */
export function isRefill(held: HeldRecord, incoming: StoredEntry): held is StoredEntry {
  return !isPlaceholder(held) && !entryHasPayload(held.bytes) && entryHasPayload(incoming.bytes);
}

/** What storing a batch changes because of covers. */
export interface CoverPlan {
  /** The batch's new entries in the form to store, in the order given. */
  readonly records: HeldRecord[];
  /**
   * Held records to overwrite: reduced by a cover, or given back their payload (a refill), and
   * how many bytes each one shrank (negative: grew).
   */
  readonly replaced: { readonly record: HeldRecord; readonly shrunk: number }[];
  /** The refills that go ahead (their positions are not covered). */
  readonly refilled: StoredEntry[];
  /** Positions newly covered, to remember. */
  readonly covered: CoveredRecord[];
  /** Blobs listed by entries whose payload goes, and by no entry keeping one: to delete. */
  readonly released: string[];
}

/**
 * The entries a plan stores, as it stores them: its new records but the placeholders (a covered
 * v1 entry), then its refills. What a store hands back and owes views for.
 */
export function entriesStored(plan: CoverPlan): StoredEntry[] {
  return [...plan.records.filter((r): r is StoredEntry => !isPlaceholder(r)), ...plan.refilled];
}

/** Looks up a position as held before the batch. */
export type PositionLookup<T> = (author: PersonId, device: DeviceId, seq: number) => T | undefined;

/**
 * The lookup of `records` keyed by `positionKey`. Most batches meet no covered position: then no
 * key is built per question.
 */
export function positionLookup<T>(records: ReadonlyMap<string, T>): PositionLookup<T> {
  if (records.size === 0) return () => undefined;
  return (author, device, seq) => records.get(positionKey(author, device, seq));
}

/**
 * Applies the cover rule to a batch of entries new to the store (`added`), given what the store
 * held before it: synchronous, so an adapter can plan inside its transaction and then write.
 */
export function planCovers(
  added: readonly StoredEntry[],
  refills: readonly Refill[],
  held: PositionLookup<HeldRecord>,
  covered: PositionLookup<CoveredRecord>,
): CoverPlan {
  const fresh = coveredBy(added);
  const freshByPosition = new Map<string, CoveredRecord[]>();
  for (const c of fresh) {
    const key = positionKey(c.author, c.device, c.seq);
    freshByPosition.set(key, [...(freshByPosition.get(key) ?? []), c]);
  }
  // Most batches cover nothing: then no position key is built per entry.
  const isCovered = (e: StoredEntry) =>
    covered(e.author, e.device, e.seq)?.docId === e.docId ||
    (freshByPosition.size > 0 &&
      (freshByPosition.get(positionKey(e.author, e.device, e.seq)) ?? []).some(
        (c) => c.docId === e.docId,
      ));
  const records = added.map((e) => (isCovered(e) ? withPayloadDropped(e) : e));
  // Entries whose payload goes in this batch, as they were (their blob lists).
  const emptied = added.filter((e, i) => holdsPayload(e) && !holdsPayload(records[i]!));
  const replaced: CoverPlan['replaced'] = [];
  const seen = new Set<string>();
  for (const c of fresh) {
    const key = positionKey(c.author, c.device, c.seq);
    const record = held(c.author, c.device, c.seq);
    if (seen.has(key) || !record || record.docId !== c.docId || !holdsPayload(record)) continue;
    seen.add(key);
    const reduced = withPayloadDropped(record);
    replaced.push({ record: reduced, shrunk: record.bytes.length - recordBytes(reduced) });
    emptied.push(record);
  }
  const refilled = refills.map((r) => r.entry).filter((e) => !isCovered(e));
  for (const e of refilled) {
    const before = refills.find((r) => r.entry === e)!.held;
    replaced.push({ record: e, shrunk: before.bytes.length - e.bytes.length });
  }
  const remembered = [...freshByPosition.values()]
    .map((list) => list[0]!)
    .filter((c) => !covered(c.author, c.device, c.seq));
  return {
    records,
    replaced,
    refilled,
    covered: remembered,
    released: releasedBlobs(emptied, [...records, ...refilled]),
  };
}

/** Blobs `emptied` entries list that no entry of `kept` holding its payload lists. */
function releasedBlobs(emptied: readonly StoredEntry[], kept: readonly HeldRecord[]): string[] {
  const listed = new Set(emptied.flatMap((e) => blobIdsOf(e.bytes)));
  if (listed.size === 0) return [];
  for (const record of kept) {
    if (holdsPayload(record)) for (const id of blobIdsOf(record.bytes)) listed.delete(id);
  }
  return [...listed];
}

/** What a plan changes in one log: positions added, and bytes its held records shrank by. */
export interface LogChange {
  readonly author: PersonId;
  readonly device: DeviceId;
  readonly added: HeldRecord[];
  shrunk: number;
}

/** Key of a log, unambiguous since ids are base64url. */
export function logKeyOf(author: PersonId, device: DeviceId): string {
  return `${author}\u0000${device}`;
}

/** A plan's changes grouped by log (keyed by `logKeyOf`). */
export function changesByLog(plan: CoverPlan): Map<string, LogChange> {
  const changes = new Map<string, LogChange>();
  const touch = (r: HeldRecord) => {
    const key = logKeyOf(r.author, r.device);
    let change = changes.get(key);
    if (!change) {
      change = { author: r.author, device: r.device, added: [], shrunk: 0 };
      changes.set(key, change);
    }
    return change;
  };
  for (const r of plan.records) touch(r).added.push(r);
  for (const { record, shrunk } of plan.replaced) touch(record).shrunk += shrunk;
  return changes;
}
