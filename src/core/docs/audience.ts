/**
 * Who may read a post (issue 28): anyone (`public`: signed, in clear), the author's friends
 * (`friends`: sealed under the friends epoch), or one of the author's named lists
 * (`list:<listId>`: sealed under that list's own key set, `kinds/audience-list.ts`). The audience
 * is written into the post doc when the post is made and never changes; only the post's readers
 * see it (a list post's doc is sealed, so a friend outside the list learns neither the list nor
 * its members).
 */
import type { RandomBytes } from '../bytes.ts';
import { newPostId } from '../ids.ts';

/** A list of friends one person keeps: 16 random bytes, 22 characters of base64url. */
export type ListId = string & { readonly __brand: 'ListId' };

/** A post sealed for one of its author's lists. */
export type ListAudience = `list:${string}`;

/** Who may read a post. */
export type Audience = 'friends' | 'public' | ListAudience;

const LIST_ID = /^[A-Za-z0-9_-]{22}$/;
const LIST_PREFIX = 'list:';

/** A fresh list id. */
export function newListId(random?: RandomBytes): ListId {
  return (random ? newPostId(random) : newPostId()) as string as ListId;
}

/** Untrusted text as a list id, or `null`. */
export function asListId(text: string): ListId | null {
  return LIST_ID.test(text) ? (text as ListId) : null;
}

/** The audience of a post to the list `list`. */
export function listAudience(list: ListId): ListAudience {
  return `${LIST_PREFIX}${list}`;
}

/** The list an audience names, or `null` for `public` and `friends`. */
export function listOf(audience: Audience): ListId | null {
  return audience.startsWith(LIST_PREFIX) ? asListId(audience.slice(LIST_PREFIX.length)) : null;
}

/** Whether untrusted doc content is an audience. */
export function isAudience(value: unknown): value is Audience {
  if (value === 'friends' || value === 'public') return true;
  return (
    typeof value === 'string' && value.startsWith(LIST_PREFIX) && listOf(value as Audience) !== null
  );
}
