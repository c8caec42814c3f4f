/**
 * The `StorageAdapter` over IndexedDB, through `idb`. The `IDBFactory` is passed in (the
 * browser's `indexedDB`, or fake-indexeddb's in Node tests); `idb` itself still needs the IDB
 * classes as globals, which both provide.
 *
 * Every method runs in one transaction whose outcome it awaits, so a write resolves only once
 * committed and any failure rejects (nothing of it kept). A body that throws aborts its
 * transaction before the requests it already made can commit: that is what keeps a batch of
 * entries and its log summary together across a crash or a failed put. IndexedDB's
 * `QuotaExceededError` becomes `StorageQuotaError`.
 *
 * Tabs: when another tab opens the database at a newer version, this connection closes at
 * once (so that upgrade is not blocked) and later calls reject with `StoreClosedError`; the app
 * should then ask the person to reload. If this tab's own upgrade waits on an older tab that
 * does not close, `onBlocked` tells the app.
 */
import {
  wrap,
  type IDBPDatabase,
  type IDBPObjectStore,
  type IDBPTransaction,
  type StoreNames,
} from 'idb';
import { SeqRanges, type SeqRange } from '../feed/seq-ranges.ts';
import type { DeviceId, DocId, EntryHash, PersonId } from '../ids.ts';
import {
  changesByLog,
  coveredBy,
  holdsPayload,
  isPlaceholder,
  isRefill,
  linkOf,
  logKeyOf,
  entriesStored,
  planCovers,
  positionKey,
  positionLookup,
  type CoveredRecord,
  type Refill,
} from './covers.ts';
import {
  RunEdit,
  docKey,
  linksAtEnds,
  pruneRun,
  readRuns,
  recordsIn,
  runFromDisk,
  type PackedRun,
} from './idb-entry-runs.ts';
import {
  EntryConflictError,
  StorageQuotaError,
  StoreClosedError,
  StoreError,
  StoreVersionError,
} from './errors.ts';
import {
  DEFAULT_DB_NAME,
  SCHEMA_VERSION,
  upgradeSchema,
  type KithDb,
  type NotificationRecord,
} from './idb-schema.ts';
import { groupByLog, summaryFrom, summaryWith } from './log-summary.ts';
import { pageOf } from './page.ts';
import { owedAdding, owedRemoving, readOwed, seqsByLog } from './owed.ts';
import type {
  StoredFork,
  JsonValue,
  LogSummary,
  NotificationView,
  Page,
  PageRequest,
  PostItemView,
  PostView,
  StorageAdapter,
  StorageUsage,
  LogPosition,
  StoredEntry,
  EntryLink,
  ViewWrite,
} from './storage-adapter.ts';
import { onTimeline } from './storage-adapter.ts';
import {
  postsToLookUp,
  rowOf,
  sliceFromDisk,
  SlicePlan,
  type PostChange,
  type PostSliceRecord,
} from './post-slices.ts';
import { createLogger } from '../log.ts';
import {
  checkEntries,
  checkFork,
  checkId,
  checkKeepFrom,
  checkLimit,
  checkPositions,
  checkNotification,
  checkPage,
  checkPostItems,
  checkSeq,
  checkViewWrites,
  copyEntry,
  handedBack,
  entryFromDisk,
} from './validate.ts';

/** How to open the database. */
export interface IdbStorageAdapterOptions {
  /** Where databases live: `indexedDB` in the browser, a fake-indexeddb `IDBFactory` in tests. */
  readonly indexedDB: IDBFactory;
  /** Database name (one per profile); `kith` unless given. */
  readonly name?: string;
  /** This tab's upgrade waits for another tab still holding the old version open. */
  readonly onBlocked?: () => void;
  /** The connection closed without `close()`: another tab upgrades, or the browser ended it. */
  readonly onClosed?: (reason: 'versionchange' | 'terminated') => void;
}

type Stores = StoreNames<KithDb>[];
type Tx<S extends Stores, M extends IDBTransactionMode> = IDBPTransaction<KithDb, S, M>;

const BLOB_BYTES = 'blobBytes';

const log = createLogger('store:idb');

function storeErrorFrom(err: unknown): unknown {
  if (err instanceof StoreError) return err;
  if (err instanceof Error && err.name === 'QuotaExceededError') {
    return new StorageQuotaError({ cause: err });
  }
  return err;
}

function abortUnlessFinished(tx: IDBPTransaction<KithDb, Stores, IDBTransactionMode>): void {
  try {
    tx.abort();
  } catch (err) {
    // InvalidStateError: a failed request already aborted it, which is what we wanted.
    if (!(err instanceof Error && err.name === 'InvalidStateError')) throw err;
  }
}

