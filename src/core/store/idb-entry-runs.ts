/**
 * How the IndexedDB adapter lays out a log's entries (schema 3, docs/storage.md "Entry runs"):
 * one record per chained run of up to `MAX_RUN` consecutive positions of one log, keyed by
 * (author, device, first seq), instead of one record per entry. IndexedDB costs about the same
 * per request whatever its size, so a batch of 256 entries of one log costs one `put` instead of
 * 256 (measured in Chromium: about 6,000 entries/s as one record each, 24,500/s as runs).
 *
 * A run holds consecutive seqs (entries and placeholders alike) and never more than `MAX_RUN`,
 * and runs of one log never overlap, so the runs that hold any seq of `from..to` are those whose
 * first seq lies in `from..to` (one `getAll`) and at most one more: the last run starting before
 * `from` (one step of a reverse cursor), if it reaches `from`. Not every run starting in
 * `from - MAX_RUN + 1 .. to`: a log appended one entry at a time is made of one-entry runs, and
 * reading one seq would read up to 256 of them. Its `docs` (each distinct
 * author/doc of its records) feed a multi-entry index, so a doc's entries are found without a
 * scan. New positions form new runs (consecutive seqs of one batch, cut every `MAX_RUN` positions
 * or `MAX_RUN_BYTES`); a held record that changes (a cover drops its payload, a refill gives it
 * back) rewrites its run.
 *
 * A run is written packed (`PackedRun`: its records' fields in columns, their bytes in one
 * buffer); runs written before that hold their records as objects (`RecordsRun`) and are read as
 * they are, until a change rewrites them packed.
 */
import type { EntryPosition } from '../feed/entry-codec.ts';
import type { SeqRange } from '../feed/seq-ranges.ts';
import { KEY_TEXT_CHARS, type DeviceId, type EntryHash, type PersonId } from '../ids.ts';
import { isPlaceholder, linkOf, positionKey, recordBytes, type HeldRecord } from './covers.ts';
import { StoreCorruptError } from './errors.ts';
import type { EntryLink } from './storage-adapter.ts';
import { isHash, recordFromDisk } from './validate.ts';

/** Most positions one run record holds (what `readRuns` looks back over: never lowered). */
export const MAX_RUN = 256;

/**
 * Most bytes of entries (plus `RECORD_OVERHEAD` each) a new run is cut at. Chromium keeps a value
 * of more than 64 KiB serialized as a separate blob (`IDBValueWrapper`'s wrap threshold), which
 * costs far more to write and to read back: a run of 256 entries of 540 bytes was one, and cutting
 * runs below it took about 40 % of the page's CPU out of storing them (issue 23). One entry
 * larger than this is a run of its own.
 */
export const MAX_RUN_BYTES = 60 * 1024;

/** What one record adds to a run beside its entry bytes: its ids, hash, prev, doc id, keys. */
const RECORD_OVERHEAD = 320;

/** One run of consecutive positions of one log, as its records (read back, or to be written). */
export interface Run {
  readonly author: string;
  readonly device: string;
  /** Seq of its first record. */
  readonly seq: number;
  /** Its records, ascending by seq, consecutive. */
  readonly records: readonly HeldRecord[];
}

/** What every stored run holds beside its records: its key and the keys of its indexes. */
interface RunKeys {
  readonly author: string;
  readonly device: string;
  /** Seq of its first record (the key's last part). */
  readonly seq: number;
  /** Each distinct `docKey` of its records: the multi-entry `byDoc` index. */
  readonly docs: readonly string[];
  /**
   * Its first and last position with their links (one when they are one): the multi-entry
   * `byEnd` index (schema 5). Absent from runs written before it.
   */
  readonly ends?: readonly RunEnd[];
}

/**
 * A run as written since session 17: its records' fields in columns and their entries' bytes back
 * to back in one buffer. IndexedDB's structured clone costs per object, per property and per
 * buffer, and a run of 70 records as objects is 70 objects of eight fields and 70 buffers, each
 * cloned when written and again when read (docs/storage.md "Entry runs" has the measurements).
 * Nothing is implied: every record's hash, prev, doc and time is stored.
 */
