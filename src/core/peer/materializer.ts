/**
 * Turns stored entries into what the screens read: timeline rows, comments and reactions by
 * post, notifications, profiles, the friend list. Own entries and received ones take the same
 * path. An entry whose key has not arrived yet waits (in memory) and is retried when it does:
 * recent-first sync may deliver a post before the epoch record that opens it.
 */
import {
  MAX_SEQ,
  EntryDecodeError,
  decodeEntry,
  entryHasPayload,
  type Entry,
} from '../feed/entry-codec.ts';
import type { VerifiedEntry } from '../feed/entry-verifier.ts';
import { parsePostKey, type DocId, type EntryHash, type PersonId, type PostId } from '../ids.ts';
import type { FriendRecord } from '../docs/small-docs.ts';
import type { SymmetricKey } from '../crypto/aead.ts';
import type { Answering, DocKind, KeyPort, Opened, ViewPort } from '../kinds/kind.ts';
import { postSummary } from '../kinds/post.ts';
import { answerersOf } from '../kinds/reach.ts';
import {
  docIdOf,
  kindOf,
  rankOf,
  refOf,
  replyOfItem,
  resolveRef,
  DocRefError,
  Tagged,
  type DocRef,
} from '../kinds/registry.ts';
import { createLogger } from '../log.ts';
import type { ForkedLog } from '../store/forks.ts';
import {
  MAX_PAGE_SIZE,
  type JsonValue,
  type PageCursor,
  type PostView,
  type StorageAdapter,
  type StoredEntry,
  type KindStore,
  type ViewWrite,
} from '../store/storage-adapter.ts';
import type { DocCache } from './doc-cache.ts';
import type { Keyring } from './keyring.ts';
import type { PayloadOpener } from './payloads.ts';
import { ViewBatch } from './view-batch.ts';

const log = createLogger('kith:views');

/**
 * The entry `stored` holds, decoded: ingest hands over the entries it verified as decoded
 * (`sync/ingest.ts` `asDecoded`, marked `verified`), which are not decoded a second time.
 */
function decodedOf(stored: StoredEntry): Entry {
  return isDecoded(stored) && stored.payload !== undefined ? stored : decodeEntry(stored.bytes);
}

function isDecoded(stored: StoredEntry): stored is StoredEntry & VerifiedEntry {
  return 'verified' in stored;
}

/** Most entries kept waiting for a key; beyond it the oldest are dropped (they stay stored). */
const MAX_WAITING = 10_000;

/**
 * Most entries whose views are written in one transaction: bounds what a batch holds in memory
 * (its writes, the docs' entries read ahead) when a whole history is applied at once.
 */
export const MAX_VIEW_BATCH = 512;

/** Most updates of this device's own writes remembered until their entry is materialized. */
const MAX_WRITTEN = 64;

/**
 * How far ahead of this device's clock a date written by someone else may be (clocks differ a
 * little). A later `createdAt` is clamped to it when first seen, so a post dated in the year 2100
 * does not stay on top of the timeline.
 */
export const MAX_CLOCK_SKEW = 5 * 60 * 1000;

/**
 * How entries come to {@link Materializer.apply}: `stored`, just stored or owed since the last
 * close (no view of them was ever written, so a doc's first write finds neither a view nor an
 * earlier entry of its doc); `again`, applied once more (a new friend's history, a fork, an entry
 * released by its key or shown again), where a view may already be held.
 */
export type ApplyOrigin = 'stored' | 'again';

