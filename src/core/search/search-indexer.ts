/**
 * Keeps the search index (`search-index.ts`) in step with the views, so it is never rebuilt at
 * start (design invariant 6), and off the path that writes the views:
 *
 * - live: every batch of view changes the store has written (`Peer.onViewWrites`) that touches a
 *   post, a comment or a profile is turned into index changes and queued on disk, one record per
 *   batch (`SearchIndex.enqueue`): that is all the write path pays. The queue is indexed later,
 *   when the page is idle, in bounded batches ({@link BATCH} changes, one transaction each, which
 *   also takes them off the queue), so a long sync never waits for the index and a closed tab
 *   resumes the queue where it stopped. While views are being written without pause (a long
 *   sync), the queue waits until they pause for {@link QUIET_MS}, but no change waits more than
 *   {@link MAX_WAIT_MS}: the index's writes share IndexedDB with the sync's, and indexing beside
 *   a sync of 100,000 posts made it about 40 % slower (issue 23). `onBehind` says when the index
 *   is held back so, for the search screen to tell;
 * - once per device: the views held before the index existed (an upgraded device) are indexed in
 *   the background, a page of the timeline at a time, newest first, with a cursor stored after
 *   each page, so a reload resumes where it stopped and a finished catch-up never runs again.
 *
 * Only views are read: what this device could open and show (friends-only posts decrypted, like
 * the views themselves). Queue batches and catch-up pages run one after another, never at once.
 */
import type { PersonId } from '../ids.ts';
import { profileViewKey } from '../kinds/profile.ts';
import { createLogger } from '../log.ts';
import type {
  Page,
  PageCursor,
  PageRequest,
  PostItemView,
  PostView,
  ViewWrite,
} from '../store/storage-adapter.ts';
import type { SearchChange, SearchDoc, SearchIndex } from './search-index.ts';

const log = createLogger('kith:search');

/** What the indexer reads of the core: the views and their changes. */
export interface SearchSource {
  /** `Peer.onViewWrites`. */
  onViewWrites(listener: (writes: readonly ViewWrite[]) => void): () => void;
  /** A page of the home timeline (every post this device shows), newest first. */
  timelinePage(request: PageRequest): Promise<Page<PostView>>;
  /** A post's comments and reactions. */
  itemsByPost(postKey: string): Promise<PostItemView[]>;
  /** The people whose profile this device may hold (the authors of the logs it holds). */
  people(): Promise<PersonId[]>;
  /** A person's name as their profile view gives it, or `null`. */
  name(person: PersonId): Promise<string | null>;
}

/** Where the one-time catch-up stands, kept beside the index. */
export type CatchUpCursor =
  | { readonly phase: 'posts'; readonly before: PageCursor | null; readonly done: number }
  | { readonly phase: 'people'; readonly done: number }
  | { readonly phase: 'finished'; readonly done: number };

/** Where the catch-up cursor is kept (a small store beside the index). */
export interface CursorStore {
  read(): Promise<CatchUpCursor | undefined>;
  write(cursor: CatchUpCursor): Promise<void>;
}

/** Posts read per catch-up page. */
export const CATCH_UP_PAGE = 200;
/** How long live changes gather before the queue is indexed (ms). */
export const LIVE_DELAY_MS = 250;
/** How long view writes must pause before queued changes are indexed (ms). */
export const QUIET_MS = 1_000;
/** Longest a queued change waits for that pause (ms): then it is indexed whatever is written. */
export const MAX_WAIT_MS = 120_000;
/**
 * Changes indexed per transaction: bounds the main thread's work of one batch (words cut, a
 * few requests each) so the page stays responsive while a long sync is indexed.
 */
export const BATCH = 250;

/** What {@link SearchIndexer} is made of. */
export interface SearchIndexerOptions {
  readonly index: SearchIndex;
  readonly source: SearchSource;
  readonly cursor: CursorStore;
  /** Told how many posts the catch-up has indexed so far, and whether it has finished. */
  readonly onProgress?: (progress: { readonly done: number; readonly finished: boolean }) => void;
  /** Told after each batch of changes is in the index (a search shown may answer anew). */
  readonly onIndexed?: () => void;
  /** Posts per catch-up page (default {@link CATCH_UP_PAGE}). */
  readonly pageSize?: number;
  /**
   * Runs `task` after `ms`, once the page is idle (injected so tests need not wait on the wall
   * clock; default: a timer, then `requestIdleCallback` where there is one).
   */
  readonly later?: (task: () => void, ms: number) => void;
  /** The clock the pauses are measured on (ms; default `Date.now`). */
  readonly now?: () => number;
  /**
   * Told `true` when queued changes are held back by writes that do not pause, `false` once the
   * queue is indexed.
   */
  readonly onBehind?: (behind: boolean) => void;
}