export interface PackedRun extends RunKeys {
  readonly ends: readonly RunEnd[];
  /** The records' entry bytes, back to back (a placeholder has none). */
  readonly bytes: Uint8Array;
  /** Each record's length in `bytes`, or `PLACEHOLDER` (-1) for a placeholder. */
  readonly sizes: Int32Array;
  /** Each record's hash (`HASH_CHARS` each), back to back. */
  readonly hashes: string;
  /** Each record's prev but seq 1's (which has none), back to back. */
  readonly prevs: string;
  /** Each record's doc, as its index in `docs`. */
  readonly docOf: Uint16Array;
  /** Each record's timestamp. */
  readonly times: Float64Array;
  /** The records that cover others, as [index, positions covered]; absent when none does. */
  readonly covers?: readonly (readonly [number, readonly EntryPosition[]])[];
}

/** A run as written before session 17 (schemas 3 to 6): its records as objects. Read only. */
export interface RecordsRun extends RunKeys {
  readonly records: readonly HeldRecord[];
}

/** A run as stored: written packed, or read in either form. */
export type StoredRun = PackedRun | RecordsRun;

/** `sizes` of a placeholder. */
const PLACEHOLDER = -1;

/** Characters of an entry hash. */
const HASH_CHARS = KEY_TEXT_CHARS;

/**
 * A run's first or last position with its link, as a key of the `byEnd` index: `prev` is '' at
 * seq 1, `payload` 1 when the record holds its payload. A batch's chain check needs the links of
 * the held positions next to it, which are the ends of their runs (runs hold consecutive seqs):
 * the index gives them without reading, decoding and checking the runs (a run of up to 60 KiB
 * to learn one hash cost about a quarter of an ingest, issue 23).
 */
export type RunEnd = [
  author: string,
  device: string,
  seq: number,
  hash: string,
  prev: string,
  payload: 0 | 1,
];

function endOf(record: HeldRecord): RunEnd {
  const link = linkOf(record);
  return [
    record.author,
    record.device,
    record.seq,
    link.hash,
    link.prev ?? '',
    link.payload ? 1 : 0,
  ];
}

/** The link a `byEnd` key names, or `StoreCorruptError` when the key is malformed. */
function linkFromEnd(key: unknown): EntryLink {
  const end = key as unknown[];
  const [, , seq, hash, prev, payload] = Array.isArray(end) ? end : [];
  if (
    !Array.isArray(end) ||
    end.length !== 6 ||
    !Number.isSafeInteger(seq) ||
    (seq as number) < 1 ||
    !isHash(hash) ||
    (seq === 1 ? prev !== '' : !isHash(prev)) ||
    (payload !== 0 && payload !== 1)
  ) {
    throw new StoreCorruptError('a run end read back is malformed');
  }
  return {
    seq: seq as number,
    hash: hash as EntryHash,
    prev: seq === 1 ? undefined : (prev as EntryHash),
    payload: payload === 1,
  };
}

/** Reads the keys of the `byEnd` index (the idb wrapper's key cursor). */
export interface EndSource {
  openKeyCursor(range: IDBKeyRange): Promise<EndCursor | null>;
}

/** A key cursor of `EndSource`. */
export interface EndCursor {
  readonly key: unknown;
  continue(): Promise<EndCursor | null>;
}

/**
 * Most held positions `linksAtEnds` answers: a batch next to held entries meets one or two (the
 * last position of a held span below it, the first of one above); more mean held positions
 * inside the batch's span (a batch already held), which only the runs answer.
 */
const MAX_ENDS = 8;

/**
 * The links of the held positions of `from..to` of one log when every one of them is the first
 * or last position of its run, from the `byEnd` index alone (one request per end read); undefined
 * when some is not (a position inside a run, a run written before schema 5, more ends than
 * `MAX_ENDS`): then the runs must be read. `held` is the log summary's ranges, written in the
 * same transactions as the runs.
 */
