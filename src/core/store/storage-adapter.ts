/**
 * The storage interfaces of the core, split by need (docs/storage.md "Two halves"):
 *
 * - {@link LogStore}: verified log entries with a per-log summary of the seq ranges held, fork
 *   evidence, content-addressed blobs and small settings. What every device keeps, a relay
 *   device (the home peer, which holds no content key) included.
 * - {@link ViewStore}: materialized views (home timeline, per-author posts, comments and
 *   reactions by post, notifications). What a device that reads content adds.
 * - {@link StorageAdapter}: both, over one database (a view batch may write settings in the
 *   same transaction as its views).
 *
 * The store trusts its callers: it holds only what the feed layer has verified and never
 * checks a signature or a chain. Every method is async and every write is one transaction:
 * it is kept whole or not at all. Implementations: `MemoryStorageAdapter` (tests, the in-memory
 * network) and `IdbStorageAdapter` (the browser) are whole `StorageAdapter`s; `FsLogStore`
 * (`src/home/`, Node only) is a `LogStore` in a folder. `log-store-suite.ts` and
 * `view-store-suite.ts` are the behaviour every implementation must show.
 */
import type { EntryPosition } from '../feed/entry-codec.ts';
import type { SeqRange } from '../feed/seq-ranges.ts';
import type { DeviceId, DocId, EntryHash, PersonId } from '../ids.ts';

/**
 * One verified, signed entry of an (author, device) log, with the fields the store indexes.
 * The feed layer's `VerifiedEntry` has all of them, so it can be passed as it is (the store
 * keeps only these fields).
 */
export interface StoredEntry {
  /** The person whose log it is. */
  readonly author: PersonId;
  /** The device that wrote it; each (author, device) pair is one append-only log. */
  readonly device: DeviceId;
  /** Position in the log, from 1. */
  readonly seq: number;
  /** The entry's identity (`feed/entry-codec.ts`: the same with or without its payload). */
  readonly hash: EntryHash;
  /** Hash of entry `seq - 1`; undefined exactly when seq is 1. */
  readonly prev: EntryHash | undefined;
  /** The doc the entry's payload belongs to. */
  readonly docId: DocId;
  /** Author's claimed time of writing, milliseconds since the epoch. */
  readonly timestamp: number;
  /**
   * The whole encoded, signed entry: what is relayed to other peers byte for byte (a covered v2
   * entry in its payload-less form).
   */
  readonly bytes: Uint8Array;
  /**
   * Entries of the same author and doc this one supersedes (v2): storing it drops their payloads
   * (`covers.ts`). Absent or empty: none.
   */
  readonly covers?: readonly EntryPosition[];
}

/** A position in one (author, device) log: what the views owe an entry stored there is keyed by. */
export interface LogPosition {
  readonly author: PersonId;
  readonly device: DeviceId;
  readonly seq: number;
}

/** What the chain check needs of a held position: entries and placeholders alike. */
export interface EntryLink {
  /** The position in the log. */
  readonly seq: number;
  /** The hash of the entry held (or once held) there. */
  readonly hash: EntryHash;
  /** Its `prev`; undefined exactly at seq 1. */
  readonly prev: EntryHash | undefined;
  /** Whether the copy held carries its payload (a placeholder or payload-less entry: false). */
  readonly payload: boolean;
}

/** What is held of one log, kept as a small record beside the entries and updated with them. */
export interface LogSummary {
  /** The log's author. */
  readonly author: PersonId;
  /** The log's device. */
  readonly device: DeviceId;
  /** Seqs held, sorted and disjoint. */
  readonly ranges: readonly SeqRange[];
  /** Number of positions held (entries and placeholders). */
  readonly entries: number;
  /** Sum of the held entries' encoded sizes (approximate disk use). */
  readonly bytes: number;
}

/** Two entries at the same (author, device, seq) with different hashes: proof of a fork. */
export interface StoredFork {
  /** The first entry seen at that position. */
  readonly first: StoredEntry;
  /** A different entry claiming the same position. */
  readonly second: StoredEntry;
}

