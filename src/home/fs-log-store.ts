/**
 * The home peer's `LogStore` in a folder (Node only; docs/storage.md "The folder store").
 *
 * - `journal`: an append-only file of frames (`fs-frames.ts`), one per transaction, each a list
 *   of records (`fs-records.ts`). A write resolves only after `fdatasync`: an entry is
 *   acknowledged (and so announced to peers as held) only once it is durable. At open the
 *   journal is scanned frame by frame; a torn or corrupt last frame is cut off.
 * - `blobs/`: one file per blob, written aside, fsynced, then renamed into place.
 * - `kith.lock`: one process per folder (`folder-lock.ts`).
 *
 * Files are created readable by the owner only (0600, the folders 0700). The index (per
 * position: where the record lies, its hash, prev and doc; ~300 bytes of heap) is held in memory
 * and rebuilt by the scan at open; entry bytes are read from the file when asked for. Calls run
 * one at a time, in order: a read never sees half a write, and compaction never moves a record
 * under a read.
 */
import {
  chmod,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  type FileHandle,
} from 'node:fs/promises';
import { join } from 'node:path';
import type { SeqRange } from '../core/feed/seq-ranges.ts';
import { SeqRanges } from '../core/feed/seq-ranges.ts';
import type { DeviceId, DocId, EntryHash, PersonId } from '../core/ids.ts';
import {
  changesByLog,
  holdsPayload,
  isPlaceholder,
  isRefill,
  logKeyOf,
  entriesStored,
  planCovers,
  positionKey,
  positionLookup,
  recordBytes,
  type CoveredRecord,
  type HeldRecord,
  type Refill,
} from '../core/store/covers.ts';
import {
  EntryConflictError,
  StorageQuotaError,
  StoreClosedError,
  StoreCorruptError,
  StoreError,
  StoreInputError,
} from '../core/store/errors.ts';
import { lowestForkSeq } from '../core/store/forks.ts';
import { groupByLog, summaryFrom, summaryWith } from '../core/store/log-summary.ts';
import type {
  EntryLink,
  LogStore,
  LogSummary,
  StorageUsage,
  StoredEntry,
  StoredFork,
} from '../core/store/storage-adapter.ts';
import {
  checkEntries,
  checkFork,
  checkId,
  checkKeepFrom,
  checkLimit,
  checkSeq,
  checkSettingValue,
  copyEntry,
  handedBack,
} from '../core/store/validate.ts';
import { lockFolder, type FolderLock } from './folder-lock.ts';
import { FRAME_HEADER_BYTES, frame, readFully, scanFrames } from './fs-frames.ts';
import {
  decodeRecordAt,
  decodeRecords,
  deserializeSetting,
  encodeRecords,
  serializeSetting,
  type JournalRecord,
  type RecordSpan,
} from './fs-records.ts';

const JOURNAL = 'journal';
const COMPACTING = 'journal.compact';
const BLOBS = 'blobs';
/** Largest read of adjacent records at once, and largest frame compaction writes. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/** Whose log it is, as the quota sees it (docs/storage.md "Quota"). */
export type LogRole = 'own' | 'friend' | 'other';

/** How to open a folder store. */
export interface FsLogStoreOptions {
  /** The folder (created 0700 if missing). */
  readonly folder: string;
  /**
   * Most bytes the journal and blobs may take together; a write past it first evicts, then is
   * refused with `StorageQuotaError`. Default: no limit.
   */
  readonly quotaBytes?: number;
  /**
   * Whose log an author's is: only `other` logs (friends of friends) are evicted. Default: every
   * log is kept.
   */
  readonly roleOf?: (author: PersonId) => LogRole;
}

/** What the index holds of one position; the record itself stays in the journal. */
interface Slot {
  readonly span: RecordSpan;
  readonly hash: EntryHash;
  readonly prev: EntryHash | undefined;
  readonly docId: DocId;
  /** `recordBytes` of the record (0 for a placeholder). */
  readonly size: number;
  readonly placeholder: boolean;
  readonly payload: boolean;
}

