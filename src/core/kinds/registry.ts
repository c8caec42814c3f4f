/**
 * Every doc kind, by name: the one place that dispatches on a doc id's kind. A doc is named by
 * its owner (the entry's author) plus a doc id, `<kind>` or `<kind>/<field>/...` in the grammar
 * its kind module declares:
 *
 *   profile                                  public profile (name, bio, photo, cover)
 *   friends                                  friend list, readable by the owner's devices only
 *   devices                                  names of the owner's devices, readable by them only
 *   lists                                    the owner's lists of friends, readable by their devices only
 *   epoch/<n>                                friends-epoch key sealed to each friend and device
 *   post/<postId>                            one post (text, photos, audience, edits)
 *   thread/<postId>                          the post author's re-published replies
 *   thread/~<tag>                              ... of a friends-only post, named by its reply tag
 *   comment/<postAuthor>/<postId>/<cid>      one comment on someone's (public) post
 *   comment/~<tag>/<cid>                       ... on a friends-only post, named by its reply tag
 *   reaction/<postAuthor>/<postId>           the writer's one reaction to a (public) post
 *   reaction/~<tag>                            ... to a friends-only post, named by its reply tag
 *   revocations                              device revocations signed by the identity key
 *   certificate/<deviceId>                   a device's renewed certificate (identity key)
 *   key-generation/<g>                       the person's next encryption and self keys
 *   conversation/<id>/<epoch>                an epoch of a conversation the author started
 *   message/~<tag>/<messageId>               one message, named by its writer's tag only
 *   list/<listId>/<epoch>                    an epoch of a named list of friends the author keeps
 *   member/~<tag>                            a member's read receipts and leaving, by that tag
 *   intro/~<tag>/<recordId>                  one record of an introduction, to the tag's pair
 *
 * A reply tag (`crypto/reply-tag.ts`) names a post only to its readers: a doc id holding one
 * parses to a {@link Tagged} ref, resolved once this device knows the tag's post. A doc id of no
 * kind here, or not in its kind's grammar, is refused with a {@link DocRefError}.
 * Adding a kind: write `kinds/<kind>.ts` (a {@link DocKind} or a {@link RecordKind}), add its ref
 * to {@link DocRef} and its module to {@link KINDS}.
 */
import type { DocCaps } from '../docs/doc-caps.ts';
import type { Entry } from '../feed/entry-codec.ts';
import { IdParseError, type DocId, type PersonId } from '../ids.ts';
import { listKind, type ListRef } from './audience-list.ts';
import { certificateKind, type CertificateRef } from './certificate.ts';
import { commentKind, type CommentRef } from './comment.ts';
import { devicesKind, type DevicesRef } from './devices.ts';
import { listsKind, type ListsRef } from './lists.ts';
import { conversationKind, type ConversationRef } from './conversation.ts';
import { epochKind, type EpochRef } from './epoch.ts';
import { friendsKind, type FriendsRef } from './friends.ts';
import { homePeersKind, type HomePeersRef } from './home-peers.ts';
import { introKind, type IntroRef } from './intro.ts';
import { keyGenerationKind, type KeyGenerationRef } from './key-generation.ts';
import { memberKind, type MemberRef } from './member.ts';
import { messageKind, type MessageRef } from './message.ts';
import { ReplyTagError } from '../crypto/reply-tag.ts';
import {
  DocRefError,
  Tagged,
  type Answering,
  type Kind,
  type KeyPort,
  type Opened,
  type OpenPort,
  type ReplyKind,
} from './kind.ts';
import { tagWait, unreadable } from './payload.ts';
import { postKind, type PostDocRef } from './post.ts';
import { profileKind, type ProfileRef } from './profile.ts';
import { reactionKind, type ReactionRef } from './reaction.ts';
import { revocationsKind, type RevocationsRef } from './revocations.ts';
import { threadKind, type ThreadRef } from './thread.ts';

/** The parsed form of a {@link DocId}: what the doc is. */
export type DocRef =
  | ProfileRef
  | FriendsRef
  | DevicesRef
  | HomePeersRef
  | ListsRef
  | EpochRef
  | PostDocRef
  | ThreadRef
  | CommentRef
  | ReactionRef
  | RevocationsRef
  | CertificateRef
  | KeyGenerationRef
  | ConversationRef
  | MessageRef
  | ListRef
  | MemberRef
  | IntroRef;

/** What a doc id names: a {@link DocRef}, or one whose post is named by its reply tag only. */
export type ParsedDocRef = DocRef | Tagged<DocRef>;

/** The name of a kind. */
export type KindName = DocRef['kind'];

/** The ref of kind `K`. */
export type RefOf<K extends KindName> = Extract<DocRef, { kind: K }>;

/** A reply to a post: a comment or a reaction. */
export type ReplyRef = CommentRef | ReactionRef;

