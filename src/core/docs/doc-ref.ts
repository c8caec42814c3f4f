/**
 * Which doc an entry belongs to. Every person writes only their own docs; a doc is named by its
 * owner (the entry's author) plus one of these references, carried in the entry as a `DocId`
 * string. Comments and reactions live in the commenter's own log and name the post they answer.
 *
 *   profile                                  public profile (name, bio, photo, cover)
 *   friends                                  friend list, readable by the owner's devices only
 *   epoch/<n>                                friends-epoch key sealed to each friend and device
 *   post/<postId>                            one post (text, photos, audience, edits)
 *   thread/<postId>                          the post author's re-published comments
 *   comment/<postAuthor>/<postId>/<cid>      one comment on someone's post
 *   reaction/<postAuthor>/<postId>           the writer's one reaction to a post
 *   revocations                              device revocations signed by the identity key
 *   certificate/<deviceId>                   a device's renewed certificate (identity key)
 *
 * The last two carry one signed record per entry (payload kind `key-record`), not a Yjs doc.
 */
import { toBase64Url, randomBytes, type RandomBytes } from '../bytes.ts';
import {
  parseDeviceId,
  parseDocId,
  parsePersonId,
  type DeviceId,
  type DocId,
  type PersonId,
} from '../ids.ts';

declare const postBrand: unique symbol;
/** A post's id: 16 random bytes, base64url (22 characters); unique per author. */
export type PostId = string & { readonly [postBrand]: 'PostId' };

/** The parsed form of a {@link DocId}. */
export type DocRef =
  | { readonly kind: 'profile' }
  | { readonly kind: 'friends' }
  | { readonly kind: 'epoch'; readonly epoch: number }
  | { readonly kind: 'post'; readonly postId: PostId }
  | { readonly kind: 'thread'; readonly postId: PostId }
  | {
      readonly kind: 'comment';
      readonly postAuthor: PersonId;
      readonly postId: PostId;
      readonly commentId: PostId;
    }
  | { readonly kind: 'reaction'; readonly postAuthor: PersonId; readonly postId: PostId }
  | { readonly kind: 'revocations' }
  | { readonly kind: 'certificate'; readonly device: DeviceId };

/** A doc id that is well-formed text but names no Kith doc. */
export class DocRefError extends Error {
  override readonly name = 'DocRefError';
}

const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
const MAX_EPOCH = 2 ** 31;

/** A fresh random post (or comment) id. */
export function newPostId(random: RandomBytes = randomBytes): PostId {
  return toBase64Url(random(16)) as PostId;
}

/** Validates untrusted text as a post id. */
export function parsePostId(text: string): PostId {
  if (!ID_PATTERN.test(text)) throw new DocRefError(`not a post id: ${JSON.stringify(text)}`);
  return text as PostId;
}

/** The doc id of a reference. */
export function docIdOf(ref: DocRef): DocId {
  switch (ref.kind) {
    case 'profile':
    case 'friends':
    case 'revocations':
      return parseDocId(ref.kind);
    case 'epoch':
      return parseDocId(`epoch/${ref.epoch}`);
    case 'post':
    case 'thread':
      return parseDocId(`${ref.kind}/${ref.postId}`);
    case 'comment':
      return parseDocId(`comment/${ref.postAuthor}/${ref.postId}/${ref.commentId}`);
    case 'reaction':
      return parseDocId(`reaction/${ref.postAuthor}/${ref.postId}`);
    case 'certificate':
      return parseDocId(`certificate/${ref.device}`);
  }
}

/** Parses a doc id into what it names; throws {@link DocRefError} for anything else. */
export function parseDocRef(docId: DocId | string): DocRef {
  const parts = docId.split('/');
  const [kind] = parts;
  try {
    if (parts.length === 1 && (kind === 'profile' || kind === 'friends' || kind === 'revocations'))
      return { kind };
    if (parts.length === 2 && kind === 'certificate') {
      return { kind, device: parseDeviceId(parts[1] ?? '') };
    }
    if (parts.length === 2 && kind === 'epoch') {
      const text = parts[1] ?? '';
      const epoch = Number(text);
      if (!/^(0|[1-9][0-9]{0,9})$/.test(text) || epoch >= MAX_EPOCH) {
        throw new DocRefError(`bad epoch in ${docId}`);
      }
      return { kind, epoch };
    }
    if (parts.length === 2 && (kind === 'post' || kind === 'thread')) {
      return { kind, postId: parsePostId(parts[1] ?? '') };
    }
    if (parts.length === 4 && kind === 'comment') {
      return {
        kind,
        postAuthor: parsePersonId(parts[1] ?? ''),
        postId: parsePostId(parts[2] ?? ''),
        commentId: parsePostId(parts[3] ?? ''),
      };
    }
    if (parts.length === 3 && kind === 'reaction') {
      return {
        kind,
        postAuthor: parsePersonId(parts[1] ?? ''),
        postId: parsePostId(parts[2] ?? ''),
      };
    }
  } catch (error) {
    if (error instanceof DocRefError) throw error;
    throw new DocRefError(`bad doc id ${JSON.stringify(docId)}: ${(error as Error).message}`);
  }
  throw new DocRefError(`unknown doc id ${JSON.stringify(docId)}`);
}
