/**
 * Steps the PWA stories share: waiting until the service worker controls a page. A first visit
 * is never controlled (the worker installs beside it and does not claim open pages, so that an
 * update never swaps code under a page); the next load is.
 */
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { WAIT } from './app-helpers.ts';

/** Waits for the service worker to be active, reloads, and checks it now controls the page. */
export async function reloadUnderServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await page.reload();
  await expect
    .poll(() => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null), WAIT)
    .toMatch(/\/sw\.js$/);
}
