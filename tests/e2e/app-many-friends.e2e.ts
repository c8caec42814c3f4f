/**
 * Alice has 300 friends: 299 seeded through the core's API (real identities, fresh pairwise
 * secrets, added at once with `Peer.addFriends` through the test hooks, as a restore adds a
 * list) and Bob, befriended through a real invite, the 300th added. Her signaling client holds
 * all 300 pairwise topics on the server's default limits; after a reload (all 300 subscribed and
 * greeted at once) Bob's post reaches her, and no server refused her a topic or closed her socket
 * by policy.
 *
 * Seeding runs while another page of Alice's (on `/health`, no app) holds the network role, so
 * her network starts once, with 299 friends, rather than announcing to them as they are added.
 */
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { PostSigner, befriendAll, waitForTestHooks } from '../../bench/app-seed.ts';
import { befriend, enableTestHooks, explained, onboard, post, waitForPost } from './app-helpers.ts';
import { requireNetns, setupE2e } from './harness.ts';

/** Friends seeded through the core before Bob. */
const SEEDED = 299;
/** The Web Lock the tab holding the network role holds (`src/boot.ts`). */
const NETWORK_LOCK = 'kith-network';

/** What Alice's signaling clients saw, read through the test hooks. */
async function signalingSeen(
  page: Page,
): Promise<{ clients: number; open: number; refusals: number; policyCloses: number }> {
  return page.evaluate(() => {
    const clients = window.kithTest?.network.signaling ?? [];
    return {
      clients: clients.length,
      open: clients.filter((c) => c.isOpen).length,
      refusals: clients.reduce((n, c) => n + c.refusalCount, 0),
      policyCloses: clients.reduce((n, c) => n + c.policyCloseCount, 0),
    };
  });
}

/** Waits until the app in `page` runs the network (its mesh started). */
async function waitForNetwork(page: Page): Promise<void> {
  await page.waitForFunction(() => window.kithTest?.network.mesh, undefined, { timeout: 60_000 });
}

requireNetns()('hundreds of friends', () => {
  const e2e = setupE2e({ site: 'app' });

  it(
    'with 300 friends, the 300th (Bob, a real invite) posts and his post reaches Alice; no refusal',
    { timeout: 600_000 },
    async () => {
      const alice = await e2e.person('alice');
      await enableTestHooks(alice.context);
      const a = alice.page;
      await alice.goto('/');
      await onboard(a, 'Alice');
      await waitForTestHooks(a);

      // Another page takes the network role as Alice's app reloads, and keeps it while seeding.
      const holder = await alice.context.newPage();
      await holder.goto(new URL('/health', a.url()).href);
      const held = holder.evaluate(
        (lock) =>
          new Promise<void>((granted) => {
            void navigator.locks.request(lock, () => {
              granted();
              return new Promise<void>(() => undefined);
            });
          }),
        NETWORK_LOCK,
      );
      await a.reload();
      await held;
      await waitForTestHooks(a);
      const signer = await PostSigner.create(SEEDED);
      await befriendAll(a, signer.friends);
      await holder.close();
      await waitForNetwork(a);

      const bob = await e2e.person('bob');
      await enableTestHooks(bob.context);
      const pages = { alice: a, bob: bob.page };
      await explained(pages, () => befriend(a, 'Alice', bob.page, 'Bob'));
      expect(await a.evaluate(() => window.kithTest?.peer.friends().size)).toBe(SEEDED + 1);

      // A fresh start: all 300 topics subscribed, and all 300 friends greeted, at once.
      await a.reload();
      await waitForTestHooks(a);
      await waitForNetwork(a);
      const text = 'Bob here, friend number 300';
      await explained(pages, async () => {
        await post(bob.page, text);
        await waitForPost(a, 'Bob', text);
      });
      expect(await signalingSeen(a)).toEqual({ clients: 1, open: 1, refusals: 0, policyCloses: 0 });
    },
  );
});