/**
 * Issues one request per item and waits for all. If issuing one throws, the requests already
 * issued still get a handler: the abort that follows rejects them, and nobody may leave that
 * unheard.
 */
function issueAll<T>(items: readonly T[], issue: (item: T) => Promise<unknown>): Promise<unknown> {
  const pending: Promise<unknown>[] = [];
  try {
    for (const item of items) pending.push(issue(item));
  } catch (err) {
    void Promise.allSettled(pending);
    throw err;
  }
  return Promise.all(pending);
}

/** Issues the updates that take `positions` out of the views owed. */
function forgetOwed(
  owed: IDBPObjectStore<KithDb, ['owed'] | ViewStores, 'owed', 'readwrite'>,
  positions: readonly LogPosition[],
): Promise<unknown>[] {
  return seqsByLog(positions).map(async ({ author, device, seqs }) => {
    const record = await owed.get([author, device]);
    if (!record) return;
    const next = owedRemoving(record, seqs);
    await (next ? owed.put(next) : owed.delete([author, device]));
  });
}

/** Every key of a compound index that starts with `prefix` (arrays sort after all else). */
function prefixRange(...prefix: (string | number)[]): IDBKeyRange {
  return IDBKeyRange.bound(prefix, [...prefix, []]);
}

/** The stores a batch of view changes writes to. */
type ViewStores = ['postSlices', 'postItems', 'notifications', 'settings', 'owed'];

/** Removes a post's items inside `tx` (their cursor must not overlap other requests). */
async function removeItemsOfPost(
  tx: IDBPTransaction<KithDb, ViewStores, 'readwrite'>,
  postId: string,
): Promise<void> {
  const byPost = tx.objectStore('postItems').index('byPost');
  let cursor = await byPost.openCursor(prefixRange(postId));
  while (cursor) {
    await cursor.delete();
    cursor = await cursor.continue();
  }
}

/**
 * Reads the slices a batch's post changes touch (the newest, and one look-up per post not known
 * to be new), applies the changes and issues the slices' writes, in the order that never holds a
 * post twice (`SlicePlan.writes`).
 */
async function writeSlices(
  tx: IDBPTransaction<KithDb, ViewStores, 'readwrite'>,
  changes: readonly PostChange[],
): Promise<Promise<unknown>[]> {
  if (changes.length === 0) return [];
  const slices = tx.objectStore('postSlices');
  const byPost = slices.index('byPost');
  const lookups = postsToLookUp(changes);
  const [newest, found] = await Promise.all([
    slices.openCursor(null, 'prev').then((c) => (c ? sliceFromDisk(c.value) : undefined)),
    Promise.all(lookups.map((id) => byPost.get(id))),
  ]);
  const plan = new SlicePlan(newest);
  lookups.forEach((id, i) => {
    const slice = found[i];
    if (slice) plan.learn(sliceFromDisk(slice));
    else plan.heldNowhere(id);
  });
  for (const change of changes) plan.apply(change);
  return plan.writes().map(([id, record]) => (record ? slices.put(record) : slices.delete(id)));
}

/** A batch's changes to posts, as the slices take them (`knownNew` only when trusted). */
function postChanges(writes: readonly ViewWrite[], trustNew: boolean): PostChange[] {
  return writes.flatMap((write): PostChange[] => {
    if (write.op === 'putPost') {
      const knownNew = trustNew && write.knownNew === true;
      return [{ op: 'put', post: postRecord(write.post), knownNew }];
    }
    return write.op === 'removePost' ? [{ op: 'remove', postId: write.postId }] : [];
  });
}

/** Issues the one request of a view change other than a post's. */
function issueViewWrite(
  tx: IDBPTransaction<KithDb, ViewStores, 'readwrite'>,
  write: Exclude<ViewWrite, { op: 'putPost' | 'removePost' }>,
): Promise<unknown> {
  switch (write.op) {
    case 'putItem':
      return tx.objectStore('postItems').put(itemRecord(write.item));
    case 'removeItem':
      return tx.objectStore('postItems').delete(write.itemId);
    case 'putNotification':
      return tx.objectStore('notifications').put(notificationRecord(write.notification));
    case 'setSetting':
      return write.value === undefined
        ? tx.objectStore('settings').delete(write.key)
        : tx.objectStore('settings').put(write.value, write.key);
  }
}

function notificationRecord(n: NotificationView): NotificationRecord {
  return {
    id: n.id,
    kind: n.kind,
    createdAt: n.createdAt,
    unread: n.read ? 0 : 1,
    summary: n.summary,
  };
}

function postRecord(p: PostView): PostView {
  const post = { postId: p.postId, author: p.author, createdAt: p.createdAt, summary: p.summary };
  return p.via ? { ...post, via: p.via.map((a) => ({ person: a.person, kind: a.kind })) } : post;
}