/** The indexer (module doc). */
export class SearchIndexer {
  private scheduled = false;
  /** The queue's writes, in order: `settled` waits for them. */
  private queued: Promise<void> = Promise.resolve();
  private tail: Promise<void> = Promise.resolve();
  private readonly stop: () => void;
  private closed = false;
  /** When views were last written, and when the oldest change not yet indexed was heard. */
  private lastWrite = -Infinity;
  private oldestWaiting: number | undefined;
  /** Batches of changes heard so far: the queue is known empty only if none came meanwhile. */
  private heard = 0;
  private behind = false;

  constructor(private readonly options: SearchIndexerOptions) {
    this.stop = options.source.onViewWrites((writes) => this.take(writes));
    // What an earlier visit queued and did not index yet.
    this.schedule(LIVE_DELAY_MS);
  }

  /**
   * Indexes the views held before search existed, page by page from the stored cursor; resolves
   * when it has finished (at once when it finished on an earlier visit).
   */
  async catchUp(): Promise<void> {
    let cursor = (await this.options.cursor.read()) ?? { phase: 'posts', before: null, done: 0 };
    while (cursor.phase !== 'finished' && !this.closed) {
      // A page at a time, each when the page is idle: the screens come first.
      await new Promise<void>((resolve) => (this.options.later ?? whenIdle)(resolve, 0));
      const from = cursor;
      cursor = await this.run(() => this.catchUpStep(from));
      await this.options.cursor.write(cursor);
      this.options.onIndexed?.();
      this.options.onProgress?.({ done: cursor.done, finished: cursor.phase === 'finished' });
    }
  }

  /** Resolves once every change heard so far is in the index. */
  async settled(): Promise<void> {
    await this.queued;
    const heard = this.heard;
    while (await this.run(() => this.indexQueued())) {
      // Batch after batch until the queue is empty.
    }
    await this.tail;
    this.drained(heard);
  }

  /** Stops following the views; what is queued stays queued for the next start. */
  async close(): Promise<void> {
    this.stop();
    this.closed = true;
    await this.queued;
    await this.tail;
  }

  private take(writes: readonly ViewWrite[]): void {
    const changes = latestChanges(writes);
    if (changes.length === 0) return;
    const now = this.now();
    this.lastWrite = now;
    this.oldestWaiting ??= now;
    this.heard++;
    // Records of at most a batch each: the writes held before search loaded come at once.
    for (let i = 0; i < changes.length; i += BATCH) {
      const part = changes.slice(i, i + BATCH);
      this.queued = this.queued
        .then(() => this.options.index.enqueue(part))
        .catch((error: unknown) =>
          log.error('search changes not queued', { error: String(error) }),
        );
    }
    void this.queued.then(() => this.schedule(LIVE_DELAY_MS));
  }

  /** Indexes the queue a batch at a time, each batch in a task of its own when idle. */
  private schedule(ms: number): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    const later = this.options.later ?? whenIdle;
    later(() => {
      this.scheduled = false;
      if (this.closed) return;
      const wait = this.holdBack();
      if (wait > 0) {
        // Behind once changes wait past a pause: a lone post waits one pause and says nothing.
        if (this.now() - this.oldestWaiting! >= QUIET_MS) this.setBehind(true);
        this.schedule(wait);
        return;
      }
      const heard = this.heard;
      void this.run(() => this.indexQueued()).then((more) => {
        if (more) this.schedule(0);
        else this.drained(heard);
      });
    }, ms);
  }

  /** How much longer the queue waits for view writes to pause (ms; 0: index now). */
  private holdBack(): number {
    if (this.oldestWaiting === undefined) return 0;
    const now = this.now();
    const pause = this.lastWrite + QUIET_MS - now;
    const limit = this.oldestWaiting + MAX_WAIT_MS - now;
    return Math.max(0, Math.min(pause, limit));
  }

  /** The queue was found empty: nothing waits any more, unless changes came since `heard`. */
  private drained(heard: number): void {
    if (heard !== this.heard) return;
    this.oldestWaiting = undefined;
    this.setBehind(false);
  }

  private setBehind(behind: boolean): void {
    if (behind === this.behind) return;
    this.behind = behind;
    this.options.onBehind?.(behind);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Runs `task` after every task before it; a failure is logged and the next task still runs. */
  private run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.then(
      () => undefined,
      (error: unknown) => log.error('search index not updated', { error: String(error) }),
    );
    return result;
  }

  /** Indexes one batch of the queue; whether there was one. */
  private async indexQueued(): Promise<boolean> {
    const { index } = this.options;
    const { changes, records } = await index.pending(BATCH);
    if (records.length === 0) return false;
    // The last change of each document wins.
    const latest = new Map<string, SearchChange>();
    for (const change of changes) {
      const id = changeId(change);
      latest.delete(id);
      latest.set(id, change);
    }
    await index.apply([...latest.values()], records);
    this.options.onIndexed?.();
    return true;
  }

  private async catchUpStep(cursor: CatchUpCursor): Promise<CatchUpCursor> {
    const { index, source } = this.options;
    if (cursor.phase === 'posts') {
      const page = await source.timelinePage({
        ...(cursor.before ? { before: cursor.before } : {}),
        limit: this.options.pageSize ?? CATCH_UP_PAGE,
      });
      const docs: SearchDoc[] = [];
      for (const post of page.items) {
        const doc = postDoc(post);
        if (doc) docs.push(doc);
        for (const item of await source.itemsByPost(post.postId)) {
          const comment = commentDoc(item);
          if (comment) docs.push(comment);
        }
      }
      await index.apply(docs.map((put) => ({ put })));
      const done = cursor.done + page.items.length;
      return page.next ? { phase: 'posts', before: page.next, done } : { phase: 'people', done };
    }
    const docs: SearchDoc[] = [];
    for (const person of await source.people()) {
      const name = await source.name(person);
      if (name) docs.push({ kind: 'person', person, name });
    }
    await index.apply(docs.map((put) => ({ put })));
    return { phase: 'finished', done: cursor.done };
  }
}

