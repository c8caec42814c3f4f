/**
 * Invite links that cannot make a friendship each say why, in words a person understands, and
 * never leave a blank page: a single-use link already used by Carol, a link opened after its week
 * is over, a link Alice withdrew, and links damaged or cut short on the way.
 */
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  acceptAsNewcomer,
  createInvite,
  onboard,
  openFriends,
  waitConnected,
  WAIT,
} from './app-helpers.ts';
import { requireNetns, setupE2e } from './harness.ts';

const DAY_MS = 24 * 3_600_000;

/** The refusal the Friends screen shows under "Invites you accepted", once the answer came. */
async function waitRefusal(page: Page, message: string): Promise<void> {
  await page.getByRole('heading', { name: 'Friends', level: 1 }).waitFor(WAIT);
  await page
    .getByRole('region', { name: 'Invites you accepted' })
    .getByRole('listitem')
    .filter({ hasText: message })
    .waitFor(WAIT);
}

/** The problem the invite screen shows when Accept is refused at once. */
async function waitProblem(page: Page, message: string): Promise<void> {
  await page.getByRole('heading', { name: /invited to be friends/i }).waitFor(WAIT);
  await page.getByRole('alert').filter({ hasText: message }).waitFor(WAIT);
  expect(await page.getByRole('button', { name: 'Accept invite' }).isDisabled()).toBe(true);
}

requireNetns()('invite links that cannot be used', () => {
  const e2e = setupE2e({ site: 'app' });

  it('a single-use link Carol already used tells Bob so once Alice answers', async () => {
    const alice = await e2e.person('alice');
    const carol = await e2e.person('carol');
    const bob = await e2e.person('bob');
    await alice.goto('/');
    await onboard(alice.page, 'Alice');
    const link = await createInvite(alice.page);
    await acceptAsNewcomer(carol.page, link, 'Carol');
    await waitConnected(carol.page, 'Alice');

    await acceptAsNewcomer(bob.page, link, 'Bob');
    await waitRefusal(
      bob.page,
      'This invite was already used by someone else. Ask your friend for a new link.',
    );
    await openFriends(bob.page);
    await bob.page.getByText('No friends yet.').waitFor(WAIT);
  });

  it('a link opened eight days later says it expired', async () => {
    const alice = await e2e.person('alice');
    const bob = await e2e.person('bob');
    await alice.goto('/');
    await onboard(alice.page, 'Alice');
    const link = await createInvite(alice.page);

    // Bob's computer lives eight days ahead: the week the link was signed for is over there.
    await bob.page.clock.setSystemTime(Date.now() + 8 * DAY_MS);
    await acceptAsNewcomer(bob.page, link, 'Bob');
    await waitProblem(bob.page, 'This invite has expired. Ask your friend for a new link.');
  });

  it('a link Alice withdrew tells Bob she withdrew it', async () => {
    const alice = await e2e.person('alice');
    const bob = await e2e.person('bob');
    await alice.goto('/');
    await onboard(alice.page, 'Alice');
    const link = await createInvite(alice.page);
    const sent = alice.page.getByRole('region', { name: 'Invites you sent' });
    await sent.getByRole('button', { name: 'Withdraw invite' }).click();
    await sent.waitFor({ state: 'detached', ...WAIT });

    await acceptAsNewcomer(bob.page, link, 'Bob');
    await waitRefusal(bob.page, 'Your friend withdrew this invite. Ask them for a new link.');
  });

  it('a damaged link and a link cut short each get a clear message', async () => {
    const alice = await e2e.person('alice');
    const bob = await e2e.person('bob');
    await alice.goto('/');
    await onboard(alice.page, 'Alice');
    const link = await createInvite(alice.page);

    // One character of the signature (at the end of the payload) changed on the way.
    const at = link.length - 10;
    const damaged = link.slice(0, at) + (link[at] === 'A' ? 'B' : 'A') + link.slice(at + 1);
    await acceptAsNewcomer(bob.page, damaged, 'Bob');
    await waitProblem(
      bob.page,
      'This invite link was changed after it was made. Ask your friend for a new one.',
    );

    // The end of the link lost when copied.
    await bob.page.goto(link.slice(0, -20));
    await bob.page.reload();
    await bob.page.getByRole('button', { name: 'Accept invite' }).click();
    await waitProblem(
      bob.page,
      'This invite link is damaged or incomplete. Ask your friend to send it again.',
    );
  });
});
