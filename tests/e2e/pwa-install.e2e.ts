/**
 * Ada installs Kith: in a persistent Chromium profile (an incognito context cannot be asked),
 * CDP `Page.getInstallabilityErrors` finds nothing missing, Settings offers the install button
 * once the browser fires `beforeinstallprompt`, and the service worker takes control. Then the
 * server goes down and the browser goes offline, and a reload still opens Kith with her posts,
 * and she can still post.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { launchPersistent, setupE2e, type Person } from './harness.ts';
import { onboard, post, WAIT } from './app-helpers.ts';
import { reloadUnderServiceWorker } from './pwa-helpers.ts';

const IPHONE_SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 ' +
  '(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

describe('Kith as an installed app', () => {
  const e2e = setupE2e({ site: 'app' });
  let ada: Person | undefined;
  let profile: string | undefined;

  afterEach(async () => {
    try {
      await ada?.close();
    } finally {
      ada = undefined;
      if (profile) await rm(profile, { recursive: true, force: true });
      profile = undefined;
      // The offline story stops the server; whatever runs next (a retry too) gets it back.
      await e2e.restartServer();
    }
  });

  it('is installable, runs under its service worker, and opens offline with her posts', async () => {
    profile = await mkdtemp(join(tmpdir(), 'kith-pwa-install-'));
    ada = await launchPersistent(profile, { baseUrl: e2e.baseUrl });
    const page = ada.page;
    await ada.goto('/');
    await onboard(page, 'Ada');
    await post(page, 'Written before the network went away');

    const cdp = await ada.context.newCDPSession(page);
    await expect
      .poll(async () => {
        const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
        return installabilityErrors.map((error) => error.errorId);
      }, WAIT)
      .toEqual([]);
    const manifest = await cdp.send('Page.getAppManifest');
    expect(manifest.errors).toEqual([]);

    await reloadUnderServiceWorker(page);

    // The browser's install offer becomes the app's own button.
    await page.getByRole('link', { name: 'Settings' }).click();
    const section = page.getByRole('region', { name: 'Install Kith' });
    await section.getByRole('button', { name: 'Install Kith' }).waitFor(WAIT);
    // Storage persistence was asked for on the first Home screen; Settings gives the answer.
    await page
      .getByRole('region', { name: 'Storage' })
      .getByText(/persistent storage is (on|not granted)/i)
      .waitFor(WAIT);
    expect(
      await page.getByRole('list', { name: 'Storage by person' }).getByText('You').count(),
    ).toBe(1);

    await e2e.server.close();
    await ada.context.setOffline(true);
    await page.goto(e2e.baseUrl);
    await page.getByRole('form', { name: 'New post' }).waitFor(WAIT);
    await page
      .getByRole('article')
      .filter({ hasText: 'Written before the network went away' })
      .waitFor(WAIT);
    // The live paths are never answered from the cache.
    const health = await page.evaluate(() =>
      fetch('/health').then(
        (response) => `status ${response.status}`,
        () => 'network error',
      ),
    );
    expect(health).toBe('network error');
    // Still a working app, not a picture of one: a new post is kept while nothing is reachable.
    await post(page, 'Written with no network at all');
  });

  it('explains Add to Home Screen on an iPhone, once on Home and always in Settings', async () => {
    // Safari's own engine is not here; Chromium with Safari's user agent takes the same path,
    // since what the app reads is the user agent and the display mode.
    const context = await e2e.browser.newContext({
      userAgent: IPHONE_SAFARI,
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    try {
      const page = await context.newPage();
      await page.goto(e2e.baseUrl);
      await onboard(page, 'Ada');
      const banner = page.getByRole('complementary', { name: 'Install Kith' });
      await banner.getByText('Add to Home Screen').waitFor(WAIT);
      expect(await banner.getByRole('listitem').count()).toBe(3);
      await banner.getByRole('button', { name: 'Got it' }).click();
      expect(await banner.count()).toBe(0);

      await page.reload();
      await page.getByRole('form', { name: 'New post' }).waitFor(WAIT);
      expect(await banner.count()).toBe(0);

      await page.getByRole('link', { name: 'Settings' }).tap();
      const section = page.getByRole('region', { name: 'Install Kith' });
      await section.getByText('Add to Home Screen').waitFor(WAIT);
      expect(await section.getByRole('button', { name: 'Install Kith' }).count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
