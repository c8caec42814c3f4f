/**
 * How a post's comments are laid out: comments on the post in the order written, each followed
 * by its replies, one level deep. A reply names the comment it answers (`replyTo`); a reply to a
 * reply sits under that reply's own parent; a reply whose parent is not shown (deleted, hidden,
 * not here yet) stands on its own at the top level, so nothing written is lost from view.
 */

/** What the layout needs of a comment. */
export interface ThreadComment {
  readonly itemId: string;
  /** The comment it answers, if any. */
  readonly replyTo?: string | undefined;
}

/** A comment on the post and its replies. */
export interface CommentGroup<C extends ThreadComment> {
  readonly comment: C;
  readonly replies: readonly C[];
}

/** Groups `comments` (oldest first) into top-level comments and their replies. */
export function threadComments<C extends ThreadComment>(comments: readonly C[]): CommentGroup<C>[] {
  const byId = new Map(comments.map((c) => [c.itemId, c]));
  /** The top-level comment a comment sits under (itself, when it is one). */
  const rootOf = (c: C): string => {
    const seen = new Set<string>([c.itemId]);
    let at = c;
    for (;;) {
      const parent = at.replyTo === undefined ? undefined : byId.get(at.replyTo);
      if (!parent) return at.itemId;
      // Only a forged doc makes a loop: each of it then stands on its own.
      if (seen.has(parent.itemId)) return c.itemId;
      seen.add(parent.itemId);
      at = parent;
    }
  };
  const groups = new Map<string, { comment: C; replies: C[] }>();
  for (const c of comments) {
    const root = rootOf(c);
    if (root === c.itemId) groups.set(c.itemId, { comment: c, replies: [] });
  }
  for (const c of comments) {
    const root = rootOf(c);
    if (root !== c.itemId) groups.get(root)?.replies.push(c);
  }
  return [...groups.values()];
}

/**
 * Whom answering a comment written by `author` answers, as its button and box say ("Reply to
 * …"): the writer's name, or "your comment" for one's own (not one's own name, as if to someone
 * else).
 */
export function replyTarget<P extends string>(
  author: P,
  me: P,
  nameOf: (person: P) => string,
): string {
  return author === me ? 'your comment' : nameOf(author);
}
