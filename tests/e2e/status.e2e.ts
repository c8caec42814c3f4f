/**
 * A status you can trust (docs/ui.md, "Status"). A newcomer with no friends who posts sees no
 * "waiting to be delivered" and no "Not delivered yet". With the signaling server unreachable
 * while Alice and Bob keep their WebRTC connection, neither says offline: both say their friend
 * is connected, the status line agrees with the Friends screen, and a post still travels. When
 * Alice closes her page, Bob's status line and Friends screen both say she is offline within the
 * goodbye bound.
 */
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  befriend,
  explained,
  friendRow,
  join,
  openFriends,
  post,
  waitForPost,
  WAIT,
} from './app-helpers.ts';
import { requireNetns, setupE2e } from './harness.ts';

/**
 * How soon a friend who closed their page is shown offline: the goodbye travels over the open
 * connection at once; the bound leaves room for a loaded machine. Without a goodbye it would be
 * the presence timeout, 75 s.
 */
const GOODBYE_BOUND = { timeout: 15_000 };

function statusLine(page: Page): Promise<string> {
  return page
    .getByRole('status', { name: 'Sync status' })
    .textContent({ timeout: 1_000 })
    .then((text) => text ?? '')
    .catch(() => '');
}

requireNetns()('status you can trust', () => {
  const e2e = setupE2e({ site: 'app' });

  it('a newcomer with no friends who posts sees nothing waiting to be delivered', async () => {
    const a = await join(await e2e.person('alice'), 'Alice');
    await post(a, 'Hello, empty world');
    const mine = a.getByRole('article').filter({ hasText: 'Hello, empty world' });
    // Give the mesh time to read its delivery state; the line must stay free of it.
    await expect.poll(() => statusLine(a), WAIT).toBe('online');
    expect(await statusLine(a)).not.toMatch(/waiting|delivered/);
    expect(await mine.getByText('Not delivered yet').count()).toBe(0);
  });

  it('with the server unreachable, friends still connected say so and still sync', async () => {
    const alice = await e2e.person('alice');
    const bob = await e2e.person('bob');
    const a = await join(alice, 'Alice');
    const b = bob.page;
    await explained({ alice: a, bob: b }, async () => {
      await befriend(a, 'Alice', b, 'Bob');
      await e2e.stopServer();
      try {
        for (const [page, friend] of [
          [a, 'Bob'],
          [b, 'Alice'],
        ] as const) {
          await expect.poll(() => statusLine(page), WAIT).toMatch(/server unreachable/);
          expect(await statusLine(page)).toMatch(/^1 of 1 friend connected/);
          expect(await statusLine(page)).not.toMatch(/offline/);
          await openFriends(page);
          expect(await friendRow(page, friend)).toMatch(/connected|syncing/);
        }
        await post(b, 'Through our own connection');
        await waitForPost(a, 'Bob', 'Through our own connection');
      } finally {
        // The next story needs the server.
        await e2e.restartServer();
      }
    });
  });

  it('Alice closes her page: Bob sees her offline on the status line and on Friends', async () => {
    const alice = await e2e.person('alice');
    const bob = await e2e.person('bob');
    const a = await join(alice, 'Alice');
    const b = bob.page;
    await explained({ alice: a, bob: b }, async () => {
      await befriend(a, 'Alice', b, 'Bob');
      await expect.poll(() => statusLine(b), WAIT).toMatch(/^1 of 1 friend connected/);
      await a.close();
      await expect.poll(() => statusLine(b), GOODBYE_BOUND).toMatch(/^0 of 1 friend connected/);
      await openFriends(b);
      await expect.poll(() => friendRow(b, 'Alice'), GOODBYE_BOUND).toMatch(/offline/);
    });
  });
});
