/// <reference lib="webworker" />
/**
 * Kith's service worker (vite-plugin-pwa `injectManifest`: this file, with the precache list
 * written into `self.__WB_MANIFEST` at build time).
 *
 * - Precaches the app shell (the built JS, CSS, HTML, icons) so the app opens with no network at
 *   all; navigations are answered with the cached index.html, except the server's live paths.
 * - Updates wait: a new version installs beside the running one and takes over only when the
 *   page's update prompt sends `{ type: 'SKIP_WAITING' }` (workbox-window's message), so the
 *   person is told and never left on a silently stale app, and a page is never swapped under them.
 * - Opens the app at what a system notification is about when it is clicked.
 * - Answers the Web Share Target's POST to `/share-target` itself: the shared photos and text go
 *   to the share inbox (src/ui/state/shared-inbox.ts) and the page is sent to the composer.
 */
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { hrefFromData } from './ui/state/notification-data.ts';
import {
  putShared,
  readShareForm,
  SHARE_ROUTE,
  SHARE_TARGET_PATH,
  unreadableShare,
  type SharedItems,
} from './ui/state/shared-inbox.ts';

declare const self: ServiceWorkerGlobalScope;

/**
 * Paths the server answers live (signaling socket, health, ICE settings, the home peer's file,
 * which is a download and not precached); never from cache.
 */
const LIVE_PATHS = [
  /^\/signaling/,
  /^\/health/,
  /^\/config\.json/,
  /^\/share-target/,
  /^\/kith-home\.mjs$/,
];

self.addEventListener('message', (event) => {
  const data: unknown = event.data;
  if (
    typeof data === 'object' &&
    data !== null &&
    (data as { type?: unknown }).type === 'SKIP_WAITING'
  ) {
    void self.skipWaiting();
  }
});

// Registered before Workbox's own fetch listener; Workbox routes only GET here, so the two never
// both answer one request.
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (
    event.request.method === 'POST' &&
    url.origin === self.location.origin &&
    url.pathname === SHARE_TARGET_PATH
  ) {
    event.respondWith(receiveShare(event.request));
  }
});

// A system notification (src/ui/state/system-notifications.ts) opens the app at what it is about
// (the fragment in its `data`, as the in-app list links it): an open window of the app if there
// is one, else a new one.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(openApp(hrefFromData(event.notification.data)));
});

/** Brings the app forward at `href`, a fragment of the app (`#/post/…`). */
async function openApp(href: string): Promise<void> {
  const url = new URL(`/${href}`, self.location.origin).href;
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
  if (open) {
    await open.navigate(url).catch(() => null);
    await open.focus();
    return;
  }
  await self.clients.openWindow(url);
}

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: LIVE_PATHS }));

/** Keeps what was shared and sends the page to the composer, whatever the form held. */
async function receiveShare(request: Request): Promise<Response> {
  let items: SharedItems;
  try {
    items = readShareForm(await request.formData());
  } catch {
    // Not multipart, truncated, or over the browser's own limits: the composer says so.
    items = unreadableShare();
  }
  await putShared(self.caches, self.location.origin, items);
  return Response.redirect(new URL(SHARE_ROUTE, self.location.origin).href, 303);
}
