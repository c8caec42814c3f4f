/**
 * Turns stored entries into what the screens read: timeline rows, comments and reactions by
 * post, notifications, profiles, the friend list. Own entries and received ones take the same
 * path. An entry whose key has not arrived yet waits (in memory) and is retried when it does:
 * recent-first sync may deliver a post before the epoch record that opens it.
 */
import type * as Y from 'yjs';
import { readPost, type Audience, type PhotoRef } from '../docs/post-doc.ts';
import { docIdOf, parseDocRef, DocRefError, type DocRef, type PostId } from '../docs/doc-ref.ts';
import {
  readComment,
  readFriends,
  readProfileChecked,
  readReaction,
  type FriendRecord,
  type Profile,
} from '../docs/small-docs.ts';
import { MAX_SEQ, decodeEntry, type Entry } from '../feed/entry-codec.ts';
import type { PersonId } from '../ids.ts';
import { createLogger } from '../log.ts';
import type { ForkedLog } from '../store/forks.ts';
import type { JsonValue, PostView, StorageAdapter, StoredEntry } from '../store/storage-adapter.ts';
import type { DocCache } from './doc-cache.ts';
import type { Keyring } from './keyring.ts';
import { contentWait, epochWait, type PayloadOpener } from './payloads.ts';

const log = createLogger('kith:views');

/** Most entries kept waiting for a key; beyond it the oldest are dropped (they stay stored). */
const MAX_WAITING = 10_000;

/**
 * How far ahead of this device's clock a date written by someone else may be (clocks differ a
 * little). A later `createdAt` is clamped to it when first seen, so a post dated in the year 2100
 * does not stay on top of the timeline.
 */
export const MAX_CLOCK_SKEW = 5 * 60 * 1000;

/** The timeline key of a post: posts of different authors may share a post id. */
export function postKey(author: PersonId, postId: string): string {
  return `${author}/${postId}`;
}

/** The doc of a comment or reaction. */
export type ReplyRef = Extract<DocRef, { kind: 'comment' | 'reaction' }>;

/** What a timeline row holds of a post (the view's `summary`). */
export interface PostSummary {
  readonly text: string;
  readonly photos: readonly PhotoRef[];
  readonly audience: Audience;
  readonly editedAt: number | null;
  /** Replies the author hid. */
  readonly hidden: readonly string[];
  /** People the text mentions (absent in views written before mentions). */
  readonly mentions?: readonly PersonId[];
}

/** The typed summary of a post view written by the materializer. */
export function postSummary(view: PostView): PostSummary {
  return view.summary as unknown as PostSummary;
}

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
  republish(entry: StoredEntry, ref: ReplyRef): Promise<void>;
  /** Entries embedded in a thread doc, to be verified and stored like any received entry. */
  reingest(bytes: Uint8Array): Promise<void>;
  /** Blobs to fetch now rather than when first shown (a friend's profile pictures). */
  prefetch(ids: readonly string[]): Promise<void>;
  /** This device's time (dates written by others are clamped to it plus {@link MAX_CLOCK_SKEW}). */
  now(): number;
}

/** Keeps the views in step with the stored entries. */
export class Materializer {
  private readonly waiting = new Map<string, StoredEntry[]>();
  private waitingCount = 0;

  constructor(private readonly ctx: MaterializerContext) {}

