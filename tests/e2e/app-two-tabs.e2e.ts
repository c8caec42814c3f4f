/**
 * Alice has Kith open in two tabs of one browser. Bob's post appears in both, while only one tab
 * holds the network (its mesh and connections); the other follows it. A photo shown only in the
 * following tab (the leading one is on Settings) is fetched by the leading tab and shows. Alice
 * closes that leading tab: the other takes the network over, and Bob's next post appears there.
 */
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  befriend,
  enableTestHooks,
  explained,
  onboard,
  openScreen,
  post,
  waitForPost,
  WAIT,
} from './app-helpers.ts';
import { requireNetns, setupE2e } from './harness.ts';

function holdsNetwork(page: Page): Promise<boolean> {
  return page.evaluate(() => window.kithTest?.network.mesh != null);
}

requireNetns()('two tabs of one profile', () => {
  const e2e = setupE2e({ site: 'app' });

  it("Bob's posts reach both of Alice's tabs; one holds the network, and the other takes over when it closes", async () => {
    const alice = await e2e.person('alice');
    const bob = await e2e.person('bob');
    await Promise.all([enableTestHooks(alice.context), enableTestHooks(bob.context)]);
    const [first, b] = [alice.page, bob.page];
    await alice.goto('/');
    await onboard(first, 'Alice');
    await befriend(first, 'Alice', b, 'Bob');
    const second = await alice.context.newPage();
    await second.goto(e2e.baseUrl);

    await explained({ first, second, bob: b }, async () => {
      await second.getByRole('navigation', { name: 'Main' }).waitFor(WAIT);
      await post(b, 'Hello to every tab');
      await waitForPost(first, 'Bob', 'Hello to every tab');
      await waitForPost(second, 'Bob', 'Hello to every tab');

      const holders = await Promise.all([holdsNetwork(first), holdsNetwork(second)]);
      expect(holders.filter(Boolean)).toHaveLength(1);
      const [leader, follower] = holders[0] ? [first, second] : [second, first];
      const held = await leader.evaluate(() => window.kithTest!.network.mesh!.status().connections);
      expect(held).toBeGreaterThan(0);
      // The following tab says where its network is, not "connecting" for good.
      const status = (page: Page) => page.getByRole('status', { name: 'Sync status' });
      expect(await status(follower).textContent()).toContain(
        'Kith is connected through another open tab',
      );

      // A photo only the following tab shows: the leading one fetches it for it.
      await openScreen(leader, 'Settings');
      await post(b, 'A photo for the other tab', ['public/icons/icon-192.png']);
      await waitForPost(follower, 'Bob', 'A photo for the other tab');
      const img = follower
        .getByRole('article')
        .filter({ hasText: 'A photo for the other tab' })
        .getByRole('img', { name: 'Photo 1 of 1 by Bob' });
      await expect
        .poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), WAIT)
        .toBeGreaterThan(0);

      await leader.close();
      await expect.poll(() => holdsNetwork(follower), WAIT).toBe(true);
      await expect
        .poll(() => status(follower).textContent(), WAIT)
        .toMatch(/1 of 1 friend connected/);
      await post(b, 'Still here after the tab closed');
      await waitForPost(follower, 'Bob', 'Still here after the tab closed');
    });
  });
});
