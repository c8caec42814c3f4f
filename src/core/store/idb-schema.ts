/**
 * The IndexedDB schema of the store and its migrations. `MIGRATIONS[i]` takes a database from
 * version `i` to `i + 1`; the upgrade runs every step above the version on disk, inside the one
 * `versionchange` transaction IndexedDB gives an upgrade, so a failed step leaves the old
 * version as it was. A release that changes the schema appends a step and never edits one.
 */
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';
import type { CoveredRecord, HeldRecord } from './covers.ts';
import { cutIntoRuns, type RunEnd, type StoredRun } from './idb-entry-runs.ts';
import { recordFromDisk } from './validate.ts';
import { createLogger } from '../log.ts';

const log = createLogger('store:schema');
import type { OwedRecord } from './owed.ts';
import { SLICE_ROWS, sliceRecord, type PostSliceRecord } from './post-slices.ts';
import type { LogSummary, PostItemView, PostView, StoredEntry } from './storage-adapter.ts';

/** Name of the database unless the caller picks another. */
export const DEFAULT_DB_NAME = 'kith';

/** A notification as stored: `read` mirrored as a number, since booleans are not index keys. */
export interface NotificationRecord {
  readonly id: string;
  readonly kind: string;
  readonly createdAt: number;
  readonly unread: 0 | 1;
  readonly summary: unknown;
}

/** A blob as stored: its size beside it, so `blobSize` reads no bytes. */
export interface BlobRecord {
  readonly hash: string;
  readonly size: number;
  readonly bytes: Uint8Array;
}

/** The object stores, their keys and indexes. */
export interface KithDb extends DBSchema {
  /**
   * Schemas 1 and 2 only: verified entries, one record per position; from schema 2 also
   * placeholders of v1 entries dropped whole (`covers.ts`). Step 3 moves them into `runs`.
   */
  entries: {
    key: [string, string, number];
    value: HeldRecord;
    indexes: { byDoc: [string, string] };
  };
  /**
   * Schema 3: entries and placeholders, one record per chained run (`idb-entry-runs.ts`); from
   * schema 5 also indexed by their first and last positions' links (`byEnd`).
   */
  runs: {
    key: [string, string, number];
    value: StoredRun;
    indexes: { byDoc: string; byEnd: RunEnd };
  };
  /** Positions covered by a stored entry, with its doc (schema 2). */
  covered: { key: [string, string, number]; value: CoveredRecord };
  /**
   * Schema 4: per log, the seqs of stored entries whose views are not written yet, added with
   * the entries and taken out with their views (`owed.ts`, `ViewStore.owedEntries`).
   */
  owed: { key: [string, string]; value: OwedRecord };
  /** One summary per log, written in the same transaction as its entries. */
  logs: { key: [string, string]; value: LogSummary };
  /** Fork evidence, one per position. */
  forks: {
    key: [string, string, number];
    value: {
      author: string;
      device: string;
      seq: number;
      first: StoredEntry;
      second: StoredEntry;
    };
  };
  /** Content-addressed blobs. */
  blobs: { key: string; value: BlobRecord };
  /** Schemas 1 to 5 only: posts of the home timeline, one record each. Step 6 packs them. */
  posts: {
    key: string;
    value: PostView;
    indexes: { byTime: [number, string]; byAuthor: [string, number, string] };
  };
  /**
   * Schema 6: posts of the home timeline, up to `SLICE_ROWS` to a record, each row with its
   * index keys (`post-slices.ts`).
   */
  postSlices: {
    key: number;
    value: PostSliceRecord;
    indexes: { byPost: string; byTime: [number, string]; byAuthor: [string, number, string] };
  };
  /** Comments and reactions. */
  postItems: { key: string; value: PostItemView; indexes: { byPost: [string, number, string] } };
  /** Notifications. */
  notifications: {
    key: string;
    value: NotificationRecord;
    indexes: { byTime: [number, string]; byUnread: number };
  };
  /** Settings (out-of-line keys; values are whatever the caller stores). */
  settings: { key: string; value: unknown };
  /** Counters kept beside the data they count (blob bytes). */
  meta: { key: string; value: number };
}

/** One upgrade step. */
export type Migration = (
  db: IDBPDatabase<KithDb>,
  tx: IDBPTransaction<KithDb, StoreNames<KithDb>[], 'versionchange'>,
) => void;

