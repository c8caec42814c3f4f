/**
 * What a system notification carries in its `data`: the fragment of the screen its click opens
 * (`notification-target.ts` chooses it). Read back by the page's `onclick` and by the service
 * worker's `notificationclick` (`src/sw.ts`), so this module imports nothing the service worker
 * should not bundle.
 */

/** A system notification's `data`. */
export interface NotificationData {
  /** A fragment of the app (`#/post/…`, `#/profile/…`, `#/notifications`). */
  readonly href: string;
}

/** The Notifications screen's fragment (`screenHref({ name: 'notifications' })`). */
export const NOTIFICATIONS_HREF = '#/notifications';

/** Longest fragment taken back from the system (a post and a comment id fit many times over). */
const MAX_HREF = 2_000;

/**
 * The fragment a notification's `data` names, if it is one of the app's own (`#/…`); anything
 * else (another app's data, a notification from an older version) opens the Notifications
 * screen.
 */
export function hrefFromData(data: unknown): string {
  const href = (data as { href?: unknown } | null)?.href;
  return typeof href === 'string' && href.startsWith('#/') && href.length <= MAX_HREF
    ? href
    : NOTIFICATIONS_HREF;
}
