/**
 * `reaction/<postAuthor>/<postId>` (a public post), `reaction/~<tag>` (a friends-only post, named
 * by its reply tag): the writer's one reaction to a post, in their own log; sealed like the post
 * (`reply.ts`). Its thread item is `<writer>/reaction/<postAuthor>/<postId>`.
 */
import { readReaction } from '../docs/small-docs.ts';
import { parseDocId, postKey } from '../ids.ts';
import type { ReplyKind, ReplyTarget } from './kind.ts';
import {
  admitReply,
  openReply,
  parseReplyFields,
  sealReply,
  targetFields,
  viewReply,
} from './reply.ts';

/** The writer's reaction to a post. */
export interface ReactionRef extends ReplyTarget {
  readonly kind: 'reaction';
}

/** The `reaction` kind. */
export const reactionKind: ReplyKind<ReactionRef> = {
  kind: 'reaction',
  shape: 'doc',
  rank: 3,
  caps: {
    maxBytes: 16 * 1024,
    maxEntries: 1_000,
    root: 'reaction',
    fields: new Set(['value', 'at']),
  },
  format: (ref) => parseDocId(`reaction/${targetFields(ref)}`),
  parse: (fields) =>
    parseReplyFields(
      'reaction',
      fields,
      0,
      () => null,
      (target): ReactionRef => ({ kind: 'reaction', ...target }),
    ),
  itemId: (writer, ref) => `${writer}/reaction/${postKey(ref.postAuthor, ref.postId)}`,
  // One reaction per writer and post: the tail only repeats the post.
  ofItem: (_tail, post) => ({ kind: 'reaction', ...post }),
  seal: (ref, _doc, update, port) => sealReply(ref, reactionKind.format(ref), update, port),
  open: openReply,
  admit: admitReply,
  view: (change, views) =>
    viewReply(change, views, reactionKind.itemId(change.entry.author, change.ref), () => {
      const reaction = readReaction(change.doc);
      if (!reaction) return null;
      // A reaction is dated by its latest change.
      return {
        summary: { value: reaction.value },
        createdAt: views.trustedTime(change.entry.timestamp, undefined),
        mentions: [],
      };
    }),
  forget: (writer, ref, views) => views.store.removePostItem(reactionKind.itemId(writer, ref)),
};