const KINDS: { readonly [K in KindName]: Kind<RefOf<K>> } = {
  profile: profileKind,
  friends: friendsKind,
  devices: devicesKind,
  'home-peers': homePeersKind,
  lists: listsKind,
  epoch: epochKind,
  post: postKind,
  thread: threadKind,
  comment: commentKind,
  reaction: reactionKind,
  revocations: revocationsKind,
  certificate: certificateKind,
  'key-generation': keyGenerationKind,
  conversation: conversationKind,
  message: messageKind,
  list: listKind,
  member: memberKind,
  intro: introKind,
};

const REPLY_KINDS: { readonly [K in ReplyRef['kind']]: ReplyKind<RefOf<K>> } = {
  comment: commentKind,
  reaction: reactionKind,
};

/** Whether `name` names a known kind (a doc id's first field). */
export function isKindName(name: string): name is KindName {
  return Object.hasOwn(KINDS, name);
}

/** The module of `ref`'s kind. */
export function kindOf<R extends DocRef>(ref: R): Kind<R> {
  return KINDS[ref.kind] as unknown as Kind<R>;
}

/** The doc id of a reference. */
export function docIdOf(ref: DocRef): DocId {
  return kindOf(ref).format(ref);
}

/** Parses a doc id into what it names; throws {@link DocRefError} for anything else. */
export function parseDocRef(docId: DocId | string): ParsedDocRef {
  const [name = '', ...fields] = docId.split('/');
  if (!isKindName(name)) throw new DocRefError(`unknown doc kind in ${JSON.stringify(docId)}`);
  return refining(docId, () => KINDS[name].parse(fields));
}

/** What a stored doc id names, or `null` for a doc of no known kind (logged by the caller). */
export function refOf(docId: DocId | string): ParsedDocRef | null {
  try {
    return parseDocRef(docId);
  } catch (error) {
    if (error instanceof DocRefError) return null;
    throw error;
  }
}

/** The bounds of the doc `ref` names; a record kind's doc takes no update at all. */
export function docCaps(ref: ParsedDocRef): DocCaps {
  const kind = KINDS[ref.kind];
  return kind.shape === 'doc' ? kind.caps : NOT_A_DOC;
}

const NOT_A_DOC: DocCaps = { maxBytes: 0, maxEntries: 0, root: '', fields: new Set() };

/**
 * `parsed` with its post known: a {@link Tagged} ref resolved through the reply tags `keys` maps,
 * or the name of the key to wait for (the tag's post's) when it maps no such tag yet.
 */
export async function resolveRef(
  parsed: ParsedDocRef,
  keys: KeyPort,
): Promise<DocRef | { readonly wait: string }> {
  if (!(parsed instanceof Tagged)) return parsed;
  const post = await keys.postOfTag(parsed.tag);
  return post ? parsed.resolve(post) : { wait: tagWait(parsed.tag) };
}

/** Opens the payload of a verified entry of doc `parsed` into the Yjs update it carries. */
export async function openEntry(
  entry: Entry,
  parsed: ParsedDocRef,
  port: OpenPort,
): Promise<Opened> {
  const ref = await resolveRef(parsed, port.keys);
  if ('wait' in ref) return { kind: 'waiting', key: ref.wait };
  const kind = kindOf(ref);
  if (kind.shape === 'record') return unreadable(`${ref.kind} is not a doc`);
  if (entry.payloadKind === 'key-record' || entry.payloadKind === 'embedded-entry') {
    return unreadable(`${entry.payloadKind} is not a doc update`);
  }
  return kind.open(entry, ref, port);
}

/** The reply an item id of a post's thread names, with its writer; throws {@link DocRefError}. */
export function replyOfItem(
  itemId: string,
  post: Answering,
): { readonly writer: PersonId; readonly ref: ReplyRef } {
  const [writer = '', name = ''] = itemId.split('/', 2);
  const tail = itemId.slice(writer.length + name.length + 2);
  // Item ids are written by this device's own views: anything but a comment is a reaction.
  const kind = name === 'comment' ? REPLY_KINDS.comment : REPLY_KINDS.reaction;
  return { writer: writer as PersonId, ref: refining(itemId, () => kind.ofItem(tail, post)) };
}

/** Where a doc's entries go in a batch: keys first, replies after their posts, unknown last. */
export function rankOf(docId: DocId): number {
  try {
    return KINDS[parseDocRef(docId).kind].rank;
  } catch (error) {
    if (error instanceof DocRefError) return UNKNOWN_RANK;
    throw error;
  }
}

const UNKNOWN_RANK = 3;

/** Runs a parse, turning its id errors into a {@link DocRefError} naming `text`. */
function refining<T>(text: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof DocRefError)
      throw new DocRefError(`${error.message} in ${JSON.stringify(text)}`);
    if (error instanceof IdParseError || error instanceof ReplyTagError) {
      throw new DocRefError(`bad doc id ${JSON.stringify(text)}: ${error.message}`);
    }
    throw error;
  }
}

export { DocRefError, Tagged } from './kind.ts';