function itemRecord(i: PostItemView): PostItemView {
  return {
    itemId: i.itemId,
    postId: i.postId,
    kind: i.kind,
    author: i.author,
    createdAt: i.createdAt,
    summary: i.summary,
  };
}

function notificationView(r: NotificationRecord): NotificationView {
  return {
    id: r.id,
    kind: r.kind,
    createdAt: r.createdAt,
    read: r.unread === 0,
    summary: r.summary as JsonValue,
  };
}

/** The IndexedDB storage adapter; make one with `IdbStorageAdapter.open`. */
export class IdbStorageAdapter implements StorageAdapter {
  /** Structured clone keeps a non-extractable `CryptoKey` without exposing its secret. */
  readonly keyForm = 'cryptokey';
  private closed = false;

  private constructor(private readonly db: IDBPDatabase<KithDb>) {}

  /**
   * Opens (creating or upgrading) the database. Rejects with `StoreVersionError` when the
   * database on disk is newer than this code.
   */
  static async open(options: IdbStorageAdapterOptions): Promise<IdbStorageAdapter> {
    const raw = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = options.indexedDB.open(options.name ?? DEFAULT_DB_NAME, SCHEMA_VERSION);
      request.onupgradeneeded = (event) => {
        const db = wrap(request.result) as unknown as IDBPDatabase<KithDb>;
        const tx = wrap(request.transaction!) as unknown as Tx<Stores, 'versionchange'>;
        upgradeSchema(db, event.oldVersion, tx);
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => {
        const err = request.error;
        reject(
          err?.name === 'VersionError'
            ? new StoreVersionError(SCHEMA_VERSION, { cause: err })
            : storeErrorFrom(err),
        );
      };
      request.onblocked = () => options.onBlocked?.();
    });
    const adapter = new IdbStorageAdapter(wrap(raw) as unknown as IDBPDatabase<KithDb>);
    raw.onversionchange = () => {
      // Closing at once lets the other tab's upgrade run instead of waiting on us.
      adapter.markClosed();
      options.onClosed?.('versionchange');
    };
    raw.onclose = () => {
      adapter.markClosed();
      options.onClosed?.('terminated');
    };
    return adapter;
  }

  async putEntries(entries: readonly StoredEntry[]): Promise<StoredEntry[]> {
    checkEntries(entries);
    const batches = groupByLog(entries);
    if (batches.length === 0) return [];
    // The photos of payloads a cover drops (`covers.ts`): deleted once the entries say so. A page
    // closed between the two transactions leaves them until the store is emptied.
    const released: string[] = [];
    // What is stored is told to peers as held once this resolves (`have`, delivery marks, live
    // push): it must be on disk by then (design invariant 4), so the write is `strict`: Chromium's
    // default is `relaxed` since version 121, completing before the disk has the data. It costs
    // about 6 % of an ingest's time (1.75 -> 1.85 s for 10,000 entries, on this machine's disk).
    const written = await this.run(
      ['runs', 'logs', 'covered', 'owed'],
      'readwrite',
      async (tx) => {
        const runs = new RunEdit(tx.objectStore('runs'));
        const logStore = tx.objectStore('logs');
        const coveredStore = tx.objectStore('covered');
        // Read everything first and check it, then write: a conflict found late must not
        // leave the writes of earlier logs queued in a transaction that could still commit.
        const summaries = new Map<string, LogSummary | undefined>();
        const refills: Refill[] = [];
        const plans = await Promise.all(
          batches.map(async (batch) => {
            const summary = await logStore.get([batch.author, batch.device]);
            summaries.set(logKeyOf(batch.author, batch.device), summary);
            // The summary says which seqs are held; only their runs need reading.
            const held = SeqRanges.of(...(summary?.ranges ?? []));
            const candidates = batch.entries.filter((e) => held.has(e.seq));
            if (candidates.length === 0) return batch.entries;
            const seqs = candidates.map((e) => e.seq);
            await runs.load(batch.author, batch.device, Math.min(...seqs), Math.max(...seqs));
            const heldSeqs = new Set<number>();
            for (const e of candidates) {
              const h = runs.recordAt(e.author, e.device, e.seq);
              if (!h) continue;
              if (h.hash !== e.hash) throw new EntryConflictError(e);
              heldSeqs.add(e.seq);
              if (isRefill(h, e)) refills.push({ entry: e, held: h });
            }
            return batch.entries.filter((e) => !heldSeqs.has(e.seq));
          }),
        );
        const added = plans.flat();
        // What the cover rule looks at: the positions the batch covers, and whether its own
        // positions were covered before.
        const coveredPositions = coveredBy(added);
        // Covered positions among the arriving seqs: one range read per log, not one per entry
        // (a batch of new entries is the usual case in sync, and covers are rare).
        const spans = new Map<
          string,
          { author: PersonId; device: DeviceId; from: number; to: number }
        >();
        for (const e of [...added, ...refills.map((r) => r.entry)]) {
          const key = logKeyOf(e.author, e.device);
          const span = spans.get(key);
          if (!span) spans.set(key, { author: e.author, device: e.device, from: e.seq, to: e.seq });
          else {
            span.from = Math.min(span.from, e.seq);
            span.to = Math.max(span.to, e.seq);
          }
        }
        const [, coveredInSpans, coveredAlready] = await Promise.all([
          Promise.all(coveredPositions.map((c) => runs.load(c.author, c.device, c.seq, c.seq))),
          Promise.all(
            [...spans.values()].map((x) =>
              coveredStore.getAll(
                IDBKeyRange.bound([x.author, x.device, x.from], [x.author, x.device, x.to]),
              ),
            ),
          ),
          // Positions this batch covers that an earlier cover names: the first one stays, as in
          // every store.
          Promise.all(
            coveredPositions.map(
              (c) =>
                coveredStore.get([c.author, c.device, c.seq]) as Promise<CoveredRecord | undefined>,
            ),
          ),
        ]);
        const coveredMap = new Map<string, CoveredRecord>();
        for (const record of [...coveredInSpans.flat(), ...coveredAlready]) {
          if (record) coveredMap.set(positionKey(record.author, record.device, record.seq), record);
        }
        const plan = planCovers(
          added,
          refills,
          (author, device, seq) => runs.recordAt(author, device, seq),
          positionLookup(coveredMap),
        );
        // Summaries of logs the batch does not write but whose entries it shrinks.
        for (const { record } of plan.replaced) {
          const id = logKeyOf(record.author, record.device);
          if (!summaries.has(id))
            summaries.set(id, await logStore.get([record.author, record.device]));
        }
        for (const r of plan.records) runs.add(r);
        for (const { record } of plan.replaced) runs.replace(record);
        const runStore = tx.objectStore('runs');
        const writes: (() => Promise<unknown>)[] = runs
          .changed()
          .map((run) => () => runStore.put(run));
        for (const [id, change] of changesByLog(plan)) {
          const { author, device } = change;
          const next = summaryWith(summaries.get(id), author, device, change.added, change.shrunk);
          writes.push(() => logStore.put(next));
        }
        for (const c of plan.covered) writes.push(() => coveredStore.put({ ...c }));
        const stored = entriesStored(plan);
        const owedStore = tx.objectStore('owed');
        for (const { author, device, seqs } of seqsByLog(stored)) {
          writes.push(async () =>
            owedStore.put(owedAdding(await owedStore.get([author, device]), author, device, seqs)),
          );
        }
        await issueAll(writes, (write) => write());
        released.push(...plan.released);
        // Each put has cloned what it wrote.
        return stored.map(handedBack);
      },
      'strict',
    );
    await this.deleteBlobs(released);
    return written;
  }

  async getEntry(
    author: PersonId,
    device: DeviceId,
    seq: number,
  ): Promise<StoredEntry | undefined> {
    const [held] = await this.heldRange(author, device, seq, seq);
    return held && !isPlaceholder(held) ? held : undefined;
  }

  async getEntries(
    author: PersonId,
    device: DeviceId,
    fromSeq: number,
    toSeq: number,
  ): Promise<StoredEntry[]> {
    const held = await this.heldRange(author, device, fromSeq, toSeq);
    return held.filter((r): r is StoredEntry => !isPlaceholder(r));
  }

  async getLinks(
    author: PersonId,
    device: DeviceId,
    fromSeq: number,
    toSeq: number,
  ): Promise<EntryLink[]> {
    checkSeq(fromSeq);
    checkSeq(toSeq);
    if (fromSeq > toSeq) return [];
    return this.run(['logs', 'runs'], 'readonly', async (tx) => {
      // What a batch's chain check asks: usually answered by the ends of held runs alone.
      const runs = tx.objectStore('runs');
      const summary = await tx.objectStore('logs').get([author, device]);
      const atEnds = await linksAtEnds(
        runs.index('byEnd'),
        summary?.ranges ?? [],
        author,
        device,
        fromSeq,
        toSeq,
      );
      if (atEnds) return atEnds;
      return recordsIn(await readRuns(runs, author, device, fromSeq, toSeq), fromSeq, toSeq).map(
        linkOf,
      );
    });
  }

  /** Every record of one log from `fromSeq` to `toSeq`, placeholders included. */
  private async heldRange(author: PersonId, device: DeviceId, fromSeq: number, toSeq: number) {
    checkSeq(fromSeq);
    checkSeq(toSeq);
    if (fromSeq > toSeq) return [];
    const runs = await this.run(['runs'], 'readonly', (tx) =>
      readRuns(tx.objectStore('runs'), author, device, fromSeq, toSeq),
    );
    return recordsIn(runs, fromSeq, toSeq);
  }

  async getDocEntries(author: PersonId, docId: DocId): Promise<StoredEntry[]> {
    const [entries] = await this.getManyDocsEntries([{ author, docId }]);
    return entries ?? [];
  }

  async getManyDocsEntries(
    docs: readonly { author: PersonId; docId: DocId }[],
  ): Promise<StoredEntry[][]> {
    if (docs.length === 0) return [];
    const [runKeysByDoc, runs, forks] = await this.run(
      ['runs', 'forks'],
      'readonly',
      async (tx) => {
        const store = tx.objectStore('runs');
        const byDoc = store.index('byDoc');
        const [keysByDoc, forkKeys] = await Promise.all([
          // Index order within one key is primary-key order: device, then seq.
          Promise.all(
            docs.map((d) => byDoc.getAllKeys(IDBKeyRange.only(docKey(d.author, d.docId)))),
          ),
          // Forks: rare, so read whole.
          tx.objectStore('forks').getAllKeys(),
        ]);
        // A run holds the entries of every doc its log wrote in those seqs: the docs of one batch
        // mostly share their runs, and each run is read (and checked) once.
        const unique = new Map(keysByDoc.flat().map((key) => [key.join('\u0000'), key]));
        const values = await Promise.all([...unique.values()].map((key) => store.get(key)));
        const read = new Map([...unique.keys()].map((id, i) => [id, runFromDisk(values[i])]));
        return [keysByDoc, read, forkKeys] as const;
      },
    );
    const lowest = new Map<string, number>();
    for (const [author, device, seq] of forks as [string, string, number][]) {
      const log = `${author}/${device}`;
      lowest.set(log, Math.min(seq, lowest.get(log) ?? Infinity));
    }
    // Keep the asked doc's records of its runs.
    return runKeysByDoc.map((keys, i) =>
      keys
        .flatMap((key) => runs.get(key.join('\u0000'))!.records)
        .filter(
          (r) =>
            r.docId === docs[i]!.docId &&
            r.seq < (lowest.get(`${r.author}/${r.device}`) ?? Infinity),
        )
        .filter(holdsPayload),
    );
  }

  async getLatestEntries(
    author: PersonId,
    device: DeviceId,
    limit: number,
  ): Promise<StoredEntry[]> {
    checkLimit(limit);
    return this.run(['runs'], 'readonly', async (tx) => {
      const out: StoredEntry[] = [];
      let cursor = await tx.objectStore('runs').openCursor(prefixRange(author, device), 'prev');
      while (cursor && out.length < limit) {
        const records = runFromDisk(cursor.value).records;
        for (let i = records.length - 1; i >= 0 && out.length < limit; i--) {
          const held = records[i]!;
          if (!isPlaceholder(held)) out.push(held);
        }
        if (out.length < limit) cursor = await cursor.continue();
      }
      return out;
    });
  }

  async hashAt(author: PersonId, device: DeviceId, seq: number): Promise<EntryHash | undefined> {
    const [held] = await this.heldRange(author, device, seq, seq);
    return held?.hash;
  }

  async heldRanges(author: PersonId, device: DeviceId): Promise<SeqRange[]> {
    const summary = await this.run(['logs'], 'readonly', (tx) =>
      tx.objectStore('logs').get([author, device]),
    );
    return summary ? [...summary.ranges] : [];
  }

  async listLogs(): Promise<LogSummary[]> {
    return this.run(['logs'], 'readonly', (tx) => tx.objectStore('logs').getAll());
  }

  async pruneLog(author: PersonId, device: DeviceId, keepFromSeq: number): Promise<void> {
    checkKeepFrom(keepFromSeq);
    if (keepFromSeq === 1) return;
    await this.run(['runs', 'logs'], 'readwrite', async (tx) => {
      const logStore = tx.objectStore('logs');
      const summary = await logStore.get([author, device]);
      if (!summary) return;
      const dropped = { entries: 0, bytes: 0 };
      // Runs starting below `keepFromSeq`: dropped whole, or (the last one) cut and re-keyed.
      const below = IDBKeyRange.bound(
        [author, device, 1],
        [author, device, keepFromSeq],
        false,
        true,
      );
      const runStore = tx.objectStore('runs');
      let cursor = await runStore.openCursor(below);
      const kept: PackedRun[] = [];
      while (cursor) {
        const pruned = pruneRun(runFromDisk(cursor.value), keepFromSeq);
        dropped.entries += pruned.entries;
        dropped.bytes += pruned.bytes;
        if (pruned.kept) kept.push(pruned.kept);
        await cursor.delete();
        cursor = await cursor.continue();
      }
      await issueAll(kept, (run) => runStore.put(run));
      const next = summaryFrom(summary, keepFromSeq, dropped);
      if (next) await logStore.put(next);
      else await logStore.delete([author, device]);
    });
  }

  async putForkEvidence(first: StoredEntry, second: StoredEntry): Promise<void> {
    checkFork(first, second);
    await this.run(['forks'], 'readwrite', async (tx) => {
      const store = tx.objectStore('forks');
      const key: [string, string, number] = [first.author, first.device, first.seq];
      if ((await store.count(key)) > 0) return;
      await store.put({
        author: first.author,
        device: first.device,
        seq: first.seq,
        first: copyEntry(first),
        second: copyEntry(second),
      });
    });
  }

  async listForks(): Promise<StoredFork[]> {
    const records = await this.run(['forks'], 'readonly', (tx) => tx.objectStore('forks').getAll());
    return records.map((r) => ({ first: entryFromDisk(r.first), second: entryFromDisk(r.second) }));
  }

  async forkSeq(author: PersonId, device: DeviceId): Promise<number | undefined> {
    // Keys sort by seq within a log: the first is the lowest.
    const key = await this.run(['forks'], 'readonly', (tx) =>
      tx.objectStore('forks').getKey(prefixRange(author, device)),
    );
    return key === undefined ? undefined : (key as [string, string, number])[2];
  }

  async putBlob(hash: string, bytes: Uint8Array): Promise<void> {
    checkId(hash, 'blob hash');
    await this.run(['blobs', 'meta'], 'readwrite', async (tx) => {
      const blobs = tx.objectStore('blobs');
      if ((await blobs.count(hash)) > 0) return;
      const meta = tx.objectStore('meta');
      const total = (await meta.get(BLOB_BYTES)) ?? 0;
      const writes = [
        () => blobs.put({ hash, size: bytes.length, bytes: bytes.slice() }),
        () => meta.put(total + bytes.length, BLOB_BYTES),
      ];
      await issueAll(writes, (write) => write());
    });
  }

  async deleteBlobs(hashes: readonly string[]): Promise<void> {
    const unique = [...new Set(hashes)];
    if (unique.length === 0) return;
    await this.run(['blobs', 'meta'], 'readwrite', async (tx) => {
      const blobs = tx.objectStore('blobs');
      const sizes = await Promise.all(unique.map(async (hash) => (await blobs.get(hash))?.size));
      const held = unique.filter((_, i) => sizes[i] !== undefined);
      if (held.length === 0) return;
      const freed = sizes.reduce<number>((sum, size) => sum + (size ?? 0), 0);
      const meta = tx.objectStore('meta');
      const total = (await meta.get(BLOB_BYTES)) ?? 0;
      await issueAll(
        [
          ...held.map((hash) => () => blobs.delete(hash)),
          () => meta.put(total - freed, BLOB_BYTES),
        ],
        (write) => write(),
      );
    });
  }

  async getBlob(hash: string): Promise<Uint8Array | undefined> {
    const record = await this.run(['blobs'], 'readonly', (tx) => tx.objectStore('blobs').get(hash));
    return record?.bytes;
  }

  async hasBlob(hash: string): Promise<boolean> {
    const n = await this.run(['blobs'], 'readonly', (tx) => tx.objectStore('blobs').count(hash));
    return n > 0;
  }

  async blobSize(hash: string): Promise<number | undefined> {
    const record = await this.run(['blobs'], 'readonly', (tx) => tx.objectStore('blobs').get(hash));
    return record?.size;
  }

  async putPostViews(posts: readonly PostView[]): Promise<void> {
    // `writeViews` checks every post before writing any.
    await this.writeViews(posts.map((post) => ({ op: 'putPost', post })));
  }

  async removePostView(postId: string): Promise<void> {
    await this.writeViews([{ op: 'removePost', postId }]);
  }

  async getPostView(postId: string): Promise<PostView | undefined> {
    const [post] = await this.getPostViews([postId]);
    return post;
  }

  async getPostViews(postIds: readonly string[]): Promise<(PostView | undefined)[]> {
    if (postIds.length === 0) return [];
    return this.run(['postSlices'], 'readonly', (tx) => {
      const byPost = tx.objectStore('postSlices').index('byPost');
      return Promise.all(
        postIds.map(async (id) => {
          const slice = await byPost.get(id);
          return slice ? rowOf(slice, id) : undefined;
        }),
      );
    });
  }

  async timelinePage(request: PageRequest): Promise<Page<PostView>> {
    checkPage(request);
    const { before } = request;
    const range = before ? IDBKeyRange.upperBound([before.createdAt, before.id], true) : null;
    // A friend of a friend's post no one here answered is skipped: there are few (window logs
    // are bounded, `sync-engine.ts`), so a filter costs less than a second index and a migration.
    return this.postsPage('byTime', range, request.limit, onTimeline);
  }

  async authorPostsPage(author: PersonId, request: PageRequest): Promise<Page<PostView>> {
    checkPage(request);
    const { before } = request;
    const range = before
      ? IDBKeyRange.bound([author], [author, before.createdAt, before.id], false, true)
      : prefixRange(author);
    return this.postsPage('byAuthor', range, request.limit);
  }

  async putPostItems(items: readonly PostItemView[]): Promise<void> {
    checkPostItems(items);
    if (items.length === 0) return;
    await this.run(['postItems'], 'readwrite', async (tx) => {
      const store = tx.objectStore('postItems');
      await issueAll(items, (i) => store.put(itemRecord(i)));
    });
  }

  async removePostItem(itemId: string): Promise<void> {
    await this.run(['postItems'], 'readwrite', (tx) => tx.objectStore('postItems').delete(itemId));
  }

  async itemsByPost(postId: string): Promise<PostItemView[]> {
    return this.run(['postItems'], 'readonly', (tx) =>
      tx.objectStore('postItems').index('byPost').getAll(prefixRange(postId)),
    );
  }

  async putNotification(n: NotificationView): Promise<void> {
    checkNotification(n);
    await this.run(['notifications'], 'readwrite', (tx) =>
      tx.objectStore('notifications').put(notificationRecord(n)),
    );
  }

  async notificationsPage(request: PageRequest): Promise<Page<NotificationView>> {
    checkPage(request);
    const { before } = request;
    const range = before ? IDBKeyRange.upperBound([before.createdAt, before.id], true) : null;
    const rows = await this.run(['notifications'], 'readonly', async (tx) => {
      const out: NotificationView[] = [];
      const index = tx.objectStore('notifications').index('byTime');
      let cursor = await index.openCursor(range, 'prev');
      while (cursor && out.length <= request.limit) {
        out.push(notificationView(cursor.value));
        if (out.length <= request.limit) cursor = await cursor.continue();
      }
      return out;
    });
    return pageOf(rows, request.limit, (n) => ({ createdAt: n.createdAt, id: n.id }));
  }

  async unreadCount(): Promise<number> {
    return this.run(['notifications'], 'readonly', (tx) =>
      tx.objectStore('notifications').index('byUnread').count(1),
    );
  }

  async markRead(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.run(['notifications'], 'readwrite', async (tx) => {
      const store = tx.objectStore('notifications');
      const records = await Promise.all(ids.map((id) => store.get(id)));
      const unread = records.filter((r): r is NotificationRecord => r?.unread === 1);
      await issueAll(unread, (r) => store.put({ ...r, unread: 0 }));
    });
  }

  async writeViews(
    writes: readonly ViewWrite[],
    settled: readonly LogPosition[] = [],
  ): Promise<void> {
    checkViewWrites(writes);
    checkPositions(settled);
    if (writes.length === 0 && settled.length === 0) return;
    try {
      await this.writeViewsOnce(writes, settled, true);
    } catch (err) {
      // A post said to be new was held after all: the unique `byPost` index refused its second
      // row, and nothing of the batch was written. Placed after looking each post up, it fits.
      const hinted = writes.some((w) => w.op === 'putPost' && w.knownNew);
      if (!hinted || !(err instanceof Error && err.name === 'ConstraintError')) throw err;
      log.warn('a post said to be new was held; writing the views again after look-ups');
      await this.writeViewsOnce(writes, settled, false);
    }
  }

  private async writeViewsOnce(
    writes: readonly ViewWrite[],
    settled: readonly LogPosition[],
    trustNew: boolean,
  ): Promise<void> {
    const stores: ViewStores = ['postSlices', 'postItems', 'notifications', 'settings', 'owed'];
    await this.run(stores, 'readwrite', async (tx) => {
      let pending: Promise<unknown>[] = [
        ...(await writeSlices(tx, postChanges(writes, trustNew))),
        ...forgetOwed(tx.objectStore('owed'), settled),
      ];
      for (const write of writes) {
        if (write.op === 'putPost') continue;
        if (write.op === 'removePost') {
          // Its cursor sees later requests of this transaction: everything issued before it
          // settles first, and nothing after it is issued until it is done.
          await issueAll(pending, (request) => request);
          pending = [];
          await removeItemsOfPost(tx, write.postId);
          continue;
        }
        try {
          pending.push(issueViewWrite(tx, write));
        } catch (err) {
          void Promise.allSettled(pending);
          throw err;
        }
      }
      await Promise.all(pending);
    });
  }

  async owedEntries(limit: number, after?: LogPosition): Promise<StoredEntry[]> {
    checkLimit(limit);
    if (after) checkPositions([after]);
    const range = after ? IDBKeyRange.lowerBound([after.author, after.device]) : undefined;
    const records = await this.run(['owed'], 'readonly', (tx) =>
      tx.objectStore('owed').getAll(range),
    );
    const { entries, gone } = await readOwed(records, limit, after, (author, device, from, to) =>
      this.getEntries(author, device, from, to),
    );
    if (gone.length > 0) {
      await this.run(['owed'], 'readwrite', (tx) =>
        Promise.all(forgetOwed(tx.objectStore('owed'), gone)),
      );
    }
    return entries;
  }

  async getSetting(key: string): Promise<unknown> {
    return this.run(['settings'], 'readonly', (tx) => tx.objectStore('settings').get(key));
  }

  async setSetting(key: string, value: unknown): Promise<void> {
    checkId(key, 'setting key');
    await this.run(['settings'], 'readwrite', async (tx) => {
      if (value === undefined) await tx.objectStore('settings').delete(key);
      else await tx.objectStore('settings').put(value, key);
    });
  }

  async usage(): Promise<StorageUsage> {
    return this.run(['logs', 'meta'], 'readonly', async (tx) => {
      const [logs, blobBytes] = await Promise.all([
        tx.objectStore('logs').getAll(),
        tx.objectStore('meta').get(BLOB_BYTES),
      ]);
      const byAuthor = new Map<PersonId, number>();
      for (const log of logs) {
        byAuthor.set(log.author, (byAuthor.get(log.author) ?? 0) + log.bytes);
      }
      return { byAuthor, blobBytes: blobBytes ?? 0 };
    });
  }

  async close(): Promise<void> {
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private async postsPage(
    indexName: 'byTime' | 'byAuthor',
    range: IDBKeyRange | null,
    limit: number,
    shown: (post: PostView) => boolean = () => true,
  ): Promise<Page<PostView>> {
    const rows = await this.run(['postSlices'], 'readonly', async (tx) => {
      const slices = tx.objectStore('postSlices');
      // Neighbours in time mostly share a slice: each slice is read once per page.
      const read = new Map<number, PostSliceRecord>();
      const out: PostView[] = [];
      // One row past the page tells whether an older page exists; the cursor stops there.
      let cursor = await slices.index(indexName).openKeyCursor(range, 'prev');
      while (cursor && out.length <= limit) {
        const id = cursor.primaryKey;
        let slice = read.get(id);
        if (!slice) {
          slice = sliceFromDisk(await slices.get(id));
          read.set(id, slice);
        }
        // Both indexes' keys end with the post's id.
        const row = rowOf(slice, cursor.key.at(-1) as string);
        if (shown(row)) out.push(row);
        if (out.length <= limit) cursor = await cursor.continue();
      }
      return out;
    });
    return pageOf(rows, limit, (p) => ({ createdAt: p.createdAt, id: p.postId }));
  }

  /**
   * Runs `body` in one transaction and settles only when the transaction has: a write
   * resolves once committed. If the body throws, the transaction is aborted before the
   * requests it made can commit.
   */
  private async run<S extends Stores, M extends 'readonly' | 'readwrite', T>(
    stores: S,
    mode: M,
    body: (tx: Tx<S, M>) => Promise<T>,
    durability: IDBTransactionDurability = 'default',
  ): Promise<T> {
    if (this.closed) throw new StoreClosedError();
    const tx = this.db.transaction(stores, mode, { durability });
    // Subscribed at once: idb rejects `done` on abort, and nobody may leave that unheard.
    const outcome = tx.done.then(
      () => ({ ok: true as const }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    let result: T;
    try {
      result = await body(tx);
    } catch (err) {
      abortUnlessFinished(tx as unknown as IDBPTransaction<KithDb, Stores, IDBTransactionMode>);
      const settled = await outcome;
      // When the transaction itself failed, its error is the cause and the body's is only an
      // echo (requests then fail with AbortError, new ones with TransactionInactiveError).
      // A full disk is reported that way, at commit.
      const echo =
        err instanceof Error &&
        (err.name === 'AbortError' || err.name === 'TransactionInactiveError');
      throw storeErrorFrom(echo && !settled.ok ? settled.error : err);
    }
    const settled = await outcome;
    if (!settled.ok) throw storeErrorFrom(settled.error);
    return result;
  }
}