export async function linksAtEnds(
  index: EndSource,
  held: readonly SeqRange[],
  author: PersonId,
  device: DeviceId,
  from: number,
  to: number,
): Promise<EntryLink[] | undefined> {
  const wanted: number[] = [];
  for (const range of held) {
    for (let seq = Math.max(from, range.start); seq <= Math.min(to, range.end); seq++) {
      if (wanted.length === MAX_ENDS) return undefined;
      wanted.push(seq);
    }
  }
  if (wanted.length === 0) return [];
  const ends = new Map<number, EntryLink>();
  let cursor = await index.openKeyCursor(
    IDBKeyRange.bound([author, device, wanted[0]!], [author, device, wanted.at(-1)!, []]),
  );
  // One key per held position in the range at most (a position is in one run): `wanted.length`.
  while (cursor) {
    const link = linkFromEnd(cursor.key);
    ends.set(link.seq, link);
    cursor = await cursor.continue();
  }
  const links = wanted.map((seq) => ends.get(seq));
  return links.every((l) => l !== undefined) ? links : undefined;
}

/** The `byDoc` index key of an author's doc (ids are base64url, so NUL separates them). */
export function docKey(author: string, docId: string): string {
  return `${author}\u0000${docId}`;
}

/** Reads runs of a log (the `runs` store of a transaction). */
export interface RunSource {
  getAll(range: IDBKeyRange): Promise<unknown[]>;
  openCursor(range: IDBKeyRange, direction: 'prev'): Promise<{ readonly value: unknown } | null>;
}

/**
 * The runs holding any seq of `from..to` of one log, ascending, and perhaps the one before them
 * (module doc): two requests.
 */
export async function readRuns(
  source: RunSource,
  author: PersonId,
  device: DeviceId,
  from: number,
  to: number,
): Promise<unknown[]> {
  const [before, within] = await Promise.all([
    from > 1
      ? source.openCursor(
          IDBKeyRange.bound(
            [author, device, Math.max(1, from - MAX_RUN + 1)],
            [author, device, from],
            false,
            true,
          ),
          'prev',
        )
      : null,
    source.getAll(IDBKeyRange.bound([author, device, from], [author, device, to])),
  ]);
  // Whether that run reaches `from` is left to the callers, which keep only the seqs asked for
  // (and so still see it whole when it is corrupt).
  return before ? [before.value, ...within] : within;
}

/** The stored form of `records` (consecutive positions of one log, at most `MAX_RUN`). */
export function runOf(records: readonly HeldRecord[]): PackedRun {
  const first = records[0]!;
  const docs: string[] = [];
  const docIndex = new Map<string, number>();
  const sizes = new Int32Array(records.length);
  const docOf = new Uint16Array(records.length);
  const times = new Float64Array(records.length);
  const hashes: string[] = [];
  const prevs: string[] = [];
  const covers: [number, EntryPosition[]][] = [];
  let total = 0;
  records.forEach((r, i) => {
    const key = docKey(r.author, r.docId);
    let at = docIndex.get(key);
    if (at === undefined) {
      at = docs.push(key) - 1;
      docIndex.set(key, at);
    }
    docOf[i] = at;
    times[i] = r.timestamp;
    hashes.push(r.hash);
    if (r.prev !== undefined) prevs.push(r.prev);
    if (isPlaceholder(r)) {
      sizes[i] = PLACEHOLDER;
    } else {
      sizes[i] = r.bytes.length;
      total += r.bytes.length;
      if (r.covers && r.covers.length > 0) {
        covers.push([i, r.covers.map((c) => ({ device: c.device, seq: c.seq }))]);
      }
    }
  });
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const r of records) {
    if (isPlaceholder(r)) continue;
    bytes.set(r.bytes, offset);
    offset += r.bytes.length;
  }
  return {
    author: first.author,
    device: first.device,
    seq: first.seq,
    docs,
    ends: records.length === 1 ? [endOf(first)] : [endOf(first), endOf(records.at(-1)!)],
    bytes,
    sizes,
    hashes: hashes.join(''),
    prevs: prevs.join(''),
    docOf,
    times,
    ...(covers.length > 0 ? { covers } : {}),
  };
}

/** Returns the run a stored value holds, in either form, else throws `StoreCorruptError`. */
export function runFromDisk(value: unknown): Run {
  const run = value as Partial<PackedRun & RecordsRun> | null;
  if (typeof run !== 'object' || run === null) {
    throw new StoreCorruptError('a run record read back is malformed');
  }
  const records = run.bytes instanceof Uint8Array ? unpack(run) : recordsOf(run);
  if (records.length === 0 || records.length > MAX_RUN) {
    throw new StoreCorruptError('a run record read back is malformed');
  }
  const checked = records.map(recordFromDisk);
  checked.forEach((r, i) => {
    if (r.author !== run.author || r.device !== run.device || r.seq !== run.seq! + i) {
      throw new StoreCorruptError('a run record read back does not hold consecutive positions');
    }
  });
  return { author: run.author!, device: run.device!, seq: run.seq!, records: checked };
}

