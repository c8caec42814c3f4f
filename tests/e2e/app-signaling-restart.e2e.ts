/**
 * The signaling server restarts while Alice and Bob are friends and connected. Then their
 * connection is closed on purpose (the test hook), so that a new one can only be made through
 * signaling clients that reconnected and resubscribed by themselves; a post Bob writes afterwards
 * reaches Alice.
 */
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { PersonId } from '../../src/core/ids.ts';
import {
  befriend,
  enableTestHooks,
  explained,
  onboard,
  post,
  waitConnected,
  waitForPost,
  WAIT,
} from './app-helpers.ts';
import { requireNetns, setupE2e } from './harness.ts';

function personId(page: Page): Promise<PersonId> {
  return page.evaluate(() => window.kithTest!.saved.identity.personId);
}

function connectionsCreated(page: Page): Promise<number> {
  return page.evaluate(() => window.kithTest!.network.mesh?.connectionsCreated ?? -1);
}

requireNetns()('a signaling server that restarts', () => {
  const e2e = setupE2e({ site: 'app' });

  it('after a restart and a dropped connection, Bob and Alice reconnect and his post reaches her', async () => {
    const alice = await e2e.person('alice');
    const bob = await e2e.person('bob');
    await Promise.all([enableTestHooks(alice.context), enableTestHooks(bob.context)]);
    const [a, b] = [alice.page, bob.page];
    await explained({ alice: a, bob: b }, async () => {
      await alice.goto('/');
      await onboard(a, 'Alice');
      await befriend(a, 'Alice', b, 'Bob');
      const bobId = await personId(b);

      await e2e.restartServer();
      // Both tabs come back to the new server on their own: two signaling sockets again.
      await expect.poll(() => e2e.server.stats().connections, WAIT).toBeGreaterThanOrEqual(2);

      const before = await connectionsCreated(a);
      expect(before).toBeGreaterThan(0);
      await a.evaluate((bob) => window.kithTest!.network.mesh!.disconnect(bob), bobId);
      await expect.poll(() => connectionsCreated(a), WAIT).toBeGreaterThan(before);
      await waitConnected(a, 'Bob');

      await post(b, 'Back after the server restart');
      await waitForPost(a, 'Bob', 'Back after the server restart');
    });
  });
});
