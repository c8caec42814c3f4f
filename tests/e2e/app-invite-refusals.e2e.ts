/**
 * Invite links that cannot make a friendship each say why, in words a person understands, and
 * never leave a blank page: a single-use link already used by Carol, a link opened after its week
 * is over, a link Alice withdrew, and links damaged or cut short on the way. What the link itself
 * shows (expired, changed, damaged) is said as it is opened, before the person makes an account;
 * a withdrawn or used link is known only to Alice's device, so that refusal comes with her answer,
 * as the invite screen says it may.
 */
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  acceptAsNewcomer,
  createInvite,
  explained,
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

/** The problem the invite screen shows for a link that cannot be used, with Accept disabled. */
async function waitProblem(page: Page, message: string): Promise<void> {
  await page.getByRole('heading', { name: /invited to be friends/i }).waitFor(WAIT);
  await page.getByRole('alert').filter({ hasText: message }).waitFor(WAIT);
  expect(await page.getByRole('button', { name: 'Accept invite' }).isDisabled()).toBe(true);
}

/** A newcomer opens `link`: the problem shows above onboarding, before any account exists. */
async function waitProblemBeforeOnboarding(
  page: Page,
  link: string,
  message: string,
): Promise<void> {
  await page.goto(link);
  await page.getByRole('alert').filter({ hasText: message }).waitFor(WAIT);
  // The onboarding form is there too (its screen loads on demand, a moment after the message).
  await page.getByLabel('Your name').waitFor(WAIT);
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

    await explained({ alice: alice.page, carol: carol.page, bob: bob.page }, async () => {
      await acceptAsNewcomer(bob.page, link, 'Bob');
      await waitRefusal(
        bob.page,
        'This invite was already used by someone else. Ask your friend for a new link.',
      );
      await openFriends(bob.page);
      await bob.page.getByText('No friends yet.').waitFor(WAIT);
    });
  });

  it('a link opened eight days later says it expired', async () => {
    const alice = await e2e.person('alice');
    const bob = await e2e.person('bob');
    await alice.goto('/');
    await onboard(alice.page, 'Alice');
    const link = await createInvite(alice.page);

    // Bob's computer lives eight days ahead: the week the link was signed for is over there.
    await bob.page.clock.setSystemTime(Date.now() + 8 * DAY_MS);
    const expired = 'This invite has expired. Ask your friend for a new link.';
    await waitProblemBeforeOnboarding(bob.page, link, expired);
    await onboard(bob.page, 'Bob');
    await waitProblem(bob.page, expired);
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
    // The link and its code leave the screen: nobody should be sent it any more.
    expect(await alice.page.getByLabel('Invite link', { exact: true }).count()).toBe(0);
    expect(await alice.page.getByRole('img', { name: 'QR code of the invite link' }).count()).toBe(
      0,
    );

    await explained({ alice: alice.page, bob: bob.page }, async () => {
      await acceptAsNewcomer(bob.page, link, 'Bob');
      await waitRefusal(bob.page, 'Your friend withdrew this invite. Ask them for a new link.');
    });
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
    const changed =
      'This invite link was changed after it was made. Ask your friend for a new one.';
    await waitProblemBeforeOnboarding(bob.page, damaged, changed);

    // The end of the link lost when copied.
    const cut = 'This invite link is damaged or incomplete. Ask your friend to send it again.';
    await bob.page.goto(`${e2e.baseUrl}/`);
    await waitProblemBeforeOnboarding(bob.page, link.slice(0, -20), cut);

    // Once Bob has an account, the invite screen says the same, with Accept disabled.
    await onboard(bob.page, 'Bob');
    await waitProblem(bob.page, cut);
    await bob.page.goto(damaged);
    await bob.page.reload();
    await waitProblem(bob.page, changed);
  });
});
