/**
 * Invites that say who. Alice creates a single-use link; Ben opens it and, before making an
 * account, reads that Alice invited him (her name is signed into the link); the invite screen
 * names her too. Ben accepts; on Alice's Friends screen the used link and its QR code are gone
 * and she reads "Ben joined".
 */
import { expect, it } from 'vitest';
import { createInvite, explained, join, onboard, waitConnected, WAIT } from './app-helpers.ts';
import { requireNetns, setupE2e } from './harness.ts';

requireNetns()('invites that say who', () => {
  const e2e = setupE2e({ site: 'app' });

  it('Ben reads that Alice invited him; Alice sees "Ben joined" and her used link is gone', async () => {
    const a = await join(await e2e.person('alice'), 'Alice');
    const b = (await e2e.person('ben')).page;
    await explained({ alice: a, ben: b }, async () => {
      const link = await createInvite(a);

      await b.goto(link);
      await b.getByText('You were invited to Kith by Alice.').waitFor(WAIT);
      // The onboarding form follows (its screen loads on demand).
      await b.getByLabel('Your name').waitFor(WAIT);
      await onboard(b, 'Ben');
      await b
        .getByRole('heading', {
          name: 'You are invited to be friends with Alice on Kith',
          level: 1,
        })
        .waitFor(WAIT);
      // Withdrawn or used, only Alice's device can tell: the screen says that answer may come later.
      await b
        .getByText(/only Alice’s device knows whether this invite was withdrawn/i)
        .waitFor(WAIT);
      await b.getByRole('button', { name: 'Accept invite' }).click();
      await waitConnected(b, 'Alice');

      // Alice is still on her Friends screen, where she made the link.
      await a.getByRole('status').filter({ hasText: 'Ben joined' }).waitFor(WAIT);
      expect(await a.getByRole('textbox', { name: 'Invite link' }).count()).toBe(0);
      expect(await a.getByRole('img', { name: 'QR code of the invite link' }).count()).toBe(0);
      expect(await a.getByRole('region', { name: 'Invites you sent' }).count()).toBe(0);
    });
  });
});