/** What the materializer needs from the rest of the peer. */
export interface MaterializerContext {
  readonly me: PersonId;
  readonly store: StorageAdapter;
  readonly keyring: Keyring;
  readonly docs: DocCache;
  readonly opener: PayloadOpener;
  /** Whether `person` is a friend (their posts go on the timeline). */
  isFriend(person: PersonId): boolean;
  /** Called with the friend list whenever this person's own `friends` doc changes. */
  onFriends(friends: ReadonlyMap<string, FriendRecord>): void;
  /**
   * Called when someone else's reply to one of my posts was read: the author may re-publish it
   * (the republisher decides whether and how often).
   */
  republish(entry: StoredEntry, answered: Answering): Promise<void>;
  /** Entries embedded in a thread doc, to be verified and stored like any received entry. */
  reingest(bytes: Uint8Array): Promise<void>;
  /** Blobs to fetch now rather than when first shown (a friend's profile pictures). */
  prefetch(ids: readonly string[]): Promise<void>;
  /** Photos post `letGo` no longer shows: deleted from the store unless shown elsewhere. */
  dropPhotos(ids: readonly string[], letGo: string): Promise<void>;
  /** This device's time (dates written by others are clamped to it plus {@link MAX_CLOCK_SKEW}). */
  now(): number;
  /** Told of the view changes of a batch once they are written (the search index follows them). */
  viewsWritten?(writes: readonly ViewWrite[]): void;
}

/**
 * Keeps the views in step with the stored entries, a batch at a time: the entries of one `apply`
 * (up to {@link MAX_VIEW_BATCH}) read ahead the docs and post views they need, each payload is
 * opened once, and every view they change is written at the end in one transaction
 * (`view-batch.ts`).
 */
export class Materializer {
  private readonly waiting = new Map<string, StoredEntry[]>();
  private waitingCount = 0;
  /** What the kind modules materialize through. */
  private readonly views: ViewPort;
  /** The batch being materialized, which nested applies (released entries) join. */
  private batch: BatchState | null = null;
  /** Updates this device wrote, by their entry's hash: their entries need no opening. */
  private readonly written = new Map<EntryHash, Uint8Array>();

  constructor(private readonly ctx: MaterializerContext) {
    const viewsNow = (): KindStore => this.batch?.views ?? ctx.store;
    this.views = {
      me: ctx.me,
      get store() {
        return viewsNow();
      },
      isFriend: (person) => ctx.isFriend(person),
      onFriends: (friends) => ctx.onFriends(friends),
      conversations: ctx.keyring.conversations,
      lists: ctx.keyring.lists,
      learnEpoch: (author, device, epoch, record): Promise<SymmetricKey | null> =>
        ctx.keyring.learnEpoch(author, device, epoch, record),
      doc: (author, docId) => ctx.docs.get(author, docId),
      republish: (entry, answered) => ctx.republish(entry, answered),
      reingest: (bytes) => ctx.reingest(bytes),
      prefetch: (ids) => ctx.prefetch(ids),
      dropPhotos: (ids, letGo) => ctx.dropPhotos(ids, letGo),
      trustedTime: (written, shown) => this.trustedTime(written, shown),
      mentioned: (n) => this.mentioned(n),
      wait: (key, stored) => this.wait(key, stored),
      release: (key) => this.release(key),
      apply: (entries) => this.apply(entries),
      replyTagOf: (post) => ctx.keyring.replyTagOf(post.postAuthor, post.postId),
      reapplyReply: (itemId, postAuthor, postId) => this.reapplyReply(itemId, postAuthor, postId),
    };
  }

  /**
   * Updates the views for newly stored entries (key records first, so posts can open). One
   * entry whose view cannot be written does not keep the others out: the batch goes on, and the
   * first failure is thrown once it is done (the entries stay stored; the caller reports it).
   * An entry without its payload (covered, entries v2) changes no view: the entry that covered
   * it holds its doc's whole state.
   */
  async apply(entries: readonly StoredEntry[], origin: ApplyOrigin = 'again'): Promise<void> {
    const ordered = inOrder(entries);
    // Entries released within a batch (their key arrived in it) join it.
    if (this.batch) return this.applyIn(this.batch, ordered, origin);
    let failed: { error: unknown } | undefined;
    for (let i = 0; i < ordered.length; i += MAX_VIEW_BATCH) {
      const batch = this.newBatch();
      this.batch = batch;
      try {
        await this.applyIn(batch, ordered.slice(i, i + MAX_VIEW_BATCH), origin);
      } catch (error) {
        failed ??= { error };
      } finally {
        this.batch = null;
      }
      try {
        await batch.views.flush(batch.settled);
      } catch (error) {
        log.warn('views of a batch not written', { error: String(error) });
        failed ??= { error };
      }
    }
    if (failed) throw failed.error;
  }