/** A small JSON value: what views carry so that a list can be drawn without opening any doc. */
export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A post on the home timeline (and on its author's profile), written by the docs layer. */
export interface PostView {
  /** The post's key (`PostKey`, `<author>/<postId>`), not its bare post id. */
  readonly postId: string;
  /** The post's author. */
  readonly author: PersonId;
  /** When the post was written (ms since the epoch): the timeline's sort key. */
  readonly createdAt: number;
  /** Whatever a timeline row shows (excerpt, photo count, comment count ...), kept small. */
  readonly summary: JsonValue;
  /**
   * Present only on the public post of someone who is not a friend (a friend of a friend's,
   * held from their window log): who here answered it, one per person, first answer first. Such
   * a post is on its author's profile; it is on the home timeline only while `via` names
   * someone ({@link onTimeline}), so the timeline stays one's own and friends' (`kinds/reach.ts`).
   */
  readonly via?: readonly Answerer[];
}

/** Someone here (this person or a friend) who answered a friend of a friend's public post. */
export interface Answerer {
  readonly person: PersonId;
  /** `comment` if any of their answers is a comment, else `reaction`. */
  readonly kind: 'comment' | 'reaction';
}

/** Whether a post view is on the home timeline (see {@link PostView.via}). */
export function onTimeline(post: PostView): boolean {
  return post.via === undefined || post.via.length > 0;
}

/** A comment on or a reaction to a post. */
export interface PostItemView {
  /** The item's own id. */
  readonly itemId: string;
  /** The post it belongs to: its key (`PostKey`, `<author>/<postId>`). */
  readonly postId: string;
  /** What it is. */
  readonly kind: 'comment' | 'reaction';
  /** Who wrote it. */
  readonly author: PersonId;
  /** When it was written (ms since the epoch). */
  readonly createdAt: number;
  /** What the thread shows of it (text, emoji ...). */
  readonly summary: JsonValue;
}

/** Something to tell the person (a new comment, a friend request accepted ...). */
export interface NotificationView {
  /** Unique id; writing the same id again replaces the notification. */
  readonly id: string;
  /** A short tag the UI chooses a text by, e.g. `comment`. */
  readonly kind: string;
  /** When it happened (ms since the epoch). */
  readonly createdAt: number;
  /** Whether the person has seen it. */
  readonly read: boolean;
  /** What the UI needs to render it. */
  readonly summary: JsonValue;
}

/**
 * One change to the views, as {@link ViewStore.writeViews} applies it: the same as the
 * one-change methods of the same name (`removePost` takes the post's items with it).
 */
export type ViewWrite =
  /**
   * `knownNew`: the writer read no view of this post (or it is its doc's first write), so a
   * store may place it without looking for an earlier one. A store stays whole if that is wrong.
   */
  | { readonly op: 'putPost'; readonly post: PostView; readonly knownNew?: true }
  | { readonly op: 'removePost'; readonly postId: string }
  | { readonly op: 'putItem'; readonly item: PostItemView }
  | { readonly op: 'removeItem'; readonly itemId: string }
  | { readonly op: 'putNotification'; readonly notification: NotificationView }
  /** `value` undefined deletes the setting. */
  | { readonly op: 'setSetting'; readonly key: string; readonly value: unknown };

/** Position in a newest-first list: items strictly older than it come next. */
export interface PageCursor {
  /** `createdAt` of the last item already shown. */
  readonly createdAt: number;
  /** Its id (post id or notification id): breaks ties between equal times. */
  readonly id: string;
}

/** Which page of a newest-first list to read. */
export interface PageRequest {
  /** Start after this position; omitted for the first page. */
  readonly before?: PageCursor;
  /** Items per page, 1 to `MAX_PAGE_SIZE`. */
  readonly limit: number;
}

/** One page of a newest-first list. */
export interface Page<T> {
  /** Newest first; ties in `createdAt` by id, descending. */
  readonly items: readonly T[];
  /** Where the next page starts, or null when nothing older is left. */
  readonly next: PageCursor | null;
}

/** Disk use by author (from the log summaries, not a scan) plus blobs. */
export interface StorageUsage {
  /** Entry bytes held per author, all devices together. */
  readonly byAuthor: ReadonlyMap<PersonId, number>;
  /** Bytes of all blobs. */
  readonly blobBytes: number;
}

/** Largest page a view read returns. */
export const MAX_PAGE_SIZE = 500;

/**
 * How a store keeps a device's private key (`peer/device-state.ts`): IndexedDB keeps a
 * non-extractable `CryptoKey` by structured clone, so its secret never reaches script; a store
 * that cannot hold a `CryptoKey` (Node, a folder) keeps the key's 32-byte seed.
 */
export type KeyForm = 'cryptokey' | 'bytes';

/**
 * Small named values: the device's own state (its key, certificate, handover), invite records,
 * signaling addresses. Every device needs them, a relay device included, so they sit beside the
 * log store rather than with the views.
 */
export interface SettingsStore {
  /** What a setting value may hold of a device key (see {@link KeyForm}). */
  readonly keyForm: KeyForm;
  /**
   * A setting, or undefined. Values are structured-cloneable (plain data, `Uint8Array`s, maps);
   * they may be `CryptoKey`s only when {@link keyForm} is `cryptokey`.
   */
  getSetting(key: string): Promise<unknown>;
  /** Writes a setting; `undefined` deletes it. */
  setSetting(key: string, value: unknown): Promise<void>;
}

/**
 * The log and blob store: what a relay device needs to replicate and serve logs and photos
 * without reading them (entries, ranges, chain links, forks, blobs, pruning, usage), and its
 * settings.
 */
export interface LogStore extends SettingsStore {
  /**
   * Stores verified entries in one transaction, with each log's summary. An entry already held
   * with the same hash is skipped; one held with another hash fails the whole batch with
   * `EntryConflictError` (forks are evidence, never stored as entries). Covers are applied in
   * the same transaction (`covers.ts`): covered entries lose their payload (v2) or become
   * placeholders (v1), held ones and new ones alike. Resolves to the new entries as stored (a
   * covered v2 entry without payload; a covered v1 entry not at all, only its placeholder):
   * what may be announced and relayed. A whole `StorageAdapter` also notes, in the same
   * transaction, that their views are owed (`ViewStore.owedEntries`).
   */
  putEntries(entries: readonly StoredEntry[]): Promise<StoredEntry[]>;
  /** The entry at (author, device, seq), if held (a placeholder is not an entry). */
  getEntry(author: PersonId, device: DeviceId, seq: number): Promise<StoredEntry | undefined>;
  /** The held entries with `fromSeq <= seq <= toSeq`, ascending (placeholders left out). */
  getEntries(
    author: PersonId,
    device: DeviceId,
    fromSeq: number,
    toSeq: number,
  ): Promise<StoredEntry[]>;
  /**
   * Every held entry of one author's doc that holds its payload, from all of the author's
   * devices (edits made on two devices merge), ordered by device then seq: what a doc is rebuilt
   * from (a covered entry adds nothing: the entry covering it holds its state). Entries at and
   * past a fork of their log (`forkSeq`) are left out: they stay held as evidence, never content.
   */
  getDocEntries(author: PersonId, docId: DocId): Promise<StoredEntry[]>;
  /** {@link getDocEntries} of many docs, in the order asked, in one transaction. */
  getManyDocsEntries(docs: readonly { author: PersonId; docId: DocId }[]): Promise<StoredEntry[][]>;
  /** Up to `limit` held entries of a log, newest first (recent-first sync). */
  getLatestEntries(author: PersonId, device: DeviceId, limit: number): Promise<StoredEntry[]>;
  /** The hash of the entry at (author, device, seq), if held or a placeholder (chain checks). */
  hashAt(author: PersonId, device: DeviceId, seq: number): Promise<EntryHash | undefined>;
  /**
   * The chain links held with `fromSeq <= seq <= toSeq`, ascending: entries and placeholders
   * (what the chain check of an incoming entry compares with).
   */
  getLinks(
    author: PersonId,
    device: DeviceId,
    fromSeq: number,
    toSeq: number,
  ): Promise<EntryLink[]>;
  /** The seq ranges held of a log (empty if none), from its summary record. */
  heldRanges(author: PersonId, device: DeviceId): Promise<SeqRange[]>;
  // Placeholders count as held in `heldRanges`, so sync never asks for a dropped v1 entry again.
  /** Every log held, with its summary. */
  listLogs(): Promise<LogSummary[]>;
  /**
   * Drops the entries of a log with `seq < keepFromSeq` (quota eviction of a friend-of-friend's
   * old window); `Infinity` drops the whole log and its summary.
   */
  pruneLog(author: PersonId, device: DeviceId, keepFromSeq: number): Promise<void>;

  /** Keeps proof of a fork; one piece of evidence per position is enough, later ones are ignored. */
  putForkEvidence(first: StoredEntry, second: StoredEntry): Promise<void>;
  /** All fork evidence held. */
  listForks(): Promise<StoredFork[]>;
  /** The lowest seq of a log with fork evidence, or undefined when the log is not forked. */
  forkSeq(author: PersonId, device: DeviceId): Promise<number | undefined>;

  /**
   * Stores a blob under its content hash (the caller computed it; the store does not). Writing a
   * hash already held changes nothing.
   */
  putBlob(hash: string, bytes: Uint8Array): Promise<void>;
  /** The blob's bytes, if held. */
  getBlob(hash: string): Promise<Uint8Array | undefined>;
  /** Whether the blob is held. */
  hasBlob(hash: string): Promise<boolean>;
  /** The blob's size in bytes, if held (without reading it). */
  blobSize(hash: string): Promise<number | undefined>;
  /**
   * Deletes the blobs held under these hashes (the photos of a deleted post: never served
   * again); hashes not held are skipped.
   */
  deleteBlobs(hashes: readonly string[]): Promise<void>;

  /** Disk use per author and for blobs, from summary records (no scan of entries). */
  usage(): Promise<StorageUsage>;

  /** Releases the database; later calls reject with `StoreClosedError`. */
  close(): Promise<void>;
}

/**
 * What a device that reads content adds to the log store: the views the materializer writes
 * (timeline, posts by author, comments and reactions, notifications).
 */
export interface ViewStore {
  /** Adds or replaces (same `postId`) posts on the timeline, in one transaction. */
  putPostViews(posts: readonly PostView[]): Promise<void>;
  /** Removes a post from the views, with its comments and reactions. */
  removePostView(postId: string): Promise<void>;
  /** The post, if in the views. */
  getPostView(postId: string): Promise<PostView | undefined>;
  /** The posts in the views, in the order asked (undefined where none), in one transaction. */
  getPostViews(postIds: readonly string[]): Promise<(PostView | undefined)[]>;
  /**
   * A page of the home timeline, newest first, read through an index: the posts
   * {@link onTimeline} keeps (a friend of a friend's post no one here answered is skipped).
   */
  timelinePage(request: PageRequest): Promise<Page<PostView>>;
  /** A page of one author's posts, newest first (a profile page), on the timeline or not. */
  authorPostsPage(author: PersonId, request: PageRequest): Promise<Page<PostView>>;
  /** Adds or replaces (same `itemId`) comments and reactions, in one transaction. */
  putPostItems(items: readonly PostItemView[]): Promise<void>;
  /** Removes one comment or reaction. */
  removePostItem(itemId: string): Promise<void>;
  /** A post's comments and reactions, oldest first (ties by id, ascending). */
  itemsByPost(postId: string): Promise<PostItemView[]>;

  /** Adds or replaces (same `id`) a notification. */
  putNotification(notification: NotificationView): Promise<void>;
  /** A page of notifications, newest first. */
  notificationsPage(request: PageRequest): Promise<Page<NotificationView>>;
  /** How many notifications are unread, counted through an index. */
  unreadCount(): Promise<number>;
  /** Marks these notifications read (unknown ids are ignored). */
  markRead(ids: readonly string[]): Promise<void>;

  /**
   * Applies view changes in order, in one transaction: all of them or, when one is malformed
   * (`StoreInputError`, checked before anything is written) or the write fails, none. What the
   * materializer writes a whole batch of entries' views with. Its `setSetting` changes go to the
   * settings of the log store it shares a database with, in the same transaction, and so does
   * forgetting the `settled` positions' owed views (the entries the batch materialized).
   */
  writeViews(writes: readonly ViewWrite[], settled?: readonly LogPosition[]): Promise<void>;

  /**
   * Entries stored whose views no `writeViews` has settled yet, up to `limit`, in log order
   * from just past `after` (from the start without it): a page closed or crashed between storing
   * entries and writing their views (two transactions), or entries still waiting for a key. The
   * peer materializes them when it opens, so a stored entry always reaches the screens.
   * Positions whose entry is no longer held (pruned, dropped whole by a cover) are forgotten.
   */
  owedEntries(limit: number, after?: LogPosition): Promise<StoredEntry[]>;
}

/** The storage of one person's Kith on one device: the log store and the views, in one database. */
export interface StorageAdapter extends LogStore, ViewStore {}

/**
 * The part of the store the kinds materialize through: the views they read and write. The
 * materializer hands them a batch (`peer/view-batch.ts`) that keeps the writes of a whole batch of
 * entries and writes them at its end with {@link ViewStore.writeViews}.
 */
export type KindStore = Pick<
  StorageAdapter,
  | 'getPostView'
  | 'putPostViews'
  | 'removePostView'
  | 'itemsByPost'
  | 'putPostItems'
  | 'removePostItem'
  | 'putNotification'
  | 'getSetting'
  | 'setSetting'
>;
