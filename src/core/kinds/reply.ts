/**
 * What comments and reactions share: they live in the writer's own log, answer someone's post,
 * and are sealed like it. A reply to a public post is in clear; a reply to a friends-only post is
 * sealed under a reply key derived from the post's content key (every reader of the post holds
 * it) and the newest epoch of the post's audience the writer holds (key records v2: a friend
 * removed since holds no later epoch key, so reads no reply written after the removal). One in
 * clear is refused (it comes from someone who could not read the post). A post's author may
 * re-publish the replies it reads (`thread` kind), and hide them; on the author's own device,
 * a reply by someone no longer in the audience is not shown.
 *
 * How a reply's doc id names its post: in clear (`<kind>/<postAuthor>/<postId>`) for a public
 * post, or by the post's reply tag (`<kind>/~<tag>`, `crypto/reply-tag.ts`) for a friends-only
 * one, so a relay does not learn which post it answers. Replies written in clear to a
 * friends-only post (before opaque ids) stay readable, and their doc keeps its clear id.
 */
import type { SymmetricKey } from '../crypto/aead.ts';
import { replyKey as deriveReplyKey, sealReply as sealReplyPayload } from '../crypto/audience.ts';
import { parseReplyTag, type ReplyTag } from '../crypto/reply-tag.ts';
import { readPost } from '../docs/post-doc.ts';
import type { Entry } from '../feed/entry-codec.ts';
import { parsePersonId, parsePostId, postKey, type DocId, type PersonId } from '../ids.ts';
import { createLogger } from '../log.ts';
import type { JsonValue } from '../store/storage-adapter.ts';
import {
  expectFields,
  field,
  TAG_MARK,
  Tagged,
  type Admission,
  type Answering,
  type DocChange,
  type HeldEpoch,
  type Opened,
  type OpenPort,
  type ReplyTarget,
  type SealPort,
  type Sealed,
  type ViewPort,
} from './kind.ts';
import { excerpt } from './excerpt.ts';
import { seesHiddenReply } from './hidden-reply.ts';
import {
  clear,
  contentWait,
  epochWait,
  firstOpening,
  openedWith,
  openEncrypted,
  unreadable,
} from './payload.ts';
import { postDocId, postSummary, type PostSummary } from './post.ts';
import { followAnswerers } from './reach.ts';

const log = createLogger('kith:views');

/** The doc id fields naming the post `target` answers: `~<tag>`, or `<postAuthor>/<postId>`. */
export function targetFields(target: ReplyTarget): string {
  return target.tag ? `${TAG_MARK}${target.tag}` : `${target.postAuthor}/${target.postId}`;
}

/**
 * The reply tag a doc id field holds (`~<tag>`), or `null` when it holds none; throws a
 * `ReplyTagError` (the registry's parse turns it into a `DocRefError`) for a malformed one.
 */
export function tagField(text: string): ReplyTag | null {
  return text.startsWith(TAG_MARK) ? parseReplyTag(text.slice(TAG_MARK.length)) : null;
}

/**
 * Parses the fields of a reply's doc id: its post in clear (two fields) or by its tag (one), then
 * `rest` more fields read by `parseRest`; `make` builds the ref from the post and what they hold.
 */
export function parseReplyFields<R extends { readonly kind: string }, T>(
  kind: R['kind'],
  fields: readonly string[],
  rest: number,
  parseRest: (rest: readonly string[]) => T,
  make: (target: ReplyTarget, rest: T) => R,
): R | Tagged<R> {
  const tag = tagField(field(fields, 0));
  if (tag) {
    expectFields(kind, fields, 1 + rest);
    const tail = parseRest(fields.slice(1));
    return new Tagged<R>(kind, tag, (post) => make({ ...post, tag }, tail));
  }
  expectFields(kind, fields, 2 + rest);
  const postAuthor = parsePersonId(field(fields, 0));
  const postId = parsePostId(field(fields, 1));
  return make({ postAuthor, postId }, parseRest(fields.slice(2)));
}

