/**
 * `thread/<postId>`: the replies a post's author re-publishes (`peer/republisher.ts`), each
 * entry embedding a reply entry byte for byte, signature intact, so every reader of the post
 * gets every reply. A record kind: the embedded entry is verified and stored like any received
 * one, and materialized as its own kind.
 */
import { parseDocId, parsePostId, type PostId } from '../ids.ts';
import { expectFields, field, type RecordKind } from './kind.ts';

/** The thread doc of one of the author's posts. */
export interface ThreadRef {
  readonly kind: 'thread';
  readonly postId: PostId;
}

/** The `thread` kind. */
export const threadKind: RecordKind<ThreadRef> = {
  kind: 'thread',
  shape: 'record',
  rank: 3,
  format: (ref) => parseDocId(`thread/${ref.postId}`),
  parse(fields) {
    expectFields('thread', fields, 1);
    return { kind: 'thread', postId: parsePostId(field(fields, 0)) };
  },
  async take(entry, _ref, views) {
    if (entry.payloadKind === 'embedded-entry') await views.reingest(entry.payload);
  },
};
