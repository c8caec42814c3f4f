/**
 * What comments and reactions share: they live in the writer's own log, answer someone's post,
 * and are sealed like it. A reply to a public post is in clear; a reply to a friends-only post is
 * sealed under the post's reply key, which every reader of the post holds, and one in clear is
 * refused (it comes from someone who could not read the post). A post's author may re-publish the
 * replies it reads (`thread` kind), and hide them.
 */
import type { SymmetricKey } from '../crypto/aead.ts';
import { readPost } from '../docs/post-doc.ts';
import type { Entry } from '../feed/entry-codec.ts';
import { postKey, type DocId, type PersonId } from '../ids.ts';
import { createLogger } from '../log.ts';
import type { JsonValue } from '../store/storage-adapter.ts';
import type {
  Admission,
  Answering,
  DocChange,
  KeyPort,
  Opened,
  OpenPort,
  SealPort,
  Sealed,
  ViewPort,
} from './kind.ts';
import { excerpt } from './excerpt.ts';
import {
  clear,
  contentWait,
  openedWith,
  openEncrypted,
  sealedUnder,
  unreadable,
} from './payload.ts';
import { postDocId, postSummary } from './post.ts';

const log = createLogger('kith:views');

/**
 * The key replies to a private post are sealed with: the post's content key. (Key records v2
 * derives it from the content key and the audience's current epoch: this is the one place.)
 */
export function replyKey(keys: KeyPort, post: Answering): Promise<SymmetricKey | null> {
  return keys.contentKey(post.postAuthor, post.postId);
}

/** Thrown when a reply is written to a post whose key this device does not hold. */
export class ReplyKeyError extends Error {
  override readonly name = 'ReplyKeyError';
}

/** Seals a reply of this person like the post it answers. */
export async function sealReply(
  ref: Answering,
  docId: DocId,
  update: Uint8Array,
  port: SealPort,
): Promise<Sealed> {
  if ((await port.audienceOf(ref.postAuthor, ref.postId)) === 'public') return clear(update);
  const key = await replyKey(port.keys, ref);
  if (!key) throw new ReplyKeyError('the post’s key is not on this device');
  return sealedUnder(key, port.me, docId, update);
}

/** Opens a reply's payload with the key of the post it answers. */
export async function openReply(entry: Entry, ref: Answering, port: OpenPort): Promise<Opened> {
  if (entry.payloadKind === 'yjs-update') {
    // A reply to a post this device holds the key of (a friends-only post) must be sealed.
    if (await replyKey(port.keys, ref)) return unreadable('clear reply to a friends-only post');
    return { kind: 'update', update: entry.payload };
  }
  return openEncrypted(entry, async (payload) => {
    const key = await replyKey(port.keys, ref);
    if (!key) return { kind: 'waiting', key: contentWait(ref.postAuthor, ref.postId) };
    return openedWith(payload, key, entry);
  });
}

/** Only a public post takes replies in clear; until the post is here, a clear reply waits. */
export async function admitReply(
  entry: Entry,
  ref: Answering,
  views: ViewPort,
): Promise<Admission> {
  if (entry.payloadKind !== 'yjs-update') return 'read';
  const post = readPost(await views.doc(ref.postAuthor, postDocId(ref.postId)));
  if (!post) return { wait: contentWait(ref.postAuthor, ref.postId) };
  if (post.audience !== 'public') {
    log.debug('clear reply to a friends-only post refused', { docId: entry.docId });
    return 'refuse';
  }
  return 'read';
}

/** What a reply's doc shows in its post's thread, or `null` when it shows nothing. */
export interface ReplyShown {
  readonly summary: JsonValue;
  readonly createdAt: number;
  /** People the reply mentions. */
  readonly mentions: readonly PersonId[];
}

/**
 * Updates a post's thread view (and the notifications) from one of its replies: `shown` is what
 * the reply's doc shows, given the item's earlier `createdAt` if it was shown before.
 */
export async function viewReply<R extends Answering & { readonly kind: 'comment' | 'reaction' }>(
  { ref, stored, entry }: DocChange<R>,
  views: ViewPort,
  itemId: string,
  shown: (knownAt: number | undefined) => ReplyShown | null,
): Promise<void> {
  const { store } = views;
  const writer = entry.author;
  const post = postKey(ref.postAuthor, ref.postId);
  const known = (await store.itemsByPost(post)).find((i) => i.itemId === itemId);
  let reply = shown(known?.createdAt);
  const postView = await store.getPostView(post);
  if (postView && postSummary(postView).hidden.includes(itemId)) reply = null;
  if (reply === null) {
    if (known) await store.removePostItem(itemId);
  } else {
    const { summary, createdAt, mentions } = reply;
    await store.putPostItems([
      { itemId, postId: post, kind: ref.kind, author: writer, createdAt, summary },
    ]);
    if (!known && ref.postAuthor === views.me && writer !== views.me) {
      await store.putNotification({
        id: `${ref.kind}/${itemId}`,
        kind: ref.kind,
        createdAt,
        read: false,
        summary: { from: writer, post, ...(summary as Record<string, JsonValue>) },
      });
    }
    // On my own post the comment notification already says it; one is enough.
    if (mentions.includes(views.me) && writer !== views.me && ref.postAuthor !== views.me) {
      const text = (summary as { text: string }).text;
      await views.mentioned({
        id: `mention/${itemId}`,
        createdAt,
        summary: { from: writer, post, in: 'comment', text: excerpt(text) },
      });
    }
  }
  if (ref.postAuthor === views.me && writer !== views.me) await views.republish(stored, ref);
}