/** A run's records as written before session 17 (each checked by the caller). */
function recordsOf(run: Partial<RecordsRun>): readonly unknown[] {
  if (!Array.isArray(run.records)) {
    throw new StoreCorruptError('a run record read back is malformed');
  }
  return run.records;
}

/** A packed run's `covers`, checked: each names a record of the run and positions of its log. */
function coversOf(value: unknown, count: number): (readonly [number, readonly EntryPosition[]])[] {
  if (value === undefined) return [];
  const ok =
    Array.isArray(value) &&
    value.every(
      (pair) =>
        Array.isArray(pair) &&
        pair.length === 2 &&
        Number.isSafeInteger(pair[0]) &&
        pair[0] >= 0 &&
        pair[0] < count &&
        Array.isArray(pair[1]) &&
        (pair[1] as unknown[]).every(
          (c) =>
            typeof c === 'object' &&
            c !== null &&
            typeof (c as EntryPosition).device === 'string' &&
            Number.isSafeInteger((c as EntryPosition).seq),
        ),
    );
  if (!ok) throw new StoreCorruptError('a packed run read back has malformed covers');
  return value as (readonly [number, readonly EntryPosition[]])[];
}

/**
 * A packed run's records (each checked by the caller): every column must have one value per
 * record and the sizes must add up to the bytes. Each entry gets its own copy of its bytes, so
 * that a record sent on or stored again never carries the whole run's buffer with it.
 */
function unpack(run: Partial<PackedRun>): unknown[] {
  const { author, device, seq, docs, bytes, sizes, hashes, prevs, docOf, times } = run;
  const count = sizes instanceof Int32Array ? sizes.length : -1;
  const prevCount = seq === 1 ? count - 1 : count;
  if (
    typeof author !== 'string' ||
    typeof device !== 'string' ||
    !Number.isSafeInteger(seq) ||
    !Array.isArray(docs) ||
    !(bytes instanceof Uint8Array) ||
    count < 1 ||
    typeof hashes !== 'string' ||
    hashes.length !== count * HASH_CHARS ||
    typeof prevs !== 'string' ||
    prevs.length !== prevCount * HASH_CHARS ||
    !(docOf instanceof Uint16Array) ||
    docOf.length !== count ||
    !(times instanceof Float64Array) ||
    times.length !== count
  ) {
    throw new StoreCorruptError('a packed run read back is malformed');
  }
  const covers = new Map(coversOf(run.covers, count));
  const prefix = `${author}\u0000`;
  const records: unknown[] = [];
  let offset = 0;
  let prevAt = 0;
  for (let i = 0; i < count; i++) {
    const doc = docs[docOf[i]!];
    if (typeof doc !== 'string' || !doc.startsWith(prefix)) {
      throw new StoreCorruptError('a packed run read back names a doc it does not hold');
    }
    const prev = seq! + i === 1 ? undefined : prevs.slice(prevAt, (prevAt += HASH_CHARS));
    const fields = {
      author,
      device,
      seq: seq! + i,
      hash: hashes.slice(i * HASH_CHARS, (i + 1) * HASH_CHARS),
      prev,
      docId: doc.slice(prefix.length),
      timestamp: times[i]!,
    };
    const size = sizes![i]!;
    if (size === PLACEHOLDER) {
      records.push({ ...fields, placeholder: true });
      continue;
    }
    if (size < 0 || offset + size > bytes.length) {
      throw new StoreCorruptError('a packed run read back holds fewer bytes than its sizes say');
    }
    const covered = covers.get(i);
    records.push({
      ...fields,
      bytes: bytes.slice(offset, (offset += size)),
      ...(covered ? { covers: covered } : {}),
    });
  }
  if (offset !== bytes.length) {
    throw new StoreCorruptError('a packed run read back holds more bytes than its sizes say');
  }
  return records;
}

/** The records of `runs` with `from <= seq <= to`, ascending (runs ascending by first seq). */
export function recordsIn(runs: readonly unknown[], from: number, to: number): HeldRecord[] {
  const out: HeldRecord[] = [];
  for (const value of runs) {
    for (const r of runFromDisk(value).records) if (r.seq >= from && r.seq <= to) out.push(r);
  }
  return out;
}

