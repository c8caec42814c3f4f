/**
 * `thread/<postId>` (a public post), `thread/~<tag>` (a friends-only post, named by its reply
 * tag, `crypto/reply-tag.ts`): the replies a post's author re-publishes (`peer/republisher.ts`), each
 * entry embedding a reply entry byte for byte, signature intact, so every reader of the post
 * gets every reply. A record kind: the embedded entry is verified and stored like any received
 * one, and materialized as its own kind.
 */
import type { ReplyTag } from '../crypto/reply-tag.ts';
import { parseDocId, parsePostId, type PostId } from '../ids.ts';
import { expectFields, field, TAG_MARK, type RecordKind } from './kind.ts';
import { tagField } from './reply.ts';

/** The thread doc of one of the author's posts, named by the post's id or by its reply tag. */
export type ThreadRef =
  | { readonly kind: 'thread'; readonly postId: PostId; readonly tag?: undefined }
  | { readonly kind: 'thread'; readonly tag: ReplyTag };

/** The `thread` kind. */
export const threadKind: RecordKind<ThreadRef> = {
  kind: 'thread',
  shape: 'record',
  rank: 3,
  format: (ref) =>
    parseDocId(ref.tag === undefined ? `thread/${ref.postId}` : `thread/${TAG_MARK}${ref.tag}`),
  parse(fields) {
    expectFields('thread', fields, 1);
    const tag = tagField(field(fields, 0));
    return tag
      ? { kind: 'thread', tag }
      : { kind: 'thread', postId: parsePostId(field(fields, 0)) };
  },
  async take(entry, _ref, views) {
    if (entry.payloadKind === 'embedded-entry') await views.reingest(entry.payload);
  },
};
