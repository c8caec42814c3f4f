/**
 * The views as one batch of entries changes them. The kinds read and write through it as through
 * the store; its writes stay in memory, in order, and reach the store at the end in one
 * transaction (`flush`, the store's `writeViews`): a batch of 500 posts costs one write
 * transaction instead of three per post, and a crash or a failed write leaves the views as they
 * were before the batch (its entries stay stored).
 *
 * Reads see the batch's own writes over what the store holds. Posts the batch will read can be
 * fetched ahead, all in one read (`fetch`), and a post whose doc's first write the batch
 * materializes is known absent (`absent`), so a new post costs no read at all, and its write
 * tells the store so (`knownNew`), which then places it without a look-up either.
 */
import type {
  NotificationView,
  PostItemView,
  PostView,
  StorageAdapter,
  KindStore,
  LogPosition,
  ViewWrite,
} from '../store/storage-adapter.ts';
import { checkId, checkNotification, checkPostItems, checkPostViews } from '../store/validate.ts';
import { createLogger } from '../log.ts';

const log = createLogger('kith:views');

/** View changes of one batch, kept until {@link ViewBatch.flush}. */
export class ViewBatch implements KindStore {
  private writes: ViewWrite[] = [];
  /** Posts as the batch left them: `null` where it removed one. */
  private readonly posts = new Map<string, PostView | null>();
  /** Posts read ahead from the store (`undefined`: none held). */
  private readonly fetched = new Map<string, PostView | undefined>();
  /** Comments and reactions as the batch left them: `null` where it removed one. */
  private readonly items = new Map<string, PostItemView | null>();
  /** Posts the batch removed: the items the store holds of them are gone with them. */
  private readonly cleared = new Set<string>();
  /** Settings the batch wrote (`undefined`: deleted). */
  private readonly settings = new Map<string, unknown>();

  /** `written` hears each change once the store holds it (the search index follows them). */
  constructor(
    private readonly store: StorageAdapter,
    private readonly written?: (writes: readonly ViewWrite[]) => void,
  ) {}

  /** Reads ahead, in one store read, the posts not yet known to the batch. */
  async fetch(postIds: readonly string[]): Promise<void> {
    const wanted = [...new Set(postIds)].filter(
      (id) => !this.posts.has(id) && !this.fetched.has(id),
    );
    if (wanted.length === 0) return;
    const got = await this.store.getPostViews(wanted);
    wanted.forEach((id, i) => this.fetched.set(id, got[i]));
  }

  /**
   * Notes posts the store cannot hold yet (their doc's first write is being materialized), so
   * reading them costs no store read. Posts the batch already knows are left as they are.
   */
  absent(postIds: readonly string[]): void {
    for (const id of postIds) {
      if (!this.posts.has(id) && !this.fetched.has(id)) this.fetched.set(id, undefined);
    }
  }

  /**
   * Writes every change kept, in one transaction. If the store refuses it, it is written again
   * change by change, so one change the store refuses (a row over an engine's limit) keeps out
   * only itself; the first refusal is thrown once the others are written. `settled` are the
   * positions of the entries the batch materialized: their owed views are forgotten with the
   * writes, in the same transaction.
   */
  async flush(settled: readonly LogPosition[] = []): Promise<void> {
    const writes = this.writes;
    this.writes = [];
    if (writes.length === 0 && settled.length === 0) return;
    try {
      await this.store.writeViews(writes, settled);
      this.written?.(writes);
      return;
    } catch (error) {
      log.warn('a batch of views was refused whole; writing it change by change', {
        changes: writes.length,
        error: String(error),
      });
    }
    let refused: { error: unknown } | undefined;
    for (const write of writes) {
      try {
        await this.store.writeViews([write]);
        this.written?.([write]);
      } catch (error) {
        refused ??= { error };
      }
    }
    // The entries are settled even so: a change the store refuses would be refused again.
    await this.store.writeViews([], settled);
    if (refused) throw refused.error;
  }

  async getPostView(postId: string): Promise<PostView | undefined> {
    const own = this.posts.get(postId);
    if (own !== undefined) return own ?? undefined;
    if (this.fetched.has(postId)) return this.fetched.get(postId);
    return this.store.getPostView(postId);
  }

  async putPostViews(posts: readonly PostView[]): Promise<void> {
    // Checked here, so a malformed view fails its own entry rather than the batch's write.
    checkPostViews(posts);
    for (const post of posts) {
      // Read ahead as absent and not written here before: the store need not look for it.
      const knownNew =
        !this.posts.has(post.postId) &&
        this.fetched.get(post.postId) === undefined &&
        this.fetched.has(post.postId);
      this.posts.set(post.postId, post);
      this.writes.push(knownNew ? { op: 'putPost', post, knownNew } : { op: 'putPost', post });
    }
  }

  async removePostView(postId: string): Promise<void> {
    checkId(postId, 'postId');
    this.posts.set(postId, null);
    this.cleared.add(postId);
    for (const [itemId, item] of this.items) {
      if (item?.postId === postId) this.items.delete(itemId);
    }
    this.writes.push({ op: 'removePost', postId });
  }

  async itemsByPost(postId: string): Promise<PostItemView[]> {
    const held = this.cleared.has(postId) ? [] : await this.store.itemsByPost(postId);
    const out = held.filter((item) => !this.items.has(item.itemId));
    for (const item of this.items.values()) if (item?.postId === postId) out.push(item);
    return out.sort(oldestFirst);
  }

  async putPostItems(items: readonly PostItemView[]): Promise<void> {
    checkPostItems(items);
    for (const item of items) {
      this.items.set(item.itemId, item);
      this.writes.push({ op: 'putItem', item });
    }
  }

  async removePostItem(itemId: string): Promise<void> {
    checkId(itemId, 'itemId');
    this.items.set(itemId, null);
    this.writes.push({ op: 'removeItem', itemId });
  }

  async putNotification(notification: NotificationView): Promise<void> {
    checkNotification(notification);
    this.writes.push({ op: 'putNotification', notification });
  }

  async getSetting(key: string): Promise<unknown> {
    if (this.settings.has(key)) return this.settings.get(key);
    return this.store.getSetting(key);
  }

  async setSetting(key: string, value: unknown): Promise<void> {
    checkId(key, 'setting key');
    this.settings.set(key, value);
    this.writes.push({ op: 'setSetting', key, value });
  }
}

/** The store's order of a post's items: oldest first, ties by id ascending. */
function oldestFirst(a: PostItemView, b: PostItemView): number {
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  return a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0;
}