/** A timer, then the next idle moment of the page (at most a second later). */
function whenIdle(task: () => void, ms: number): void {
  const idle = (globalThis as { requestIdleCallback?: (task: () => void, o: object) => void })
    .requestIdleCallback;
  setTimeout(() => (idle ? idle(task, { timeout: 1_000 }) : task()), ms);
}

/** The index changes of a batch of view writes, the last of each document only. */
function latestChanges(writes: readonly ViewWrite[]): SearchChange[] {
  const latest = new Map<string, SearchChange>();
  for (const write of writes) {
    const change = changeOf(write);
    if (!change) continue;
    const id = changeId(change);
    latest.delete(id);
    latest.set(id, change);
  }
  return [...latest.values()];
}

/** The id of the document a change concerns. */
function changeId(change: SearchChange): string {
  const doc = 'put' in change ? change.put : change.remove;
  switch (doc.kind) {
    case 'person':
      return `u ${doc.person}`;
    case 'post':
      return `p ${doc.post}`;
    case 'comment':
      return `c ${doc.item}`;
  }
}

const PROFILE_PREFIX = profileViewKey('');

/** The change a view write makes to the index; `null` for none. */
function changeOf(write: ViewWrite): SearchChange | null {
  switch (write.op) {
    case 'putPost': {
      const doc = postDoc(write.post);
      // A post without words (photos only) has nothing to find; words it had go.
      return doc ? { put: doc } : { remove: { kind: 'post', post: write.post.postId } };
    }
    case 'removePost':
      return { remove: { kind: 'post', post: write.postId } };
    case 'putItem': {
      if (write.item.kind !== 'comment') return null;
      const doc = commentDoc(write.item);
      return doc ? { put: doc } : { remove: { kind: 'comment', item: write.item.itemId } };
    }
    case 'removeItem':
      return { remove: { kind: 'comment', item: write.itemId } };
    case 'setSetting': {
      if (!write.key.startsWith(PROFILE_PREFIX)) return null;
      const person = write.key.slice(PROFILE_PREFIX.length) as PersonId;
      const name = nameOf(write.value);
      return name
        ? { put: { kind: 'person', person, name } }
        : { remove: { kind: 'person', person } };
    }
    case 'putNotification':
      return null;
  }
}

function postDoc(post: PostView): SearchDoc | null {
  const text = textOf(post.summary);
  return text ? { kind: 'post', post: post.postId, at: post.createdAt, text } : null;
}

function commentDoc(item: PostItemView): SearchDoc | null {
  if (item.kind !== 'comment') return null;
  const text = textOf(item.summary);
  return text
    ? { kind: 'comment', item: item.itemId, post: item.postId, at: item.createdAt, text }
    : null;
}

/** The `text` of a view's summary, if it has words. */
function textOf(summary: unknown): string | null {
  if (typeof summary !== 'object' || summary === null) return null;
  const text = (summary as { text?: unknown }).text;
  return typeof text === 'string' && text.trim() !== '' ? text : null;
}

/** The `name` of a profile view, if any. */
function nameOf(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const name = (value as { name?: unknown }).name;
  return typeof name === 'string' && name.trim() !== '' ? name : null;
}