/**
 * The audience epoch a new reply to a private post is sealed under: the newest epoch of the
 * post's author held here, or the post's own epoch where none was tracked (keys saved by older
 * code). The one place this is chosen.
 */
async function replyEpoch(port: SealPort, post: Answering): Promise<HeldEpoch | null> {
  return (await port.keys.newestEpoch(post.postAuthor)) ?? (await port.postEpoch(post));
}

/** The key a reply to `post` sealed in `epoch` is sealed with (payload version 2). */
function replyKeyOf(
  post: Answering,
  contentKey: SymmetricKey,
  epoch: number,
  epochKey: SymmetricKey,
): Promise<SymmetricKey> {
  return deriveReplyKey({ ...post, contentKey, epoch, epochKey });
}

/** Thrown when a reply is written to a post whose keys this device does not hold. */
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
  const contentKey = await port.keys.contentKey(ref.postAuthor, ref.postId);
  if (!contentKey) throw new ReplyKeyError('the post’s key is not on this device');
  const audience = await replyEpoch(port, ref);
  if (!audience) throw new ReplyKeyError('the post’s audience key is not on this device');
  const payload = await sealReplyPayload({
    author: port.me,
    docId,
    postAuthor: ref.postAuthor,
    postId: ref.postId,
    contentKey,
    epoch: audience.epoch,
    epochKey: audience.key,
    update,
  });
  return { payloadKind: 'encrypted', payload };
}

/**
 * Opens a reply's payload: version 2 with the reply key of the epoch it names (waiting for that
 * epoch's key if needed), version 1 (written before key records v2) with the post's content key.
 */
export async function openReply(entry: Entry, ref: Answering, port: OpenPort): Promise<Opened> {
  const { keys } = port;
  if (entry.payloadKind === 'yjs-update') {
    // A reply to a post this device holds the key of (a friends-only post) must be sealed.
    if (await keys.contentKey(ref.postAuthor, ref.postId)) {
      return unreadable('clear reply to a friends-only post');
    }
    return { kind: 'update', update: entry.payload };
  }
  return openEncrypted(entry, async (payload) => {
    const contentKey = await keys.contentKey(ref.postAuthor, ref.postId);
    if (!contentKey) return { kind: 'waiting', key: contentWait(ref.postAuthor, ref.postId) };
    if (payload.version === 1) return openedWith(payload, contentKey, entry);
    const opened = await firstOpening(
      await keys.epochKeys(ref.postAuthor, payload.epoch),
      async (epochKey) =>
        openedWith(payload, await replyKeyOf(ref, contentKey, payload.epoch, epochKey), entry),
    );
    return opened ?? { kind: 'waiting', key: epochWait(ref.postAuthor, payload.epoch) };
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
  const hidden = postView !== undefined && postSummary(postView).hidden.includes(itemId);
  if (hidden && !seesHiddenReply(views.me, ref.postAuthor, writer)) reply = null;
  // On one's own private post, only its audience (current friends) answers.
  if (postView && outsideAudience(views, writer, ref, postSummary(postView))) reply = null;
  if (reply === null) {
    if (known) await store.removePostItem(itemId);
  } else {
    const { summary, createdAt, mentions } = reply;
    await store.putPostItems([
      { itemId, postId: post, kind: ref.kind, author: writer, createdAt, summary },
    ]);
    if (!known && !hidden && ref.postAuthor === views.me && writer !== views.me) {
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
  // A friend of a friend's post joins (or leaves) the timeline as someone here answers it.
  if (postView) await followAnswerers(views, postView);
  if (ref.postAuthor === views.me && writer !== views.me) await views.republish(stored, ref);
}

/** Whether `writer` answers one of my private posts without being in its audience now. */
function outsideAudience(
  views: ViewPort,
  writer: PersonId,
  ref: Answering,
  post: PostSummary,
): boolean {
  if (ref.postAuthor !== views.me || writer === views.me) return false;
  return post.audience !== 'public' && !views.isFriend(writer);
}