  /**
   * Updates the views for newly stored entries (key records first, so posts can open). One
   * entry whose view cannot be written does not keep the others out: the batch goes on, and the
   * first failure is thrown once it is done (the entries stay stored; the caller reports it).
   */
  async apply(entries: readonly StoredEntry[]): Promise<void> {
    const ordered = [...entries].sort((a, b) => rank(a.docId) - rank(b.docId));
    const failures: unknown[] = [];
    for (const stored of ordered) {
      try {
        await this.one(stored);
      } catch (error) {
        log.warn('view not updated for an entry', { docId: stored.docId, error: String(error) });
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
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
      let ref: DocRef;
      try {
        ref = parseDocRef(docId);
      } catch (error) {
        if (error instanceof DocRefError) continue;
        throw error;
      }
      if (ref.kind === 'post') {
        await this.ctx.store.removePostView(postKey(fork.author, ref.postId));
      } else if (ref.kind === 'comment') {
        await this.ctx.store.removePostItem(`${fork.author}/comment/${ref.commentId}`);
      } else if (ref.kind === 'reaction') {
        const post = postKey(ref.postAuthor, ref.postId);
        await this.ctx.store.removePostItem(`${fork.author}/reaction/${post}`);
      }
    }
  }

  /** Takes an author's posts off the timeline (after they stopped being a friend). */
  async dropAuthorPosts(author: PersonId): Promise<void> {
    for (;;) {
      const page = await this.ctx.store.authorPostsPage(author, { limit: 100 });
      if (page.items.length === 0) return;
      for (const post of page.items) await this.ctx.store.removePostView(post.postId);
    }
  }

  private async one(stored: StoredEntry): Promise<void> {
    let ref: DocRef;
    try {
      ref = parseDocRef(stored.docId);
    } catch (error) {
      if (!(error instanceof DocRefError)) throw error;
      log.warn('entry for an unknown doc', { docId: stored.docId });
      return;
    }
    const entry = decodeEntry(stored.bytes);
    if (ref.kind === 'epoch') return this.epoch(entry, ref.epoch);
    if (ref.kind === 'thread') {
      if (entry.payloadKind === 'embedded-entry') await this.ctx.reingest(entry.payload);
      return;
    }
    if ((ref.kind === 'comment' || ref.kind === 'reaction') && entry.payloadKind === 'yjs-update') {
      const audience = await this.audienceOf(ref.postAuthor, ref.postId);
      // Only a public post takes replies in clear; until the post is here, the reply waits.
      if (audience === null) return this.wait(contentWait(ref.postAuthor, ref.postId), stored);
      if (audience !== 'public') {
        log.debug('clear reply to a friends-only post refused', { docId: stored.docId });
        return;
      }
    }
    const opened = await this.ctx.opener.open(entry, ref);
    if (opened.kind === 'waiting') return this.wait(opened.key, stored);
    if (opened.kind === 'unreadable') {
      log.debug('entry not readable here', { docId: stored.docId, reason: opened.reason });
      return;
    }
    this.ctx.docs.applyIfOpen(entry.author, entry.docId, opened.update);
    const doc = await this.ctx.docs.get(entry.author, entry.docId);
    switch (ref.kind) {
      case 'profile':
        return this.profile(entry.author, doc);
      case 'friends':
        if (entry.author === this.ctx.me) this.ctx.onFriends(readFriends(doc));
        return;
      case 'post':
        return this.post(entry.author, ref.postId, doc);
      case 'comment':
      case 'reaction':
        return this.reply(stored, entry, ref, doc);
    }
  }

  /** The audience of a post this device can read, or `null` when it holds no readable post. */
  private async audienceOf(author: PersonId, postId: PostId): Promise<Audience | null> {
    const post = readPost(await this.ctx.docs.get(author, docIdOf({ kind: 'post', postId })));
    return post?.audience ?? null;
  }

  /**
   * A date written by someone else, as far as this device trusts it: never later than its own
   * clock plus {@link MAX_CLOCK_SKEW}, nor later than what the view already shows (`shown`), so
   * a clamped date stays put when the entry is applied again later.
   */
  private trustedTime(written: number, shown: number | undefined): number {
    return Math.min(written, shown ?? Number.POSITIVE_INFINITY, this.ctx.now() + MAX_CLOCK_SKEW);
  }

  private async epoch(entry: Entry, epoch: number): Promise<void> {
    if (entry.payloadKind !== 'key-record') return;
    const key = await this.ctx.keyring
      .learnEpoch(entry.author, entry.device, epoch, entry.payload)
      .catch((error: unknown) => {
        log.warn('malformed epoch record', { author: entry.author, error: String(error) });
        return null;
      });
    if (key) await this.release(epochWait(entry.author, epoch));
  }

  private async profile(author: PersonId, doc: Y.Doc): Promise<void> {
    const { profile, problems } = readProfileChecked(doc);
    if (problems.length > 0) log.warn('profile fields refused', { author, problems });
    if (!profile) return;
    await this.ctx.store.setSetting(`view/profile/${author}`, toJson(profile));
    // A friend's pictures are fetched while they are online, so their profile still shows
    // them when they are not.
    if (author !== this.ctx.me && this.ctx.isFriend(author)) {
      const ids = [profile.avatar?.thumb, profile.avatar?.blob, profile.cover?.blob];
      await this.ctx.prefetch(ids.filter((id): id is string => id !== undefined));
    }
  }

  private async post(author: PersonId, postId: string, doc: Y.Doc): Promise<void> {
    const key = postKey(author, postId);
    const post = readPost(doc);
    if (!post) return;
    if (post.deleted) {
      await this.ctx.store.removePostView(key);
    } else if (author === this.ctx.me || this.ctx.isFriend(author)) {
      const before = await this.ctx.store.getPostView(key);
      const shownAgain = before
        ? postSummary(before).hidden.filter((id) => !post.hidden.includes(id))
        : [];
      await this.ctx.store.putPostViews([
        {
          postId: key,
          author,
          createdAt: this.trustedTime(post.createdAt, before?.createdAt),
          summary: {
            text: post.text,
            photos: post.photos.map((p) => ({ ...p })),
            audience: post.audience,
            editedAt: post.editedAt,
            hidden: [...post.hidden],
            mentions: [...post.mentions],
          } satisfies PostSummary,
        },
      ]);
      // Only this post's own replies: a hide list naming items of other posts hides nothing.
      for (const item of await this.ctx.store.itemsByPost(key)) {
        if (post.hidden.includes(item.itemId)) await this.ctx.store.removePostItem(item.itemId);
      }
      for (const itemId of shownAgain) await this.reapplyReply(itemId, author, postId);
      if (post.mentions.includes(this.ctx.me) && author !== this.ctx.me) {
        await this.mentioned({
          id: `mention/${key}`,
          createdAt: this.trustedTime(post.editedAt ?? post.createdAt, undefined),
          summary: { from: author, post: key, in: 'post', text: excerpt(post.text) },
        });
      }
    }
    // Replies that waited for this post's content key can open now.
    await this.release(contentWait(author, postId));
  }

  private async reply(stored: StoredEntry, entry: Entry, ref: ReplyRef, doc: Y.Doc): Promise<void> {
    const post = postKey(ref.postAuthor, ref.postId);
    const itemId =
      ref.kind === 'comment'
        ? `${entry.author}/comment/${ref.commentId}`
        : `${entry.author}/reaction/${post}`;
    const known = (await this.ctx.store.itemsByPost(post)).find((i) => i.itemId === itemId);
    let summary: JsonValue | null = null;
    // A reaction is dated by its latest change; a comment by when it was written.
    let createdAt = this.trustedTime(entry.timestamp, undefined);
    let mentions: readonly PersonId[] = [];
    if (ref.kind === 'comment') {
      const comment = readComment(doc);
      if (comment && !comment.deleted) {
        summary =
          comment.mentions.length > 0
            ? { text: comment.text, mentions: [...comment.mentions] }
            : { text: comment.text };
        createdAt = this.trustedTime(comment.createdAt, known?.createdAt);
        mentions = comment.mentions;
      }
    } else {
      const reaction = readReaction(doc);
      if (reaction) summary = { value: reaction.value };
    }
    const postView = await this.ctx.store.getPostView(post);
    if (postView && postSummary(postView).hidden.includes(itemId)) summary = null;
    // Key records v2: on one's own private post, only its audience (current friends) answers.
    if (postView && this.outsideAudience(entry.author, ref, postSummary(postView))) summary = null;
    if (summary === null) {
      if (known) await this.ctx.store.removePostItem(itemId);
    } else {
      await this.ctx.store.putPostItems([
        { itemId, postId: post, kind: ref.kind, author: entry.author, createdAt, summary },
      ]);
      if (!known && ref.postAuthor === this.ctx.me && entry.author !== this.ctx.me) {
        await this.ctx.store.putNotification({
          id: `${ref.kind}/${itemId}`,
          kind: ref.kind,
          createdAt,
          read: false,
          summary: { from: entry.author, post, ...summary },
        });
      }
      // On my own post the comment notification already says it; one is enough.
      if (
        mentions.includes(this.ctx.me) &&
        entry.author !== this.ctx.me &&
        ref.postAuthor !== this.ctx.me
      ) {
        const text = (summary as { text: string }).text;
        await this.mentioned({
          id: `mention/${itemId}`,
          createdAt,
          summary: { from: entry.author, post, in: 'comment', text: excerpt(text) },
        });
      }
    }
    if (ref.postAuthor === this.ctx.me && entry.author !== this.ctx.me) {
      await this.ctx.republish(stored, ref);
    }
  }

  /** Whether `author` answers one of my private posts without being in its audience now. */
  private outsideAudience(author: PersonId, ref: ReplyRef, post: PostSummary): boolean {
    if (ref.postAuthor !== this.ctx.me || author === this.ctx.me) return false;
    return post.audience !== 'public' && !this.ctx.isFriend(author);
  }

  /**
   * Stores a mention notification once: its id is stable per post or comment, and a marker
   * setting remembers it was made, so an edit, a re-sync or a re-publish of the same text does
   * not bring it back (nor mark it unread again) after the person has seen it.
   */
  private async mentioned(n: { id: string; createdAt: number; summary: JsonValue }): Promise<void> {
    const marker = `view/notified/${n.id}`;
    if ((await this.ctx.store.getSetting(marker)) !== undefined) return;
    await this.ctx.store.putNotification({ ...n, kind: 'mention', read: false });
    await this.ctx.store.setSetting(marker, true);
  }

  /** Applies again the stored entries of a reply the author no longer hides. */
  private async reapplyReply(itemId: string, postAuthor: PersonId, postId: string): Promise<void> {
    const [author, kind, rest] = itemId.split('/');
    let ref: DocRef;
    try {
      ref =
        kind === 'comment'
          ? parseDocRef(`comment/${postAuthor}/${postId}/${rest}`)
          : parseDocRef(`reaction/${postAuthor}/${postId}`);
    } catch (error) {
      if (error instanceof DocRefError) return;
      throw error;
    }
    const entries = await this.ctx.store.getDocEntries(author as PersonId, docIdOf(ref));
    await this.apply(entries);
  }

  private wait(key: string, stored: StoredEntry): void {
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

function toJson(profile: Profile): JsonValue {
  const picture = (p: PhotoRef | null) => (p ? { ...p } : null);
  return {
    name: profile.name,
    bio: profile.bio,
    avatar: picture(profile.avatar),
    cover: picture(profile.cover),
  };
}

/** How much of a text a mention notification quotes. */
const EXCERPT = 140;

function excerpt(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > EXCERPT ? `${trimmed.slice(0, EXCERPT - 1)}…` : trimmed;
}

/** Key records first, then posts, then everything that answers a post. */
function rank(docId: string): number {
  if (docId.startsWith('epoch/')) return 0;
  if (docId === 'friends' || docId === 'profile') return 1;
  if (docId.startsWith('post/')) return 2;
  return 3;
}