/** The upgrade steps, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  // v1: everything.
  (db) => {
    const entries = db.createObjectStore('entries', { keyPath: ['author', 'device', 'seq'] });
    entries.createIndex('byDoc', ['author', 'docId']);
    db.createObjectStore('logs', { keyPath: ['author', 'device'] });
    db.createObjectStore('forks', { keyPath: ['author', 'device', 'seq'] });
    db.createObjectStore('blobs', { keyPath: 'hash' });
    const posts = db.createObjectStore('posts', { keyPath: 'postId' });
    posts.createIndex('byTime', ['createdAt', 'postId']);
    posts.createIndex('byAuthor', ['author', 'createdAt', 'postId']);
    const items = db.createObjectStore('postItems', { keyPath: 'itemId' });
    items.createIndex('byPost', ['postId', 'createdAt', 'itemId']);
    const notifications = db.createObjectStore('notifications', { keyPath: 'id' });
    notifications.createIndex('byTime', ['createdAt', 'id']);
    notifications.createIndex('byUnread', 'unread');
    db.createObjectStore('settings');
    db.createObjectStore('meta');
  },
  // v2 (entries v2, protocol.md "Entries"): the positions covered entries occupy. Stored
  // entries keep their shape (a v1 record is a valid v2 record: no `covers`, no placeholder), so
  // no record is rewritten; the step only creates an empty store, inside the upgrade's one
  // transaction: a crash leaves version 1 as it was, and the next open runs the step again.
  (db) => {
    db.createObjectStore('covered', { keyPath: ['author', 'device', 'seq'] });
  },
  // v3 (issue 23, docs/storage.md "Entry runs"): one record per run of consecutive positions
  // instead of one per entry. The step reads the old records in key order (log by log, seq
  // ascending), writes their runs and then drops the old store, all inside the upgrade's one
  // transaction: a crash or a failed request leaves version 2 as it was.
  (db, tx) => {
    const runs = db.createObjectStore('runs', { keyPath: ['author', 'device', 'seq'] });
    runs.createIndex('byDoc', 'docs', { multiEntry: true });
    abortOnFailure(tx, 'moving entries into runs', moveEntriesIntoRuns(db, tx));
  },
  // v4: the views owed to stored entries (docs/storage.md "Views owed"). A new, empty store:
  // entries stored before it were materialized by the version that stored them.
  (db) => {
    db.createObjectStore('owed', { keyPath: ['author', 'device'] });
  },
  // v5 (issue 23, docs/storage.md "Entry runs"): runs indexed by the links of their ends, so a
  // chain check reads no run. Runs written before have no `ends` and stay out of the index until
  // rewritten; a question they would answer goes to the runs themselves, as before. So nothing
  // is rewritten here: a store of 100,000 entries upgrades at once.
  (_db, tx) => {
    tx.objectStore('runs').createIndex('byEnd', 'ends', { multiEntry: true });
  },
  // v6 (issue 23, docs/storage.md "Post slices"): posts packed into slices. The step reads the
  // old records oldest first, writes them in slices and drops the old store, inside the upgrade's
  // one transaction: a crash or a failed request leaves version 5 as it was.
  (db, tx) => {
    const slices = db.createObjectStore('postSlices', { keyPath: 'id' });
    slices.createIndex('byPost', 'posts', { multiEntry: true, unique: true });
    slices.createIndex('byTime', 'times', { multiEntry: true });
    slices.createIndex('byAuthor', 'authors', { multiEntry: true });
    abortOnFailure(tx, 'packing posts into slices', movePostsIntoSlices(db, tx));
  },
];

/** Aborts the upgrade if its data move fails: the open fails (AbortError), the old version stays. */
function abortOnFailure(
  tx: IDBPTransaction<KithDb, StoreNames<KithDb>[], 'versionchange'>,
  what: string,
  move: Promise<void>,
): void {
  move.catch((err: unknown) => {
    log.error(`${what} failed`, { error: String(err) });
    try {
      tx.abort();
    } catch (abortError) {
      // A failed request has aborted it already.
      log.warn('upgrade already aborted', { error: String(abortError) });
    }
  });
}

/** Schema step 3's data move (see there). */
async function moveEntriesIntoRuns(
  db: IDBPDatabase<KithDb>,
  tx: IDBPTransaction<KithDb, StoreNames<KithDb>[], 'versionchange'>,
): Promise<void> {
  const runs = tx.objectStore('runs');
  const puts: Promise<unknown>[] = [];
  let log: HeldRecord[] = [];
  const flush = () => {
    for (const run of cutIntoRuns(log)) puts.push(runs.put(run));
    log = [];
  };
  let cursor = await tx.objectStore('entries').openCursor();
  while (cursor) {
    const record = recordFromDisk(cursor.value);
    const last = log.at(-1);
    if (last && (last.author !== record.author || last.device !== record.device)) flush();
    log.push(record);
    cursor = await cursor.continue();
  }
  flush();
  await Promise.all(puts);
  db.deleteObjectStore('entries');
}

/** Schema step 6's data move (see there). */
async function movePostsIntoSlices(
  db: IDBPDatabase<KithDb>,
  tx: IDBPTransaction<KithDb, StoreNames<KithDb>[], 'versionchange'>,
): Promise<void> {
  const slices = tx.objectStore('postSlices');
  const puts: Promise<unknown>[] = [];
  let rows: PostView[] = [];
  // Oldest first, so the newest slice (where new posts go) holds the newest posts.
  let cursor = await tx.objectStore('posts').index('byTime').openCursor();
  while (cursor) {
    rows.push(cursor.value);
    if (rows.length === SLICE_ROWS) {
      puts.push(slices.put(sliceRecord(puts.length + 1, rows)));
      rows = [];
    }
    cursor = await cursor.continue();
  }
  if (rows.length > 0) puts.push(slices.put(sliceRecord(puts.length + 1, rows)));
  await Promise.all(puts);
  db.deleteObjectStore('posts');
}

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Runs the steps from `oldVersion` up to `SCHEMA_VERSION`. */
export function upgradeSchema(
  db: IDBPDatabase<KithDb>,
  oldVersion: number,
  tx: IDBPTransaction<KithDb, StoreNames<KithDb>[], 'versionchange'>,
): void {
  for (let v = oldVersion; v < SCHEMA_VERSION; v++) MIGRATIONS[v]!(db, tx);
}
