/**
 * `comment/<postAuthor>/<postId>/<commentId>`: one comment, in the commenter's own log, on
 * someone's post; sealed like the post (`reply.ts`). Its thread item is
 * `<commenter>/comment/<commentId>`.
 */
import { readComment } from '../docs/small-docs.ts';
import { parseDocId, parsePersonId, parsePostId, type PersonId, type PostId } from '../ids.ts';
import type { JsonValue } from '../store/storage-adapter.ts';
import { expectFields, field, type ReplyKind } from './kind.ts';
import { admitReply, openReply, sealReply, viewReply } from './reply.ts';

/** One comment of its writer on a post. */
export interface CommentRef {
  readonly kind: 'comment';
  readonly postAuthor: PersonId;
  readonly postId: PostId;
  readonly commentId: PostId;
}

/** The `comment` kind. */
export const commentKind: ReplyKind<CommentRef> = {
  kind: 'comment',
  shape: 'doc',
  rank: 3,
  caps: {
    maxBytes: 64 * 1024,
    maxEntries: 200,
    root: 'comment',
    fields: new Set(['text', 'createdAt', 'deleted', 'mentions']),
  },
  format: (ref) => parseDocId(`comment/${ref.postAuthor}/${ref.postId}/${ref.commentId}`),
  parse(fields) {
    expectFields('comment', fields, 3);
    return {
      kind: 'comment',
      postAuthor: parsePersonId(field(fields, 0)),
      postId: parsePostId(field(fields, 1)),
      commentId: parsePostId(field(fields, 2)),
    };
  },
  itemId: (writer, ref) => `${writer}/comment/${ref.commentId}`,
  ofItem: (tail, post) => ({ kind: 'comment', ...post, commentId: parsePostId(tail) }),
  seal: (ref, _doc, update, port) => sealReply(ref, commentKind.format(ref), update, port),
  open: openReply,
  admit: admitReply,
  view: (change, views) =>
    viewReply(change, views, commentKind.itemId(change.entry.author, change.ref), (knownAt) => {
      const comment = readComment(change.doc);
      if (!comment || comment.deleted) return null;
      const summary: JsonValue =
        comment.mentions.length > 0
          ? { text: comment.text, mentions: [...comment.mentions] }
          : { text: comment.text };
      return {
        summary,
        // A comment is dated by when it was written.
        createdAt: views.trustedTime(comment.createdAt, knownAt),
        mentions: comment.mentions,
      };
    }),
  forget: (writer, ref, views) => views.store.removePostItem(commentKind.itemId(writer, ref)),
};