  /**
   * Notes the update of an entry this device just wrote, so materializing that entry neither
   * opens its payload again nor reads its doc (own writes take no round trip through the store).
   */
  wrote(hash: EntryHash, update: Uint8Array): void {
    this.written.set(hash, update);
    if (this.written.size > MAX_WRITTEN) {
      this.written.delete(this.written.keys().next().value as EntryHash);
    }
  }

  /** Materializes entries (in rank order) into `batch`; the first failure is thrown at the end. */
  private async applyIn(
    batch: BatchState,
    ordered: readonly StoredEntry[],
    origin: ApplyOrigin,
  ): Promise<void> {
    await this.readAhead(batch, ordered, origin);
    const failures: unknown[] = [];
    for (const stored of ordered) {
      batch.waited.delete(stored.hash);
      try {
        await this.one(stored, batch);
        if (!batch.waited.has(stored.hash) || !this.ownOrFriends(stored.author)) {
          batch.settled.push(stored);
        }
      } catch (error) {
        batch.settled.push(stored);
        log.warn('view not updated for an entry', { docId: stored.docId, error: String(error) });
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
  }

  /**
   * Reads what the entries' views will read, for all of them at once: the stored entries of each
   * doc not open and the post views their kinds name (one read each). A doc's first write just
   * stored reads neither: its doc is its own update, and no view of it is held yet.
   */
  private async readAhead(
    batch: BatchState,
    ordered: readonly StoredEntry[],
    origin: ApplyOrigin,
  ): Promise<void> {
    const posts: string[] = [];
    const docs = new Map<string, { author: PersonId; docId: DocId }>();
    for (const stored of ordered) {
      const ref = refOf(stored.docId);
      // A reply named by its post's reply tag is read once its tag resolves, not ahead.
      if (!ref || ref instanceof Tagged) continue;
      const kind = kindOf(ref);
      if (kind.shape !== 'doc') continue;
      const key = docKey(stored.author, stored.docId);
      const reads = kind.viewsRead?.(stored.author, ref) ?? [];
      if (origin === 'stored' && !batch.docs.has(key) && this.isFirstWrite(kind, stored, batch)) {
        batch.docs.set(key, [stored]);
        batch.views.absent(reads);
        continue;
      }
      posts.push(...reads);
      if (batch.docs.has(key) || this.written.has(stored.hash)) continue;
      if (this.ctx.docs.isOpen(stored.author, stored.docId)) continue;
      docs.set(key, { author: stored.author, docId: stored.docId });
    }
    const [held] = await Promise.all([
      this.ctx.store.getManyDocsEntries([...docs.values()]),
      batch.views.fetch(posts),
    ]);
    [...docs.keys()].forEach((key, i) => batch.docs.set(key, held[i] ?? []));
  }

  /** Re-reads every stored post doc of `author` (after they became a friend). */
  async refreshAuthor(author: PersonId): Promise<void> {
    for (const log of await this.ctx.store.listLogs()) {
      if (log.author !== author) continue;
      for (const range of log.ranges) {
        await this.apply(
          await this.ctx.store.getEntries(log.author, log.device, range.start, range.end),
        );
      }
    }
  }

  /**
   * Rebuilds the views of every doc a forked log wrote to at and past its fork from what the
   * store still gives out (entries before the fork, other devices' entries): neither history
   * past the fork shows. A doc with nothing left loses its view.
   */
  async dropPastFork(fork: ForkedLog): Promise<void> {
    const past = await this.ctx.store.getEntries(fork.author, fork.device, fork.seq, MAX_SEQ);
    for (const docId of new Set(past.map((e) => e.docId))) {
      this.ctx.docs.forget(fork.author, docId);
      const left = await this.ctx.store.getDocEntries(fork.author, docId);
      if (left.length > 0) {
        await this.apply(left);
        continue;
      }
      const parsed = refOf(docId);
      const ref = parsed && (await resolveRef(parsed, this.ctx.keyring));
      if (!ref || 'wait' in ref) continue;
      const kind = kindOf(ref);
      if (kind.shape === 'doc') await kind.forget?.(fork.author, ref, this.views);
    }
  }

  /**
   * Takes an author's posts off the timeline (after they stopped being a friend). Their public
   * posts stay on their profile as a friend of a friend's (`kinds/reach.ts`), with the answers
   * held: on the timeline only while someone here answered them.
   */
  async dropAuthorPosts(author: PersonId): Promise<void> {
    const { store } = this.ctx;
    const counts = (person: PersonId) => person === this.ctx.me || this.ctx.isFriend(person);
    for (const post of await this.postViewsOf(author)) {
      if (post.via) continue;
      const write: ViewWrite =
        postSummary(post).audience === 'public'
          ? { op: 'putPost', post: { ...post, via: await answerersOf(store, post.postId, counts) } }
          : { op: 'removePost', postId: post.postId };
      await store.writeViews([write]);
      this.ctx.viewsWritten?.([write]);
    }
  }

  /**
   * Takes away the views of `author`'s posts and profile of which no entry is held any more: a
   * friend of a friend's window log was trimmed (`sync/sync-engine.ts`), or dropped when they
   * were blocked (`blocking.ts`). A doc some entry of which is still held keeps its view, and
   * the profile's with `keepProfile`.
   */
  async dropUnheld(author: PersonId, keepProfile = false): Promise<void> {
    const docIds = [
      ...(keepProfile ? [] : [docIdOf({ kind: 'profile' })]),
      ...(await this.postViewsOf(author)).map((post) =>
        docIdOf({ kind: 'post', postId: parsePostKey(post.postId).postId }),
      ),
    ];
    const held = await this.ctx.store.getManyDocsEntries(
      docIds.map((docId) => ({ author, docId })),
    );
    const batch = this.newBatch();
    this.batch = batch;
    try {
      for (const [i, docId] of docIds.entries()) {
        if ((held[i]?.length ?? 0) > 0) continue;
        this.ctx.docs.forget(author, docId);
        const parsed = refOf(docId);
        if (!parsed || parsed instanceof Tagged) continue;
        const kind = kindOf(parsed);
        if (kind.shape === 'doc') await kind.forget?.(author, parsed, this.views);
      }
    } finally {
      this.batch = null;
    }
    await batch.views.flush();
  }

  /** Every post view of `author`, newest first. */
  private async postViewsOf(author: PersonId): Promise<PostView[]> {
    const posts: PostView[] = [];
    for (let before: PageCursor | null | undefined; before !== null;) {
      const page = await this.ctx.store.authorPostsPage(author, {
        limit: MAX_PAGE_SIZE,
        ...(before ? { before } : {}),
      });
      posts.push(...page.items);
      before = page.next;
    }
    return posts;
  }

  /** A batch to write views in (`apply`'s, or the views a drop takes away). */
  private newBatch(): BatchState {
    const views = new ViewBatch(this.ctx.store, (writes) => this.ctx.viewsWritten?.(writes));
    const { keyring } = this.ctx;
    return {
      views,
      // The content keys its posts open with are kept with its views, in their transaction.
      keys: {
        epochKeys: (author, epoch) => keyring.epochKeys(author, epoch),
        newestEpoch: (author) => keyring.newestEpoch(author),
        contentKey: (author, postId) => keyring.contentKey(author, postId),
        setContentKey: (author, postId, key) => keyring.setContentKey(author, postId, key, views),
        postOfTag: (tag) => keyring.postOfTag(tag),
        conversations: keyring.conversations,
        lists: keyring.lists,
      },
      docs: new Map(),
      decoded: new Map(),
      opened: new Map(),
      settled: [],
      waited: new Set(),
    };
  }

  private async one(stored: StoredEntry, batch: BatchState): Promise<void> {
    const parsed = refOf(stored.docId);
    if (!parsed) {
      log.warn('entry for an unknown doc', { docId: stored.docId });
      return;
    }
    // A reply naming its post by a reply tag waits until this device knows the tag's post.
    const ref = await resolveRef(parsed, this.ctx.keyring);
    if ('wait' in ref) return this.wait(ref.wait, stored);
    const entry = batch.decoded.get(stored.hash) ?? decodedOf(stored);
    const kind = kindOf(ref);
    if (kind.shape === 'record') return kind.take(entry, ref, this.views, stored);
    const admission = (await kind.admit?.(entry, ref, this.views)) ?? 'read';
    if (admission === 'refuse') return;
    if (admission !== 'read') return this.wait(admission.wait, stored);
    const update = await this.opened(entry, ref, stored, batch);
    if (update.kind === 'waiting') return this.wait(update.key, stored);
    if (update.kind === 'unreadable') {
      log.debug('entry not readable here', { docId: stored.docId, reason: update.reason });
      return;
    }
    batch.opened.set(stored.hash, update.update);
    this.ctx.docs.applyIfOpen(entry.author, entry.docId, update.update);
    const doc = await this.ctx.docs.get(entry.author, entry.docId, {
      entries: batch.docs.get(docKey(entry.author, entry.docId)),
      opened: batch.opened,
    });
    await kind.view({ ref, stored, entry, doc }, this.views);
  }

  /**
   * Whether `stored` is its doc's first write, told by its kind: each write of a kind that
   * `coversEarlier` covers the doc's earlier entries, so one covering nothing is the first (a v1
   * entry covers nothing whatever it follows). The entry is decoded here once for the batch; one
   * that does not decode takes the usual path, which reports it.
   */
  private isFirstWrite(
    kind: DocKind<{ readonly kind: string }>,
    stored: StoredEntry,
    batch: BatchState,
  ): boolean {
    if (!kind.coversEarlier) return false;
    let entry: Entry;
    try {
      entry = decodedOf(stored);
    } catch (error) {
      if (error instanceof EntryDecodeError) return false;
      throw error;
    }
    batch.decoded.set(stored.hash, entry);
    return entry.version === 2 && entry.covers.length === 0;
  }

  /** The entry's update: as this device wrote it, or opened from its payload. */
  private async opened(
    entry: Entry,
    ref: DocRef,
    stored: StoredEntry,
    batch: BatchState,
  ): Promise<Opened> {
    const own = this.written.get(stored.hash);
    if (!own) return this.ctx.opener.open(entry, ref, batch.keys);
    this.written.delete(stored.hash);
    return { kind: 'update', update: own };
  }

  /**
   * A date written by someone else, as far as this device trusts it: never later than its own
   * clock plus {@link MAX_CLOCK_SKEW}, nor later than what the view already shows (`shown`), so
   * a clamped date stays put when the entry is applied again later.
   */
  private trustedTime(written: number, shown: number | undefined): number {
    return Math.min(written, shown ?? Number.POSITIVE_INFINITY, this.ctx.now() + MAX_CLOCK_SKEW);
  }

  /**
   * Stores a mention notification once: its id is stable per post or comment, and a marker
   * setting remembers it was made, so an edit, a re-sync or a re-publish of the same text does
   * not bring it back (nor mark it unread again) after the person has seen it.
   */
  private async mentioned(n: { id: string; createdAt: number; summary: JsonValue }): Promise<void> {
    const marker = `view/notified/${n.id}`;
    const { store } = this.views;
    if ((await store.getSetting(marker)) !== undefined) return;
    await store.putNotification({ ...n, kind: 'mention', read: false });
    await store.setSetting(marker, true);
  }

  /** Applies again the stored entries of a reply the author no longer hides. */
  private async reapplyReply(itemId: string, postAuthor: PersonId, postId: PostId): Promise<void> {
    let reply: ReturnType<typeof replyOfItem>;
    try {
      reply = replyOfItem(itemId, { postAuthor, postId });
    } catch (error) {
      if (error instanceof DocRefError) return;
      throw error;
    }
    // Its doc names the post in clear, or (from opaque ids on) by the post's reply tag.
    const tag = await this.ctx.keyring.replyTagOf(postAuthor, postId);
    const named = tag ? [reply.ref, { ...reply.ref, tag }] : [reply.ref];
    for (const ref of named) {
      await this.apply(await this.ctx.store.getDocEntries(reply.writer, docIdOf(ref)));
    }
  }

  /**
   * Whether an entry of `author` left waiting stays owed across a reload. Someone else's waits
   * in memory only: becoming a friend re-reads all they wrote (`refreshAuthor`), and their
   * friends-only posts, never opened here, would otherwise be tried again at every start.
   */
  private ownOrFriends(author: PersonId): boolean {
    return author === this.ctx.me || this.ctx.isFriend(author);
  }

  private wait(key: string, stored: StoredEntry): void {
    this.batch?.waited.add(stored.hash);
    const list = this.waiting.get(key) ?? [];
    list.push(stored);
    this.waiting.set(key, list);
    this.waitingCount++;
    if (this.waitingCount > MAX_WAITING) {
      const [oldestKey, oldest] = this.waiting.entries().next().value as [string, StoredEntry[]];
      oldest.shift();
      this.waitingCount--;
      if (oldest.length === 0) this.waiting.delete(oldestKey);
    }
  }

  private async release(key: string): Promise<void> {
    const list = this.waiting.get(key);
    if (!list) return;
    this.waiting.delete(key);
    this.waitingCount -= list.length;
    await this.apply(list);
  }
}

/** One batch being materialized. */
interface BatchState {
  /** Its view changes, written at its end. */
  readonly views: ViewBatch;
  /** The keyring as its entries open with it: the keys they learn are written with the views. */
  readonly keys: KeyPort;
  /**
   * The stored entries of its docs that were not open, by {@link docKey}: read ahead, or a doc's
   * first write alone.
   */
  readonly docs: Map<string, readonly StoredEntry[]>;
  /** Entries decoded ahead (to tell a doc's first write), by hash: not decoded again. */
  readonly decoded: Map<EntryHash, Entry>;
  /** The updates its entries' payloads opened to, by entry hash (each opened once). */
  readonly opened: Map<EntryHash, Uint8Array>;
  /**
   * Its entries whose views are done, settled when the batch is written: not those of the person
   * or a friend left waiting for a key, which stay owed so that a reload before the key comes
   * does not lose them.
   */
  readonly settled: StoredEntry[];
  /** Its entries that went to wait for a key (one released later in the batch is settled). */
  readonly waited: Set<EntryHash>;
}

function docKey(author: PersonId, docId: DocId): string {
  return `${author} ${docId}`;
}

/** The entries that change views (those with a payload), keys first, posts before replies. */
function inOrder(entries: readonly StoredEntry[]): StoredEntry[] {
  return entries
    .filter((stored) => entryHasPayload(stored.bytes))
    .map((stored) => ({ stored, rank: rankOf(stored.docId) }))
    .sort((a, b) => a.rank - b.rank)
    .map(({ stored }) => stored);
}