interface FsLog {
  summary: LogSummary;
  readonly slots: Map<number, Slot>;
}

function slotOf(record: HeldRecord, span: RecordSpan): Slot {
  return {
    span,
    hash: record.hash,
    prev: record.prev,
    docId: record.docId,
    size: recordBytes(record),
    placeholder: isPlaceholder(record),
    payload: holdsPayload(record),
  };
}

/** Blob file names: hex of the id, so no id can name a path outside `blobs/`. */
function blobFile(hash: string): string {
  return Buffer.from(hash, 'utf8').toString('hex');
}

function isQuotaCode(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** The folder store; open one with `FsLogStore.open`. */
export class FsLogStore implements LogStore {
  /** A file cannot hold a `CryptoKey`: the device key is kept as its seed. */
  readonly keyForm = 'bytes';
  private closed = false;
  /** Set when a failed append could not be undone: no later write is safe. */
  private broken: unknown;
  private queue: Promise<unknown> = Promise.resolve();
  private end = 0;
  private readonly logs = new Map<string, FsLog>();
  private readonly covered = new Map<string, CoveredRecord>();
  private readonly forks = new Map<string, StoredFork>();
  private readonly settings = new Map<string, Uint8Array>();
  private readonly blobs = new Map<string, number>();
  private blobBytes = 0;
  /** Journal bytes no longer live (replaced or pruned records): what compaction would free. */
  private dead = 0;

  private constructor(
    private readonly options: FsLogStoreOptions,
    private readonly lock: FolderLock,
    private journal: FileHandle,
  ) {}

  /**
   * Opens (creating) the store in `options.folder`: takes the folder's lock (`FolderLockedError`
   * when another process holds it), scans the journal and cuts off a torn last frame. Cost: one
   * read of the whole journal, one frame in memory at a time.
   */
  static async open(options: FsLogStoreOptions): Promise<FsLogStore> {
    const { folder } = options;
    await mkdir(folder, { recursive: true, mode: 0o700 });
    await chmod(folder, 0o700);
    const lock = await lockFolder(folder);
    try {
      await mkdir(join(folder, BLOBS), { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
      // An interrupted compaction left its copy: the journal it was to replace is whole.
      await rm(join(folder, COMPACTING), { force: true });
      const journal = await open(join(folder, JOURNAL), 'a+', 0o600);
      try {
        const store = new FsLogStore(options, lock, journal);
        await store.load();
        await syncFolder(folder);
        return store;
      } catch (err) {
        await journal.close();
        throw err;
      }
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  private async load(): Promise<void> {
    const size = (await this.journal.stat()).size;
    const valid = await scanFrames(this.journal, ({ offset, body }) =>
      decodeRecords(body, offset, (record, span) => this.apply(record, span)),
    );
    if (valid < size) {
      await this.journal.truncate(valid);
      await this.journal.datasync();
    }
    this.end = valid;
    for (const log of this.logs.values()) log.summary = summaryOfSlots(log);
    const dir = join(this.options.folder, BLOBS);
    for (const name of await readdir(dir)) {
      if (name.startsWith('tmp-')) {
        await rm(join(dir, name), { force: true });
        continue;
      }
      const size = (await stat(join(dir, name))).size;
      this.blobs.set(Buffer.from(name, 'hex').toString('utf8'), size);
      this.blobBytes += size;
    }
  }

  /** Applies a record read at open (summaries are rebuilt once the scan ends). */
  private apply(record: JournalRecord, span: RecordSpan): void {
    switch (record.kind) {
      case 'held': {
        const r = record.record;
        this.place(r, span);
        break;
      }
      case 'covered': {
        const c = record.covered;
        this.covered.set(positionKey(c.author, c.device, c.seq), c);
        break;
      }
      case 'prune': {
        const key = logKeyOf(record.author, record.device);
        const log = this.logs.get(key);
        if (!log) break;
        for (const [seq, slot] of log.slots) {
          if (seq >= record.keepFromSeq) continue;
          this.dead += slot.span.length;
          log.slots.delete(seq);
        }
        if (log.slots.size === 0) this.logs.delete(key);
        break;
      }
      case 'fork':
        this.keepFork(record.fork);
        break;
      case 'setting':
        if (record.value === undefined) this.settings.delete(record.key);
        else this.settings.set(record.key, record.value);
        break;
    }
  }

  /** Indexes a record at its position; the one it replaces there becomes dead bytes. */
  private place(record: HeldRecord, span: RecordSpan): void {
    const { slots } = this.logFor(record.author, record.device);
    this.dead += slots.get(record.seq)?.span.length ?? 0;
    slots.set(record.seq, slotOf(record, span));
  }

  private logFor(author: PersonId, device: DeviceId): FsLog {
    const key = logKeyOf(author, device);
    let log = this.logs.get(key);
    if (!log) {
      log = { summary: summaryWith(undefined, author, device, []), slots: new Map() };
      this.logs.set(key, log);
    }
    return log;
  }

  private keepFork(fork: StoredFork): void {
    const { first } = fork;
    const key = positionKey(first.author, first.device, first.seq);
    if (!this.forks.has(key)) this.forks.set(key, fork);
  }

  /** Runs `task` after every call before it; rejects with `StoreClosedError` once closed. */
  private run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(() => {
      if (this.closed) throw new StoreClosedError();
      return task();
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Appends one frame of `records` and waits for it to be durable; resolves with each record's
   * span. A failed append is cut off again, so the journal never holds a torn frame before a
   * good one. Eviction's own prune records skip the quota (`withinQuota` false): they are a few
   * bytes, and the compaction right after them frees far more.
   */
  private async append(
    records: readonly JournalRecord[],
    withinQuota = true,
  ): Promise<RecordSpan[]> {
    if (this.broken !== undefined) {
      throw new StoreError('an earlier write could not be undone: reopen the store', {
        cause: this.broken,
      });
    }
    const bodies = records.map((r) => encodeRecords([r]));
    const bytes = frame(Buffer.concat(bodies));
    if (withinQuota) await this.makeRoom(bytes.length);
    const start = this.end;
    try {
      await this.journal.write(bytes, 0, bytes.length);
      await this.journal.datasync();
    } catch (err) {
      await this.journal.truncate(start).catch((undo: unknown) => {
        this.broken = undo;
      });
      if (isQuotaCode(err)) throw new StorageQuotaError({ cause: err });
      throw err;
    }
    this.end = start + bytes.length;
    let offset = start + FRAME_HEADER_BYTES;
    return bodies.map((b) => {
      const span = { offset, length: b.length };
      offset += b.length;
      return span;
    });
  }

  async putEntries(entries: readonly StoredEntry[]): Promise<StoredEntry[]> {
    return this.run(async () => {
      checkEntries(entries);
      const batches = groupByLog(entries);
      const wanted: { author: PersonId; device: DeviceId; seq: number }[] = [];
      const maybeRefills: StoredEntry[] = [];
      const added = batches.flatMap((batch) => {
        const log = this.logs.get(logKeyOf(batch.author, batch.device));
        return batch.entries.filter((e) => {
          const held = log?.slots.get(e.seq);
          if (held && held.hash !== e.hash) throw new EntryConflictError(e);
          if (held && !held.placeholder && !held.payload) maybeRefills.push(e);
          return !held;
        });
      });
      wanted.push(...maybeRefills);
      for (const e of added) {
        for (const c of e.covers ?? [])
          wanted.push({ author: e.author, device: c.device, seq: c.seq });
      }
      // The cover rule is planned synchronously: read first what it may look at.
      const held = await this.readPositions(wanted);
      const refills: Refill[] = [];
      for (const e of maybeRefills) {
        const h = held.get(positionKey(e.author, e.device, e.seq));
        if (h && isRefill(h, e)) refills.push({ entry: e, held: h });
      }
      const plan = planCovers(added, refills, positionLookup(held), positionLookup(this.covered));
      const writes: JournalRecord[] = [
        ...plan.records.map((record) => ({ kind: 'held' as const, record })),
        ...plan.replaced.map(({ record }) => ({ kind: 'held' as const, record })),
        ...plan.covered.map((covered) => ({ kind: 'covered' as const, covered })),
      ];
      if (writes.length === 0) return [];
      const spans = await this.append(writes);
      // Durable: now the index may show it.
      for (const [key, change] of changesByLog(plan)) {
        const log = this.logs.get(key) ?? this.logFor(change.author, change.device);
        log.summary = summaryWith(
          log.summary,
          change.author,
          change.device,
          change.added,
          change.shrunk,
        );
      }
      writes.forEach((w, i) => {
        if (w.kind === 'held') {
          const r = w.record;
          this.place(r, spans[i]!);
        } else if (w.kind === 'covered') {
          const c = w.covered;
          this.covered.set(positionKey(c.author, c.device, c.seq), c);
        }
      });
      // The photos of payloads a cover dropped (`covers.ts`), now that the journal says so.
      await this.removeBlobs(plan.released);
      // What the store keeps in memory are a record's fields, never its bytes.
      return entriesStored(plan).map(handedBack);
    });
  }

  /** The records held at these positions (those held), keyed by `positionKey`. */
  private async readPositions(
    positions: readonly { author: PersonId; device: DeviceId; seq: number }[],
  ): Promise<Map<string, HeldRecord>> {
    const found: { key: string; slot: Slot }[] = [];
    for (const p of positions) {
      const slot = this.logs.get(logKeyOf(p.author, p.device))?.slots.get(p.seq);
      if (slot) found.push({ key: positionKey(p.author, p.device, p.seq), slot });
    }
    const records = await this.readHeld(found.map((f) => f.slot));
    return new Map(found.map((f, i) => [f.key, records[i]!]));
  }

  /** Reads records back, in the order given; adjacent ones in one read. */
  private async readHeld(slots: readonly Slot[]): Promise<HeldRecord[]> {
    const order = slots
      .map((_, i) => i)
      .sort((a, b) => slots[a]!.span.offset - slots[b]!.span.offset);
    const out: HeldRecord[] = new Array<HeldRecord>(slots.length);
    let i = 0;
    while (i < order.length) {
      const first = slots[order[i]!]!.span;
      let j = i + 1;
      let until = first.offset + first.length;
      while (j < order.length) {
        const next = slots[order[j]!]!.span;
        if (next.offset !== until || until - first.offset + next.length > CHUNK_BYTES) break;
        until += next.length;
        j++;
      }
      const chunk = Buffer.allocUnsafe(until - first.offset);
      await readFully(this.journal, chunk, first.offset);
      for (let k = i; k < j; k++) {
        const span = slots[order[k]!]!.span;
        const at = span.offset - first.offset;
        const record = decodeRecordAt(chunk.subarray(at, at + span.length));
        if (record.kind !== 'held') throw new StoreCorruptError('the index points at no entry');
        out[order[k]!] = record.record;
      }
      i = j;
    }
    return out;
  }

  private async readEntries(slots: readonly Slot[]): Promise<StoredEntry[]> {
    const records = await this.readHeld(slots.filter((s) => !s.placeholder));
    return records.filter((r): r is StoredEntry => !isPlaceholder(r));
  }

  async getEntry(
    author: PersonId,
    device: DeviceId,
    seq: number,
  ): Promise<StoredEntry | undefined> {
    return this.run(async () => {
      checkSeq(seq);
      const slot = this.logs.get(logKeyOf(author, device))?.slots.get(seq);
      return slot ? (await this.readEntries([slot]))[0] : undefined;
    });
  }

  /** Slots of a log with `from <= seq <= to`, ascending (through its ranges, not every seq). */
  private slotsIn(author: PersonId, device: DeviceId, from: number, to: number): [number, Slot][] {
    const log = this.logs.get(logKeyOf(author, device));
    const out: [number, Slot][] = [];
    for (const { start, end } of log?.summary.ranges ?? []) {
      for (let seq = Math.max(start, from); seq <= Math.min(end, to); seq++) {
        out.push([seq, log!.slots.get(seq)!]);
      }
    }
    return out;
  }

  async getEntries(
    author: PersonId,
    device: DeviceId,
    fromSeq: number,
    toSeq: number,
  ): Promise<StoredEntry[]> {
    return this.run(async () => {
      checkSeq(fromSeq);
      checkSeq(toSeq);
      return this.readEntries(this.slotsIn(author, device, fromSeq, toSeq).map(([, s]) => s));
    });
  }

  async getLinks(
    author: PersonId,
    device: DeviceId,
    fromSeq: number,
    toSeq: number,
  ): Promise<EntryLink[]> {
    return this.run(async () => {
      checkSeq(fromSeq);
      checkSeq(toSeq);
      return this.slotsIn(author, device, fromSeq, toSeq).map(([seq, s]) => ({
        seq,
        hash: s.hash,
        prev: s.prev,
        payload: s.payload,
      }));
    });
  }

  async getDocEntries(author: PersonId, docId: DocId): Promise<StoredEntry[]> {
    return this.run(() => this.docEntries(author, docId));
  }

  async getManyDocsEntries(
    docs: readonly { author: PersonId; docId: DocId }[],
  ): Promise<StoredEntry[][]> {
    return this.run(async () => {
      const out: StoredEntry[][] = [];
      for (const d of docs) out.push(await this.docEntries(d.author, d.docId));
      return out;
    });
  }

  private async docEntries(author: PersonId, docId: DocId): Promise<StoredEntry[]> {
    const logs = [...this.logs.values()]
      .filter((l) => l.summary.author === author)
      .sort((a, b) => (a.summary.device < b.summary.device ? -1 : 1));
    const slots: Slot[] = [];
    for (const log of logs) {
      const fork = this.lowestFork(author, log.summary.device) ?? Infinity;
      const seqs = [...log.slots.keys()].filter((s) => s < fork).sort((a, b) => a - b);
      for (const seq of seqs) {
        const s = log.slots.get(seq)!;
        if (s.docId === docId && s.payload) slots.push(s);
      }
    }
    return this.readEntries(slots);
  }

  async getLatestEntries(
    author: PersonId,
    device: DeviceId,
    limit: number,
  ): Promise<StoredEntry[]> {
    return this.run(async () => {
      checkLimit(limit);
      const log = this.logs.get(logKeyOf(author, device));
      const slots: Slot[] = [];
      const ranges = log?.summary.ranges ?? [];
      for (let r = ranges.length - 1; r >= 0 && slots.length < limit; r--) {
        const { start, end } = ranges[r]!;
        for (let seq = end; seq >= start && slots.length < limit; seq--) {
          const s = log!.slots.get(seq)!;
          if (!s.placeholder) slots.push(s);
        }
      }
      return this.readEntries(slots);
    });
  }

  async hashAt(author: PersonId, device: DeviceId, seq: number): Promise<EntryHash | undefined> {
    return this.run(async () => {
      checkSeq(seq);
      return this.logs.get(logKeyOf(author, device))?.slots.get(seq)?.hash;
    });
  }

  async heldRanges(author: PersonId, device: DeviceId): Promise<SeqRange[]> {
    return this.run(async () =>
      (this.logs.get(logKeyOf(author, device))?.summary.ranges ?? []).map((r) => ({ ...r })),
    );
  }

  async listLogs(): Promise<LogSummary[]> {
    return this.run(async () => [...this.logs.values()].map((l) => copySummary(l.summary)));
  }

  async pruneLog(author: PersonId, device: DeviceId, keepFromSeq: number): Promise<void> {
    return this.run(async () => {
      checkKeepFrom(keepFromSeq);
      if (!this.logs.has(logKeyOf(author, device))) return;
      await this.append([{ kind: 'prune', author, device, keepFromSeq }]);
      this.dropBelow(author, device, keepFromSeq);
    });
  }

  /** Drops a log's slots below `keepFromSeq` from the index (the journal says so already). */
  private dropBelow(author: PersonId, device: DeviceId, keepFromSeq: number): void {
    const key = logKeyOf(author, device);
    const log = this.logs.get(key);
    if (!log) return;
    const dropped = { entries: 0, bytes: 0 };
    for (const [seq, slot] of log.slots) {
      if (seq >= keepFromSeq) continue;
      dropped.entries++;
      dropped.bytes += slot.size;
      this.dead += slot.span.length;
      log.slots.delete(seq);
    }
    const summary = summaryFrom(log.summary, keepFromSeq, dropped);
    if (summary) log.summary = summary;
    else this.logs.delete(key);
  }

  async putForkEvidence(first: StoredEntry, second: StoredEntry): Promise<void> {
    return this.run(async () => {
      checkFork(first, second);
      if (this.forks.has(positionKey(first.author, first.device, first.seq))) return;
      const fork = { first: copyEntry(first), second: copyEntry(second) };
      await this.append([{ kind: 'fork', fork }]);
      this.keepFork(fork);
    });
  }

  async listForks(): Promise<StoredFork[]> {
    return this.run(async () =>
      [...this.forks.values()].map((f) => ({
        first: copyEntry(f.first),
        second: copyEntry(f.second),
      })),
    );
  }

  async forkSeq(author: PersonId, device: DeviceId): Promise<number | undefined> {
    return this.run(async () => this.lowestFork(author, device));
  }

  private lowestFork(author: PersonId, device: DeviceId): number | undefined {
    return lowestForkSeq(this.forks.values(), author, device);
  }

  async putBlob(hash: string, bytes: Uint8Array): Promise<void> {
    return this.run(async () => {
      checkId(hash, 'blob hash');
      if (this.blobs.has(hash)) return;
      await this.makeRoom(bytes.length);
      const dir = join(this.options.folder, BLOBS);
      const aside = join(dir, `tmp-${process.pid}-${blobFile(hash)}`);
      try {
        const file = await open(aside, 'w', 0o600);
        try {
          await file.writeFile(bytes);
          await file.datasync();
        } finally {
          await file.close();
        }
        await rename(aside, join(dir, blobFile(hash)));
        await syncFolder(dir);
      } catch (err) {
        await rm(aside, { force: true });
        if (isQuotaCode(err)) throw new StorageQuotaError({ cause: err });
        throw err;
      }
      this.blobs.set(hash, bytes.length);
      this.blobBytes += bytes.length;
    });
  }

  async deleteBlobs(hashes: readonly string[]): Promise<void> {
    return this.run(() => this.removeBlobs(hashes));
  }

  /** Deletes the blobs held under these hashes (inside `run`). */
  private async removeBlobs(hashes: readonly string[]): Promise<void> {
    const held = hashes.filter((hash) => this.blobs.has(hash));
    if (held.length === 0) return;
    const dir = join(this.options.folder, BLOBS);
    for (const hash of held) {
      await rm(join(dir, blobFile(hash)), { force: true });
      this.blobBytes -= this.blobs.get(hash)!;
      this.blobs.delete(hash);
    }
    await syncFolder(dir);
  }

  async getBlob(hash: string): Promise<Uint8Array | undefined> {
    return this.run(async () => {
      if (!this.blobs.has(hash)) return undefined;
      const bytes = await readFile(join(this.options.folder, BLOBS, blobFile(hash)));
      const out = new Uint8Array(bytes.length);
      out.set(bytes);
      return out;
    });
  }

  async hasBlob(hash: string): Promise<boolean> {
    return this.run(async () => this.blobs.has(hash));
  }

  async blobSize(hash: string): Promise<number | undefined> {
    return this.run(async () => this.blobs.get(hash));
  }

  async getSetting(key: string): Promise<unknown> {
    return this.run(async () => {
      const bytes = this.settings.get(key);
      return bytes === undefined ? undefined : deserializeSetting(bytes);
    });
  }

  async setSetting(key: string, value: unknown): Promise<void> {
    return this.run(async () => {
      checkId(key, 'setting key');
      checkSettingValue(value, this.keyForm);
      let bytes: Uint8Array | undefined;
      try {
        bytes = value === undefined ? undefined : serializeSetting(value);
      } catch (err) {
        throw new StoreInputError('a setting value this store cannot write', { cause: err });
      }
      await this.append([{ kind: 'setting', key, value: bytes }]);
      if (bytes === undefined) this.settings.delete(key);
      else this.settings.set(key, bytes);
    });
  }

  async usage(): Promise<StorageUsage> {
    return this.run(async () => {
      const byAuthor = new Map<PersonId, number>();
      for (const { summary } of this.logs.values()) {
        byAuthor.set(summary.author, (byAuthor.get(summary.author) ?? 0) + summary.bytes);
      }
      return { byAuthor, blobBytes: this.blobBytes };
    });
  }

  /** Bytes the folder's data takes now: the journal and the blobs. */
  async diskBytes(): Promise<number> {
    return this.run(async () => this.end + this.blobBytes);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.run(async () => {
      this.closed = true;
      await this.journal.close();
      await this.lock.release();
    });
  }

  /**
   * Makes room for `incoming` bytes under the quota (docs/storage.md "Quota"): drops whole logs
   * of friends of friends, largest first, and compacts (which also frees replaced and pruned
   * records); then deletes the oldest blobs. Throws `StorageQuotaError`, having evicted nothing,
   * when the person's own and their friends' data alone leave no room.
   */
  private async makeRoom(incoming: number): Promise<void> {
    const quota = this.options.quotaBytes;
    const over = () => this.end - this.dead + this.blobBytes + incoming > (quota ?? Infinity);
    if (quota === undefined || this.end + this.blobBytes + incoming <= quota) return;
    const roleOf = this.options.roleOf;
    const others = [...this.logs.values()]
      .filter((l) => roleOf?.(l.summary.author) === 'other')
      .sort((a, b) => b.summary.bytes - a.summary.bytes);
    const spans = (log: FsLog) => [...log.slots.values()].reduce((n, s) => n + s.span.length, 0);
    const evictable = others.reduce((n, l) => n + spans(l), 0);
    // What must stay does not fit even with every evictable thing gone: evict nothing.
    if (this.end - this.dead - evictable + incoming > quota) throw new StorageQuotaError();
    const drop: FsLog[] = [];
    let freed = 0;
    for (const log of others) {
      if (this.end - this.dead - freed + this.blobBytes + incoming <= quota) break;
      drop.push(log);
      freed += spans(log);
    }
    if (drop.length > 0) {
      const prunes = drop.map((l) => ({
        kind: 'prune' as const,
        author: l.summary.author,
        device: l.summary.device,
        keepFromSeq: Infinity,
      }));
      await this.append(prunes, false);
      for (const p of prunes) this.dropBelow(p.author, p.device, Infinity);
    }
    if (this.dead > 0) await this.compact();
    if (over()) await this.evictBlobs(quota - this.end - incoming);
    if (over()) throw new StorageQuotaError();
  }

  /** Deletes blobs, oldest first (by the time their file was written), until `room` is left. */
  private async evictBlobs(room: number): Promise<void> {
    const dir = join(this.options.folder, BLOBS);
    const aged = await Promise.all(
      [...this.blobs.keys()].map(async (hash) => ({
        hash,
        written: (await stat(join(dir, blobFile(hash)))).mtimeMs,
      })),
    );
    aged.sort((a, b) => a.written - b.written || (a.hash < b.hash ? -1 : 1));
    for (const { hash } of aged) {
      if (this.blobBytes <= room) break;
      await rm(join(dir, blobFile(hash)), { force: true });
      this.blobBytes -= this.blobs.get(hash)!;
      this.blobs.delete(hash);
    }
    await syncFolder(dir);
  }

  /**
   * Rewrites the journal with only what is live (records copied byte for byte), then renames it
   * over the old one: a crash before the rename leaves the old journal whole, after it the new.
   */
  private async compact(): Promise<void> {
    const path = join(this.options.folder, COMPACTING);
    const out = await open(path, 'w', 0o600);
    let end = 0;
    const moved: { slot: Slot; log: FsLog; seq: number }[] = [];
    const spans: RecordSpan[] = [];
    try {
      const writeFrame = async (body: Buffer) => {
        const bytes = frame(body);
        await out.write(bytes, 0, bytes.length, end);
        const at = end + FRAME_HEADER_BYTES;
        end += bytes.length;
        return at;
      };
      const small: JournalRecord[] = [
        ...[...this.settings].map(([key, value]) => ({ kind: 'setting' as const, key, value })),
        ...[...this.forks.values()].map((fork) => ({ kind: 'fork' as const, fork })),
        ...[...this.covered.values()].map((covered) => ({ kind: 'covered' as const, covered })),
      ];
      if (small.length > 0) await writeFrame(encodeRecords(small));
      let pending: { slot: Slot; log: FsLog; seq: number; bytes: Buffer }[] = [];
      let pendingBytes = 0;
      const flush = async () => {
        if (pending.length === 0) return;
        let at = await writeFrame(Buffer.concat(pending.map((p) => p.bytes)));
        for (const p of pending) {
          moved.push(p);
          spans.push({ offset: at, length: p.bytes.length });
          at += p.bytes.length;
        }
        pending = [];
        pendingBytes = 0;
      };
      for (const log of this.logs.values()) {
        for (const [seq, slot] of log.slots) {
          const bytes = Buffer.allocUnsafe(slot.span.length);
          await readFully(this.journal, bytes, slot.span.offset);
          pending.push({ slot, log, seq, bytes });
          pendingBytes += bytes.length;
          if (pendingBytes >= CHUNK_BYTES) await flush();
        }
      }
      await flush();
      await out.datasync();
    } finally {
      await out.close();
    }
    await rename(path, join(this.options.folder, JOURNAL));
    await syncFolder(this.options.folder);
    await this.journal.close();
    this.journal = await open(join(this.options.folder, JOURNAL), 'a+', 0o600);
    this.end = end;
    this.dead = 0;
    moved.forEach(({ slot, log, seq }, i) => log.slots.set(seq, { ...slot, span: spans[i]! }));
  }
}

/** A log's summary rebuilt from its slots (at open, after the scan). */
function summaryOfSlots(log: FsLog): LogSummary {
  const ranges = SeqRanges.of();
  let bytes = 0;
  for (const [seq, slot] of log.slots) {
    ranges.add(seq);
    bytes += slot.size;
  }
  return {
    author: log.summary.author,
    device: log.summary.device,
    ranges: ranges.ranges().map((r) => ({ start: r.start, end: r.end })),
    entries: log.slots.size,
    bytes,
  };
}

function copySummary(s: LogSummary): LogSummary {
  return { ...s, ranges: s.ranges.map((r) => ({ ...r })) };
}

/** Makes a folder's entries (files created, renamed or removed in it) durable. */
async function syncFolder(folder: string): Promise<void> {
  const dir = await open(folder, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
