/**
 * Bob opens Alice's invite link while none of Alice's pages is open: his acceptance waits, and
 * the Friends screen says so. Alice comes back (a new page in the same browser profile, so her
 * Kith is the one that issued the link); with nothing more done by either, they become friends
 * and connect.
 */
import { expect, it } from 'vitest';
import {
  acceptAsNewcomer,
  createInvite,
  enableTestHooks,
  explained,
  onboard,
  openFriends,
  waitConnected,
  WAIT,
} from './app-helpers.ts';
import { requireNetns, setupE2e } from './harness.ts';

requireNetns()('an invite accepted while the inviter is away', () => {
  const e2e = setupE2e({ site: 'app' });

  it('Bob accepts while Alice is away, sees that it waits, and they become friends when she returns', async () => {
    const alice = await e2e.person('alice');
    const bob = await e2e.person('bob');
    await Promise.all([enableTestHooks(alice.context), enableTestHooks(bob.context)]);
    await alice.goto('/');
    await onboard(alice.page, 'Alice');
    const link = await createInvite(alice.page);
    // Her browser stays, with its storage; only her pages go, and with them her Kith.
    await alice.page.close();
    expect(alice.context.pages()).toHaveLength(0);

    const b = bob.page;
    await acceptAsNewcomer(b, link, 'Bob');
    await b.getByRole('heading', { name: 'Friends', level: 1 }).waitFor(WAIT);
    const accepted = b.getByRole('region', { name: 'Invites you accepted' });
    await accepted
      .getByRole('status')
      .filter({ hasText: /waiting for\s[\s\S]*to come online/i })
      .waitFor(WAIT);
    await expect(b.getByRole('list', { name: 'Your friends' }).count()).resolves.toBe(0);

    const a = await alice.context.newPage();
    await explained({ alice: a, bob: b }, async () => {
      await a.goto(e2e.baseUrl);
      await a.getByRole('navigation', { name: 'Main' }).waitFor(WAIT);
      await waitConnected(a, 'Bob');
      await waitConnected(b, 'Alice');
      await openFriends(b);
      await accepted.waitFor({ state: 'detached', ...WAIT });
    });
  });
});
