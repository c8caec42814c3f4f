/**
 * The views of friends' friends' public posts a device held before it showed them, written once
 * per store. Until issue 28 ("public means public") such a post was stored in its author's window
 * and given no view; its entries were settled, not owed (`store/owed.ts`), so nothing would read
 * them again until its author wrote something new. A store that has not had this pass gets it
 * at open; a store made since gets it at once, over nothing.
 */
import type { PersonId } from '../ids.ts';
import { refOf } from '../kinds/registry.ts';
import type { StorageAdapter, StoredEntry } from '../store/storage-adapter.ts';

/** Setting: the pass ran on this store. */
export const HELD_PUBLIC_POSTS_VIEWED = 'views/held-public-posts';

/** Materializes the post entries of every held author `shown` leaves out, once per store. */
export async function viewHeldPublicPostsOnce(
  store: Pick<StorageAdapter, 'getSetting' | 'setSetting' | 'listLogs' | 'getEntries'>,
  apply: (entries: readonly StoredEntry[]) => Promise<void>,
  shown: (author: PersonId) => boolean,
): Promise<void> {
  if ((await store.getSetting(HELD_PUBLIC_POSTS_VIEWED)) === true) return;
  for (const log of await store.listLogs()) {
    if (shown(log.author)) continue;
    for (const range of log.ranges) {
      const entries = await store.getEntries(log.author, log.device, range.start, range.end);
      const posts = entries.filter((e) => refOf(e.docId)?.kind === 'post');
      if (posts.length > 0) await apply(posts);
    }
  }
  await store.setSetting(HELD_PUBLIC_POSTS_VIEWED, true);
}
