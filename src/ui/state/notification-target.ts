/**
 * What a notification points at: the person it is from, and where it leads, the same from the
 * in-app list and from a system notification's click (which carries the place in its `data`,
 * `notification-data.ts`): the post, brought into view at the comment it is about; a new
 * friend's profile; a message, its conversation; an introduction, the Friends screen where it
 * is answered; anything else, the Notifications screen.
 */
import type { PersonId } from '../../core/ids.ts';
import type { NotificationView } from '../../core/store/storage-adapter.ts';
import { NOTIFICATIONS_HREF } from './notification-data.ts';
import { screenHref } from './route.svelte.ts';

/** Who a notification is from, if it says. */
export function notificationFrom(n: NotificationView): PersonId | null {
  const from = (n.summary as { from?: unknown } | null)?.from;
  return typeof from === 'string' ? (from as PersonId) : null;
}

/** The third person a notification concerns (an introduction's), if it says. */
export function notificationAbout(n: NotificationView): PersonId | null {
  const about = (n.summary as { about?: unknown } | null)?.about;
  return typeof about === 'string' ? (about as PersonId) : null;
}

/** The post (`<author>/<postId>`) a notification is about, if any: a comment, a reaction, a mention. */
function notificationPost(n: NotificationView): string | null {
  if (n.kind === 'friend' || n.kind === 'introduction' || n.kind === 'message') return null;
  const post = (n.summary as { post?: unknown } | null)?.post;
  return typeof post === 'string' && post.includes('/') ? post : null;
}

/**
 * What opening `opened` marks read: itself, and every unread notification about the same post,
 * since the post's screen shows all its comments and reactions (opening a comment's
 * notification left the reaction on the same post unread, and counted).
 */
export function readWith(opened: NotificationView, listed: readonly NotificationView[]): string[] {
  const post = notificationPost(opened);
  return listed
    .filter(
      (n) => !n.read && (n.id === opened.id || (post !== null && notificationPost(n) === post)),
    )
    .map((n) => n.id);
}

/**
 * The fragment a notification opens. A comment, or a mention in one, opens its post at the
 * comment (the notification's id is `<kind>/<the comment's item id>`); a reaction or a mention
 * in a post opens the post; a new friend, their profile. `summary.post` (`<author>/<postId>`)
 * is read back from storage: anything else there leads to the Notifications screen.
 */
export function notificationHref(n: NotificationView): string {
  if (n.kind === 'friend') {
    const from = notificationFrom(n);
    return from ? screenHref({ name: 'profile', person: from }) : NOTIFICATIONS_HREF;
  }
  // Introductions are answered on the Friends screen.
  if (n.kind === 'introduction') return screenHref({ name: 'friends' });
  if (n.kind === 'message') {
    const conversation = (n.summary as { conversation?: unknown } | null)?.conversation;
    return typeof conversation === 'string' && conversation.includes('/')
      ? screenHref({ name: 'conversation', conversation })
      : NOTIFICATIONS_HREF;
  }
  const post = notificationPost(n);
  if (post === null) return NOTIFICATIONS_HREF;
  const summary = n.summary as { in?: unknown } | null;
  const inComment = n.kind === 'comment' || (n.kind === 'mention' && summary?.in === 'comment');
  const item = inComment ? n.id.slice(n.id.indexOf('/') + 1) : '';
  return screenHref(item ? { name: 'post', post, item } : { name: 'post', post });
}