/**
 * Cuts records of one log, ascending by seq, into runs of consecutive positions, each at most
 * `MAX_RUN` positions and, unless one record alone exceeds it, `MAX_RUN_BYTES`.
 */
export function cutIntoRuns(records: readonly HeldRecord[]): PackedRun[] {
  const runs: PackedRun[] = [];
  let current: HeldRecord[] = [];
  let size = 0;
  for (const r of records) {
    const last = current.at(-1);
    const cost = recordBytes(r) + RECORD_OVERHEAD;
    if (
      last &&
      (r.seq !== last.seq + 1 || current.length === MAX_RUN || size + cost > MAX_RUN_BYTES)
    ) {
      runs.push(runOf(current));
      current = [];
      size = 0;
    }
    current.push(r);
    size += cost;
  }
  if (current.length > 0) runs.push(runOf(current));
  return runs;
}

/** What `pruneRun` leaves of a run, and what it dropped. */
export interface PrunedRun {
  /** The run of the records kept (keyed by its new first seq), or undefined if none are. */
  readonly kept: PackedRun | undefined;
  /** Records dropped. */
  readonly entries: number;
  /** Their bytes. */
  readonly bytes: number;
}

/** Drops a run's records below `keepFromSeq`. */
export function pruneRun(run: Run, keepFromSeq: number): PrunedRun {
  const kept = run.records.filter((r) => r.seq >= keepFromSeq);
  const dropped = run.records.filter((r) => r.seq < keepFromSeq);
  return {
    kept: kept.length > 0 ? runOf(kept) : undefined,
    entries: dropped.length,
    bytes: dropped.reduce((sum, r) => sum + recordBytes(r), 0),
  };
}

/**
 * The runs one write transaction reads and changes: positions looked up after `load`, held
 * records replaced in place, new records added; `changed` gives the runs to put.
 */
export class RunEdit {
  private readonly runs = new Map<string, { run: Run; records: HeldRecord[] }>();
  private readonly at = new Map<string, { key: string; index: number }>();
  private readonly dirty = new Set<string>();
  private readonly added: HeldRecord[] = [];

  /** Edits over `source` (the transaction's `runs` store). */
  constructor(private readonly source: RunSource) {}

  /** Reads the runs holding any seq of `from..to` of a log (once each). */
  async load(author: PersonId, device: DeviceId, from: number, to: number): Promise<void> {
    for (const value of await readRuns(this.source, author, device, from, to)) {
      const run = runFromDisk(value);
      const key = positionKey(author, device, run.seq);
      if (this.runs.has(key)) continue;
      this.runs.set(key, { run, records: [...run.records] });
      run.records.forEach((r, index) =>
        this.at.set(positionKey(author, device, r.seq), { key, index }),
      );
    }
  }

  /** The record held at a position, if a loaded run holds it. */
  recordAt(author: PersonId, device: DeviceId, seq: number): HeldRecord | undefined {
    const place = this.at.get(positionKey(author, device, seq));
    return place && this.runs.get(place.key)!.records[place.index];
  }

  /** Overwrites a held record (its run must be loaded: a bug otherwise). */
  replace(record: HeldRecord): void {
    const place = this.at.get(positionKey(record.author, record.device, record.seq));
    if (!place) throw new Error(`replacing #${record.seq}, whose run was not loaded`);
    this.runs.get(place.key)!.records[place.index] = record;
    this.dirty.add(place.key);
  }

  /** Adds a record at a position not held. */
  add(record: HeldRecord): void {
    this.added.push(record);
  }

  /** The runs to put: those changed, and new runs of the added records. */
  changed(): PackedRun[] {
    const out = [...this.dirty].map((key) => runOf(this.runs.get(key)!.records));
    const byLog = new Map<string, HeldRecord[]>();
    for (const r of this.added) {
      const key = `${r.author}\u0000${r.device}`;
      const list = byLog.get(key);
      if (list) list.push(r);
      else byLog.set(key, [r]);
    }
    for (const list of byLog.values()) {
      out.push(...cutIntoRuns(list.sort((a, b) => a.seq - b.seq)));
    }
    return out;
  }
}
