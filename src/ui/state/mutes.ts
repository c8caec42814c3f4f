/**
 * Muted people: this browser's list (localStorage) of people whose posts stay off the timeline
 * and whose activity raises no notification (`notification-choices.ts`). They are not told:
 * nothing of it leaves the device. Their posts stay on their profile page.
 */
import type { PersonId } from '../../core/ids.ts';
import type { Page, PageRequest, PostView } from '../../core/store/storage-adapter.ts';
import { parseStoredJson } from './stored-json.ts';

/** Most people remembered as muted (far more than anyone mutes; bounds what is read back). */
export const MAX_MUTED = 1_000;

/** Pages read at most for one page of the timeline when muted people's posts fill them. */
export const MAX_SKIPPED_PAGES = 10;

/** Reads the muted people back: strings only, at most `MAX_MUTED`, each once. */
export function parseMuted(raw: string | null): ReadonlySet<PersonId> {
  const value = parseStoredJson(raw);
  if (!Array.isArray(value)) return new Set();
  const ids = value.filter((id): id is string => typeof id === 'string' && id.length <= 300);
  return new Set(ids.slice(0, MAX_MUTED) as PersonId[]);
}

/** `muted` with `person` added (`on`) or taken out. */
export function withMuted(
  muted: ReadonlySet<PersonId>,
  person: PersonId,
  on: boolean,
): ReadonlySet<PersonId> {
  const next = new Set(muted);
  if (on) next.add(person);
  else next.delete(person);
  return next;
}

/**
 * Reads one page of posts through `read` without the posts of `muted` people. A page they
 * filled entirely is followed by the next (up to `MAX_SKIPPED_PAGES`), so the timeline does not
 * look empty while older posts of others exist; the cursor returned continues after the last
 * page read.
 */
export async function readUnmuted(
  read: (request: PageRequest) => Promise<Page<PostView>>,
  request: PageRequest,
  muted: ReadonlySet<PersonId>,
): Promise<Page<PostView>> {
  let page = await read(request);
  let items = page.items.filter((post) => !muted.has(post.author));
  for (let i = 1; items.length === 0 && page.next && i < MAX_SKIPPED_PAGES; i++) {
    page = await read({ before: page.next, limit: request.limit });
    items = page.items.filter((post) => !muted.has(post.author));
  }
  return { items, next: page.next };
}
