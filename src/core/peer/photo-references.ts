/**
 * Which photos a post lets go (deleted, or edited away) nothing else shows. A clear (public)
 * photo is addressed by its bytes, so another post, or a profile, may show the very same blob:
 * it stays while one does. A private photo's ciphertext belongs to its post alone (sealed under
 * the post's content key, `crypto/blobs.ts`), so nothing else ever shows it.
 */
import { postSummary } from '../kinds/post.ts';
import { profileViewKey } from '../kinds/profile.ts';
import {
  MAX_PAGE_SIZE,
  type LogStore,
  type PageCursor,
  type ViewStore,
} from '../store/storage-adapter.ts';

/** What the check reads: post views, profile views, and whose logs are held (whose profiles). */
export type PhotoViews = Pick<ViewStore, 'timelinePage' | 'getPostView'> &
  Pick<LogStore, 'getSetting' | 'listLogs'>;

/**
 * Of `ids`, those no post view but `letGo`'s (the post letting them go, whose view is still the
 * old one) shows, nor the profile view of anyone whose log is held here.
 */
export async function unshownPhotos(
  views: PhotoViews,
  ids: readonly string[],
  letGo: string,
): Promise<string[]> {
  const left = new Set(ids);
  if (left.size === 0) return [];
  // A private photo's ciphertext is its post's alone: no scan of every view for it.
  const post = await views.getPostView(letGo);
  if (post && postSummary(post).audience !== 'public') return [...left];
  const people = new Set((await views.listLogs()).map((log) => log.author));
  for (const person of people) {
    for (const id of profilePictures(await views.getSetting(profileViewKey(person))))
      left.delete(id);
  }
  let before: PageCursor | undefined;
  while (left.size > 0) {
    const page = await views.timelinePage({ before, limit: MAX_PAGE_SIZE });
    for (const view of page.items) {
      if (view.postId === letGo) continue;
      const photos = postSummary(view).photos as unknown;
      if (!Array.isArray(photos)) continue;
      for (const p of photos as ReturnType<typeof postSummary>['photos']) {
        left.delete(p.blob);
        left.delete(p.thumb);
      }
    }
    if (!page.next) break;
    before = page.next;
  }
  return [...left];
}

/** The blob ids a profile view (`profile.ts`'s `toJson`) shows. */
function profilePictures(view: unknown): string[] {
  if (typeof view !== 'object' || view === null) return [];
  const out: string[] = [];
  for (const picture of [
    (view as { avatar?: unknown }).avatar,
    (view as { cover?: unknown }).cover,
  ]) {
    if (typeof picture !== 'object' || picture === null) continue;
    for (const id of [(picture as { blob?: unknown }).blob, (picture as { thumb?: unknown }).thumb])
      if (typeof id === 'string') out.push(id);
  }
  return out;
}
