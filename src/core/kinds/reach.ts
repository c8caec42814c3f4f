/**
 * A friend of a friend's public post (issue 28 "Public means public"). A device replicates its
 * friends' friends' logs as a recent window (`sync/sync-engine.ts`), and a public post is in
 * clear: anyone who holds it reads it. Its view is written for its author's profile; it joins the
 * home timeline only while this person or a friend answered it (a comment or a reaction), and
 * the row says who did, so the timeline stays one's own and one's friends' (`PostView.via`).
 * A friend of a friend's friends-only post is never opened here: no key of it is held.
 */
import type { PersonId } from '../ids.ts';
import type { Answerer, KindStore, PostView } from '../store/storage-adapter.ts';
import type { ViewPort } from './kind.ts';

/** Whether `author`'s posts are shown as one's own or a friend's (no `via`). */
export function isOwnOrFriends(views: ViewPort, author: PersonId): boolean {
  return author === views.me || views.isFriend(author);
}

/**
 * Who here (this person or a friend) answered the post `post` (its key), one per person in the
 * order of their first answer; a comment outranks a reaction.
 */
export async function answerersOf(
  store: Pick<KindStore, 'itemsByPost'>,
  post: string,
  counts: (person: PersonId) => boolean,
): Promise<Answerer[]> {
  const byPerson = new Map<PersonId, Answerer['kind']>();
  for (const item of await store.itemsByPost(post)) {
    if (!counts(item.author)) continue;
    if (byPerson.get(item.author) !== 'comment') byPerson.set(item.author, item.kind);
  }
  return [...byPerson].map(([person, kind]) => ({ person, kind }));
}

/**
 * Writes the view of a friend of a friend's post again if who answered it changed (after one of
 * its answers was written or taken away); a friend's or one's own post has no `via` to follow.
 */
export async function followAnswerers(views: ViewPort, view: PostView): Promise<void> {
  if (!view.via) return;
  const via = await answerersOf(views.store, view.postId, (p) => isOwnOrFriends(views, p));
  if (JSON.stringify(via) === JSON.stringify(view.via)) return;
  await views.store.putPostViews([{ ...view, via }]);
}
