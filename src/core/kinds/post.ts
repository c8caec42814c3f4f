/**
 * `post/<postId>`: one post of its author (text, photos, audience, edits, hidden replies). A
 * public post is in clear; a friends-only one is sealed under its own content key, which each
 * entry carries wrapped with the author's friends-epoch key of the time, so a reader who holds
 * that epoch's key learns the post's key from any one of its entries (an epoch may have a key per
 * own device that rotated at once: each is tried). A post for one of the author's lists wraps its
 * content key under that list's key instead (`crypto/list-payload.ts`), naming no list: a reader
 * tries the author's list keys it holds, and a friend outside the list holds none that opens it.
 * A public post of someone who is not a friend (held from a friend of a friend's window log) gets
 * a view too, for its author's profile (`reach.ts`).
 */
import {
  decodePrivatePayload,
  KeyRecordError,
  sealPostPayload,
  unwrapContentKey,
} from '../crypto/audience.ts';
import { sealListPostPayload, unwrapListContentKey } from '../crypto/list-payload.ts';
import { listOf } from '../docs/audience.ts';
import { decodeEntry } from '../feed/entry-codec.ts';
import { readPost, type Audience, type PhotoRef, type PostContent } from '../docs/post-doc.ts';
import { parseDocId, parsePostId, postKey, type PersonId, type PostId } from '../ids.ts';
import type { PostView, StoredEntry } from '../store/storage-adapter.ts';
import { listWait } from './audience-list.ts';
import { excerpt } from './excerpt.ts';
import { seesHiddenReply } from './hidden-reply.ts';
import { answerersOf, isOwnOrFriends } from './reach.ts';
import { expectFields, field, type DocKind, type HeldEpoch, type KeyPort } from './kind.ts';
import {
  clear,
  contentWait,
  epochWait,
  firstOpening,
  openedWith,
  openEncrypted,
  photoBlobs,
  tagWait,
} from './payload.ts';

/** One post of its author. */
export interface PostDocRef {
  readonly kind: 'post';
  readonly postId: PostId;
}

/** What a timeline row holds of a post (the view's `summary`). */
export interface PostSummary {
  readonly text: string;
  readonly photos: readonly PhotoRef[];
  readonly audience: Audience;
  readonly editedAt: number | null;
  /** Item ids of the replies the author hid. */
  readonly hidden: readonly string[];
  /** People the text mentions (absent in views written before mentions). */
  readonly mentions?: readonly PersonId[];
}

/** The typed summary of a post view written by the `post` kind. */
export function postSummary(view: PostView): PostSummary {
  return view.summary as unknown as PostSummary;
}

/** The doc id of a post. */
export function postDocId(postId: PostId) {
  return parseDocId(`post/${postId}`);
}

/**
 * The epoch a post of `author` was sealed in, with a key of it held in `keys`, from the post's
 * stored entries (the newest that names an epoch held here), or `null`.
 */
export async function sealedEpoch(
  author: PersonId,
  entries: readonly StoredEntry[],
  keys: KeyPort,
): Promise<HeldEpoch | null> {
  for (const stored of [...entries].reverse()) {
    const entry = decodeEntry(stored.bytes);
    if (entry.payloadKind !== 'encrypted') continue;
    let epoch: number;
    try {
      epoch = decodePrivatePayload(entry.payload).epoch;
    } catch (error) {
      if (error instanceof KeyRecordError) continue;
      throw error;
    }
    const [key] = await keys.epochKeys(author, epoch);
    if (key) return { epoch, key };
  }
  return null;
}

/**
 * The photos a post's view showed that its new state no longer shows (all of them, once it is
 * deleted), to delete from the store: a deleted post's photos are never served again. Only a
 * friends-only post's: they are ciphertext under its own content key, so no other doc names
 * them; a public photo is addressed by its bytes, and a profile or another post may show the
 * same one.
 */
function photosGone(before: PostSummary, now: PostContent): string[] {
  const kept = new Set(now.deleted ? [] : now.photos.flatMap((p) => [p.blob, p.thumb]));
  return before.photos.flatMap((p) => [p.blob, p.thumb]).filter((id) => !kept.has(id));
}

