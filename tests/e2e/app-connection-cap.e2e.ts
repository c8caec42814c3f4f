/**
 * Alice has four friends and sets "Connections at once" to 2 in Settings. All four post; all four
 * posts reach her, while her tab never holds more than 2 open connections at any moment sampled
 * (every 200 ms in her page, from the moment it loads with the cap).
 */
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  befriend,
  enableTestHooks,
  explained,
  onboard,
  openHome,
  post,
  WAIT,
} from './app-helpers.ts';
import { requireNetns, setupE2e } from './harness.ts';

const FRIENDS = ['Bob', 'Carol', 'Dan', 'Erin'];
/** Set before the reload that applies the cap: the page then samples from its first moment. */
const SAMPLE_FLAG = 'e2e:sample-connections';
/**
 * Bound on the wait for the posts: each friend's presence says it wrote, and Alice lets an idle
 * connection go for it.
 */
const POSTS_WAIT = { timeout: 180_000 };

declare global {
  interface Window {
    e2eConnectionSamples?: number[];
  }
}

/** In every page of Alice's, once flagged: her open connections every 200 ms. */
function sampleConnections(flag: string): void {
  if (location.protocol !== 'http:' || localStorage.getItem(flag) !== '1') return;
  const samples: number[] = [];
  window.e2eConnectionSamples = samples;
  setInterval(() => {
    const mesh = window.kithTest?.network.mesh;
    if (mesh) samples.push(mesh.status().connections);
  }, 200);
}

async function setCap(page: Page, cap: number): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Settings' })
    .click();
  await page.getByLabel('Connections at once').fill(String(cap));
  await page.getByRole('button', { name: 'Save network settings' }).click();
  await page.evaluate((flag) => localStorage.setItem(flag, '1'), SAMPLE_FLAG);
  await page.getByRole('button', { name: 'Reload to apply' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor(WAIT);
}

requireNetns()('a cap on connections', () => {
  const e2e = setupE2e({ site: 'app' });

  it(
    "with a cap of 2 and 4 friends, every friend's post arrives and Alice never holds more than 2",
    { timeout: 600_000 },
    async () => {
      const alice = await e2e.person('alice');
      await enableTestHooks(alice.context);
      await alice.context.addInitScript(sampleConnections, SAMPLE_FLAG);
      const a = alice.page;
      await alice.goto('/');
      await onboard(a, 'Alice');
      const pages: Record<string, Page> = { alice: a };
      for (const name of FRIENDS) {
        const friend = await e2e.person(name.toLowerCase());
        await enableTestHooks(friend.context);
        pages[name] = friend.page;
        await explained(pages, () => befriend(a, 'Alice', friend.page, name));
      }

      await explained(pages, async () => {
        await setCap(a, 2);
        const started = Date.now();
        for (const name of FRIENDS) await post(pages[name]!, `${name} says hello`);
        const arrived: string[] = [];
        try {
          await openHome(a);
          await expect
            .poll(
              async () => {
                arrived.length = 0;
                for (const name of FRIENDS) {
                  const shown = await a
                    .getByRole('article')
                    .filter({ hasText: `${name} says hello` })
                    .count();
                  if (shown > 0) arrived.push(name);
                }
                return arrived.length;
              },
              { ...POSTS_WAIT, interval: 2_000 },
            )
            .toBe(FRIENDS.length);
        } finally {
          const samples = await a.evaluate(() => window.e2eConnectionSamples ?? []);
          console.warn(
            `cap 2: ${arrived.length} of 4 posts arrived (${arrived.join(', ')}) after ${Math.round((Date.now() - started) / 1000)} s; ` +
              `${samples.length} samples, most connections ${Math.max(0, ...samples)}`,
          );
        }
        const samples = await a.evaluate(() => window.e2eConnectionSamples ?? []);
        expect(samples.length).toBeGreaterThan(0);
        expect(Math.max(...samples)).toBeLessThanOrEqual(2);
      });
    },
  );
});
