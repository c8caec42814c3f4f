/**
 * `comment/<postAuthor>/<postId>/<commentId>` (a public post), `comment/~<tag>/<commentId>` (a
 * friends-only post, named by its reply tag): one comment, in the commenter's own log, on
 * someone's post; sealed like the post (`reply.ts`). Its thread item is
 * `<commenter>/comment/<commentId>`.
 */
import { readComment } from '../docs/small-docs.ts';
import { parseDocId, parsePostId, type PostId } from '../ids.ts';
import type { JsonValue } from '../store/storage-adapter.ts';
import { field, type ReplyKind, type ReplyTarget } from './kind.ts';
import {
  admitReply,
  openReply,
  parseReplyFields,
  sealReply,
  targetFields,
  viewReply,
} from './reply.ts';

/** One comment of its writer on a post. */
export interface CommentRef extends ReplyTarget {
  readonly kind: 'comment';
  readonly commentId: PostId;
}

/** The `comment` kind. */
export const commentKind: ReplyKind<CommentRef> = {
  kind: 'comment',
  shape: 'doc',
  rank: 3,
  // An edited-away or deleted text leaves every honest store (whole-state entries, as posts).
  coversEarlier: true,
  caps: {
    maxBytes: 64 * 1024,
    maxEntries: 200,
    root: 'comment',
    fields: new Set(['text', 'createdAt', 'deleted', 'mentions', 'replyTo', 'editedAt']),
  },
  format: (ref) => parseDocId(`comment/${targetFields(ref)}/${ref.commentId}`),
  parse: (fields) =>
    parseReplyFields(
      'comment',
      fields,
      1,
      (rest) => parsePostId(field(rest, 0)),
      (target, commentId): CommentRef => ({ kind: 'comment', ...target, commentId }),
    ),
  itemId: (writer, ref) => `${writer}/comment/${ref.commentId}`,
  ofItem: (tail, post) => ({ kind: 'comment', ...post, commentId: parsePostId(tail) }),
  seal: (ref, _doc, update, port) => sealReply(ref, commentKind.format(ref), update, port),
  open: openReply,
  admit: admitReply,
  view: (change, views) =>
    viewReply(change, views, commentKind.itemId(change.entry.author, change.ref), (knownAt) => {
      const comment = readComment(change.doc);
      if (!comment || comment.deleted) return null;
      const summary: JsonValue = {
        text: comment.text,
        ...(comment.mentions.length > 0 ? { mentions: [...comment.mentions] } : {}),
        ...(comment.replyTo !== undefined ? { replyTo: comment.replyTo } : {}),
        ...(comment.editedAt !== undefined ? { editedAt: comment.editedAt } : {}),
      };
      return {
        summary,
        // A comment is dated by when it was written.
        createdAt: views.trustedTime(comment.createdAt, knownAt),
        mentions: comment.mentions,
      };
    }),
  forget: (writer, ref, views) => views.store.removePostItem(commentKind.itemId(writer, ref)),
};