/** The `post` kind. */
export const postKind: DocKind<PostDocRef> = {
  kind: 'post',
  shape: 'doc',
  rank: 2,
  // An edited-away or deleted text leaves every honest store (whole-state entries).
  coversEarlier: true,
  caps: {
    maxBytes: 1024 * 1024,
    maxEntries: 1_000,
    root: 'post',
    fields: new Set([
      'text',
      'photos',
      'audience',
      'createdAt',
      'editedAt',
      'deleted',
      'hidden',
      'mentions',
    ]),
  },
  format: (ref) => postDocId(ref.postId),
  parse(fields) {
    expectFields('post', fields, 1);
    return { kind: 'post', postId: parsePostId(field(fields, 0)) };
  },
  async seal(ref, doc, update, port) {
    // The audience is set when the post is written and never changes afterwards.
    const audience = readPost(doc)?.audience;
    if (audience === 'public') return clear(update);
    const blobs = photoBlobs(readPost(doc)?.photos);
    const list = audience ? listOf(audience) : null;
    if (list) {
      const payload = await sealListPostPayload({
        author: port.me,
        docId: postDocId(ref.postId),
        postId: ref.postId,
        listKey: await port.listKeyFor(list, ref.postId),
        contentKey: await port.ownContentKey(ref.postId),
        update,
      });
      return { payloadKind: 'encrypted', payload, blobs };
    }
    const epoch = await port.ownEpoch();
    const payload = await sealPostPayload({
      author: port.me,
      docId: postDocId(ref.postId),
      postId: ref.postId,
      epoch: epoch.epoch,
      epochKey: epoch.key,
      contentKey: await port.ownContentKey(ref.postId),
      update,
    });
    return { payloadKind: 'encrypted', payload, blobs };
  },
  async open(entry, ref, { keys }) {
    if (entry.payloadKind === 'yjs-update') return { kind: 'update', update: entry.payload };
    return openEncrypted(entry, async (payload) => {
      let key = await keys.contentKey(entry.author, ref.postId);
      if (!key && payload.version === 3) {
        // A list post: one of the author's list keys held here wraps it, or it waits for one.
        const listKeys = await keys.lists.keysOf(entry.author);
        const opened =
          listKeys.length === 0
            ? null
            : await firstOpening(listKeys, (listKey) =>
                unwrapListContentKey(payload, listKey, entry.author, ref.postId),
              );
        if (!opened) return { kind: 'waiting', key: listWait(entry.author) };
        key = opened;
        await keys.setContentKey(entry.author, ref.postId, key);
      }
      if (!key) {
        const opened = await firstOpening(
          await keys.epochKeys(entry.author, payload.epoch),
          (epochKey) => unwrapContentKey(payload, epochKey, entry.author, ref.postId),
        );
        if (!opened) return { kind: 'waiting', key: epochWait(entry.author, payload.epoch) };
        key = opened;
        await keys.setContentKey(entry.author, ref.postId, key);
      }
      return openedWith(payload, key, entry);
    });
  },
  async view({ ref, entry, doc }, views) {
    const author = entry.author;
    const { store } = views;
    const key = postKey(author, ref.postId);
    const post = readPost(doc);
    if (!post) return;
    const before = await store.getPostView(key);
    if (before) await views.dropPhotos(photosGone(postSummary(before), post), key);
    if (post.deleted) {
      await store.removePostView(key);
    } else if (isOwnOrFriends(views, author) || post.audience === 'public') {
      const shownAgain = before
        ? postSummary(before).hidden.filter((id) => !post.hidden.includes(id))
        : [];
      // A friend of a friend's public post: on their profile, on the timeline once answered here.
      const via = isOwnOrFriends(views, author)
        ? undefined
        : await answerersOf(store, key, (p) => isOwnOrFriends(views, p));
      await store.putPostViews([
        {
          postId: key,
          author,
          createdAt: views.trustedTime(post.createdAt, before?.createdAt),
          summary: {
            text: post.text,
            photos: post.photos.map((p) => ({ ...p })),
            audience: post.audience,
            editedAt: post.editedAt,
            hidden: [...post.hidden],
            mentions: [...post.mentions],
          } satisfies PostSummary,
          ...(via ? { via } : {}),
        },
      ]);
      // Only this post's own replies: a hide list naming items of other posts hides nothing.
      const byPost = post.hidden.length > 0 ? await store.itemsByPost(key) : [];
      for (const item of byPost) {
        if (!post.hidden.includes(item.itemId)) continue;
        if (!seesHiddenReply(views.me, author, item.author))
          await store.removePostItem(item.itemId);
      }
      for (const itemId of shownAgain) await views.reapplyReply(itemId, author, ref.postId);
      // Only a friend's mention notifies: a friend of a friend's is seen on the post.
      if (post.mentions.includes(views.me) && author !== views.me && !via) {
        await views.mentioned({
          id: `mention/${key}`,
          createdAt: views.trustedTime(post.editedAt ?? post.createdAt, undefined),
          summary: { from: author, post: key, in: 'post', text: excerpt(post.text) },
        });
      }
    }
    // Replies that waited for this post's content key, or for its reply tag, can open now.
    await views.release(contentWait(author, ref.postId));
    // A public post has no content key, so no reply tag (its replies name it in clear): no read.
    if (post.audience === 'public') return;
    const tag = await views.replyTagOf({ postAuthor: author, postId: ref.postId });
    if (tag) await views.release(tagWait(tag));
  },
  viewsRead: (author, ref) => [postKey(author, ref.postId)],
  forget: (author, ref, views) => views.store.removePostView(postKey(author, ref.postId)),
};
