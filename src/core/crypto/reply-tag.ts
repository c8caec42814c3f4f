/**
 * The reply tag of a friends-only post: what the doc ids of its replies and of its thread name
 * it by (`comment/~<tag>/<commentId>`, `reaction/~<tag>`, `thread/~<tag>`), instead of its author
 * and id, so a relay holding the entries without a key does not learn who answers whom. Every
 * reader of the post holds its content key, so every reader derives the same tag and maps it back
 * to the post; nobody else can link the tag to the post.
 *
 *   tag = base64url(HKDF-SHA256(ikm = content key, salt = empty,
 *                               info = domain("kith/reply-tag/v1", author key 32, post id UTF-8)))
 *         truncated to 16 bytes (22 characters, no padding); `domain` is `kdf.ts`'s
 *         length-prefixed encoding
 *
 * The post's author and id are in the info so that a reader of Alice's post, who holds its content
 * key, cannot give a post of their own the same tag (and so draw Alice's replies to it). 128 bits:
 * two posts' tags collide with negligible probability. A tag is no key: it opens nothing.
 */
import { BytesFormatError, fromBase64Url, toBase64Url, utf8 } from '../bytes.ts';
import { personIdToKey, type PersonId, type PostId } from '../ids.ts';
import type { SymmetricKey } from './aead.ts';
import { domain, hkdf } from './kdf.ts';

declare const brand: unique symbol;
/** A post's reply tag, 22 base64url characters. */
export type ReplyTag = string & { readonly [brand]: 'ReplyTag' };

/** Bytes of a reply tag. */
export const REPLY_TAG_BYTES = 16;
/** The label of the HKDF info the tag is derived under. */
export const REPLY_TAG_INFO = 'kith/reply-tag/v1';

/** Thrown for text that is not a reply tag. */
export class ReplyTagError extends Error {
  override readonly name = 'ReplyTagError';
}

/** The reply tag of `author`'s post `postId`, whose content key is `contentKey`. */
export async function replyTag(
  author: PersonId,
  postId: PostId,
  contentKey: SymmetricKey,
): Promise<ReplyTag> {
  const info = domain(REPLY_TAG_INFO, personIdToKey(author), utf8(postId));
  const bytes = await hkdf(contentKey.raw, new Uint8Array(0), info, REPLY_TAG_BYTES);
  return toBase64Url(bytes) as ReplyTag;
}

/** Parses a reply tag's text form; throws {@link ReplyTagError} for anything else. */
export function parseReplyTag(text: string): ReplyTag {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(text);
  } catch (error) {
    if (error instanceof BytesFormatError) {
      throw new ReplyTagError(`not a reply tag: ${JSON.stringify(text)}`);
    }
    throw error;
  }
  if (bytes.length !== REPLY_TAG_BYTES) throw new ReplyTagError('a reply tag is 16 bytes');
  return text as ReplyTag;
}
