/**
 * The IndexedDB schema of the store and its migrations. `MIGRATIONS[i]` takes a database from
 * version `i` to `i + 1`; the upgrade runs every step above the version on disk, inside the one
 * `versionchange` transaction IndexedDB gives an upgrade, so a failed step leaves the old
 * version as it was. A release that changes the schema appends a step and never edits one.
 */
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';
import type { CoveredRecord, HeldRecord } from './covers.ts';
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
   * Verified entries, keyed by their position in their log; from schema 2 also placeholders of
   * v1 entries dropped whole (`covers.ts`).
   */
  entries: {
    key: [string, string, number];
    value: HeldRecord;
    indexes: { byDoc: [string, string] };
  };
  /** Positions covered by a stored entry, with its doc (schema 2). */
  covered: { key: [string, string, number]; value: CoveredRecord };
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
  /** Posts of the home timeline. */
  posts: {
    key: string;
    value: PostView;
    indexes: { byTime: [number, string]; byAuthor: [string, number, string] };
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
];

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
