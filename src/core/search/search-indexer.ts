/**
 * Keeps the search index (`search-index.ts`) in step with the views, so it is never rebuilt at
 * start (design invariant 6):
 *
 * - live: every view change the store has written (`Peer.onViewWrites`) that touches a post, a
 *   comment or a profile is queued; the queue is applied in one batch a moment later (a sync that
 *   writes 500 posts makes one index commit, not 500);
 * - once per device: the views held before search existed (an upgraded device) are indexed in
 *   the background, a page of the timeline at a time, newest first, with a cursor stored after
 *   each page, so a reload resumes where it stopped and a finished catch-up never runs again.
 *
 * Only views are read: what this device could open and show (friends-only posts decrypted, like
 * the views themselves). Live batches and catch-up pages run one after another, never at once.
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
import type { SearchDoc, SearchIndex, SearchKey } from './search-index.ts';

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

/** How long live changes gather before they are applied in one batch (ms). */
export const LIVE_DELAY_MS = 250;

/** Most live changes gathered before a batch is applied without waiting. */
const MAX_QUEUED = 2_000;

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
  /** Runs `task` after `ms` (injected so tests need not wait on the wall clock). */
  readonly later?: (task: () => void, ms: number) => void;
}

/** The indexer (module doc). */
export class SearchIndexer {
  private queue: ViewWrite[] = [];
  private scheduled = false;
  private tail: Promise<void> = Promise.resolve();
  private readonly stop: () => void;
  private closed = false;

  constructor(private readonly options: SearchIndexerOptions) {
    this.stop = options.source.onViewWrites((writes) => this.take(writes));
  }

  /**
   * Indexes the views held before search existed, page by page from the stored cursor; resolves
   * when it has finished (at once when it finished on an earlier visit).
   */
  async catchUp(): Promise<void> {
    let cursor = (await this.options.cursor.read()) ?? { phase: 'posts', before: null, done: 0 };
    while (cursor.phase !== 'finished' && !this.closed) {
      const from = cursor;
      cursor = await this.run(() => this.catchUpStep(from));
      await this.options.cursor.write(cursor);
      this.options.onIndexed?.();
      this.options.onProgress?.({ done: cursor.done, finished: cursor.phase === 'finished' });
    }
  }

  /** Resolves once every change heard so far is in the index (committed). */
  async settled(): Promise<void> {
    if (this.queue.length > 0) await this.run(() => this.applyQueued());
    await this.tail;
  }

  /** Stops following the views (changes still queued are applied first). */
  async close(): Promise<void> {
    this.stop();
    await this.settled();
    this.closed = true;
  }

  private take(writes: readonly ViewWrite[]): void {
    const wanted = writes.filter(concernsSearch);
    if (wanted.length === 0) return;
    this.queue.push(...wanted);
    if (this.queue.length >= MAX_QUEUED) {
      void this.run(() => this.applyQueued());
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    const later = this.options.later ?? ((task, ms) => void setTimeout(task, ms));
    later(() => {
      this.scheduled = false;
      void this.run(() => this.applyQueued());
    }, LIVE_DELAY_MS);
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

  private async applyQueued(): Promise<void> {
    const writes = this.queue;
    this.queue = [];
    if (writes.length === 0) return;
    // The last change of each document wins; removals first, so a put after them stays.
    const latest = new Map<string, { put: SearchDoc } | { remove: SearchKey }>();
    for (const write of writes) {
      const change = changeOf(write);
      if (change) latest.set(change.id, change.change);
    }
    const removals: SearchKey[] = [];
    const puts: SearchDoc[] = [];
    for (const change of latest.values()) {
      if ('remove' in change) removals.push(change.remove);
      else puts.push(change.put);
    }
    await this.options.index.remove(removals);
    await this.options.index.put(puts);
    await this.options.index.commit();
    this.options.onIndexed?.();
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
        const text = postText(post);
        if (text) docs.push({ kind: 'post', post: post.postId, text });
        for (const item of await source.itemsByPost(post.postId)) {
          const comment = commentDoc(item);
          if (comment) docs.push(comment);
        }
      }
      await index.put(docs);
      await index.commit();
      const done = cursor.done + page.items.length;
      return page.next ? { phase: 'posts', before: page.next, done } : { phase: 'people', done };
    }
    const docs: SearchDoc[] = [];
    for (const person of await source.people()) {
      const name = await source.name(person);
      if (name) docs.push({ kind: 'person', person, name });
    }
    await index.put(docs);
    await index.commit();
    return { phase: 'finished', done: cursor.done };
  }
}

const PROFILE_PREFIX = profileViewKey('');

/** Whether a view change touches what search finds. */
function concernsSearch(write: ViewWrite): boolean {
  if (write.op === 'setSetting') return write.key.startsWith(PROFILE_PREFIX);
  return write.op !== 'putNotification';
}

/** The change a view write makes to the index, by the document's id; `null` for none. */
function changeOf(
  write: ViewWrite,
): { id: string; change: { put: SearchDoc } | { remove: SearchKey } } | null {
  switch (write.op) {
    case 'putPost': {
      const text = postText(write.post);
      const id = `p ${write.post.postId}`;
      // A post without words (photos only) has nothing to find; words it had go.
      if (!text) return { id, change: { remove: { kind: 'post', post: write.post.postId } } };
      return { id, change: { put: { kind: 'post', post: write.post.postId, text } } };
    }
    case 'removePost':
      return { id: `p ${write.postId}`, change: { remove: { kind: 'post', post: write.postId } } };
    case 'putItem': {
      if (write.item.kind !== 'comment') return null;
      const doc = commentDoc(write.item);
      const id = `c ${write.item.itemId}`;
      return doc
        ? { id, change: { put: doc } }
        : { id, change: { remove: { kind: 'comment', item: write.item.itemId } } };
    }
    case 'removeItem':
      return {
        id: `c ${write.itemId}`,
        change: { remove: { kind: 'comment', item: write.itemId } },
      };
    case 'setSetting': {
      const person = write.key.slice(PROFILE_PREFIX.length) as PersonId;
      const name = nameOf(write.value);
      const id = `u ${person}`;
      return name
        ? { id, change: { put: { kind: 'person', person, name } } }
        : { id, change: { remove: { kind: 'person', person } } };
    }
    case 'putNotification':
      return null;
  }
}

function postText(post: PostView): string | null {
  return textOf(post.summary);
}

function commentDoc(item: PostItemView): SearchDoc | null {
  if (item.kind !== 'comment') return null;
  const text = textOf(item.summary);
  return text ? { kind: 'comment', item: item.itemId, post: item.postId, text } : null;
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
