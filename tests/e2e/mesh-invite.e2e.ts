/**
 * Becoming friends through an invite link, with the core only (the screens come with the UI):
 * Bob opens Alice's link while Alice is not answering, and his acceptance waits; Alice comes
 * online and both become friends without either doing more, then connect over the pairwise topic
 * the invite made and talk. Carol, opening the same single-use link, is told it was used; a
 * garbled and an expired link each get their reason.
 */
import { expect, it } from 'vitest';
import type {} from './fixtures/mesh-invite.ts';
import { requireNetns, setupE2e } from './harness.ts';

const WAIT_MS = 30_000;

requireNetns()('invites over the mesh core', () => {
  const e2e = setupE2e({ site: 'fixtures' });

  it('Bob accepts while Alice is away; when she returns they are friends and connected', async () => {
    const [alice, bob, carol] = await Promise.all([
      e2e.person('alice'),
      e2e.person('bob'),
      e2e.person('carol'),
    ]);
    await Promise.all([alice, bob, carol].map((p) => p.goto('/mesh-invite.html')));
    const start = { signalingUrl: e2e.signalingUrl };
    const aliceId = await alice.evaluate((o) => window.e2eInvite.start(o), start);
    const bobId = await bob.evaluate((o) => window.e2eInvite.start(o), start);
    await carol.evaluate((o) => window.e2eInvite.start(o), start);

    const issue = { origin: e2e.baseUrl, signalingUrl: e2e.signalingUrl };
    const link = await alice.evaluate((o) => window.e2eInvite.issue(o), {
      ...issue,
      expiresInMs: 3_600_000,
    });
    expect(link.startsWith(`${e2e.baseUrl}/#invite=`)).toBe(true);
    const expired = await alice.evaluate((o) => window.e2eInvite.issue(o), {
      ...issue,
      expiresInMs: -60_000,
    });

    expect(
      await bob.evaluate((l) => window.e2eInvite.accept(l), `${link.slice(0, -12)}!garbled`),
    ).toBe('malformed');
    expect(await bob.evaluate((l) => window.e2eInvite.accept(l), expired)).toBe('expired');

    // Alice's desk is not open: Bob's acceptance waits, republished, unanswered.
    expect(await bob.evaluate((l) => window.e2eInvite.accept(l), link)).toBe('waiting');
    await new Promise((r) => setTimeout(r, 2500));
    expect(await bob.evaluate(() => window.e2eInvite.answer())).toBeUndefined();

    await alice.evaluate(() => window.e2eInvite.openDesk());
    expect(await bob.evaluate((ms) => window.e2eInvite.outcome(ms), WAIT_MS)).toBe('welcome');
    expect(await alice.evaluate((ms) => window.e2eInvite.connected(1, ms), WAIT_MS)).toEqual([
      bobId,
    ]);
    expect(await bob.evaluate((ms) => window.e2eInvite.connected(1, ms), WAIT_MS)).toEqual([
      aliceId,
    ]);
    await bob.evaluate(() => window.e2eInvite.sendText('hello new friend'));
    expect(await alice.evaluate((ms) => window.e2eInvite.received(1, ms), WAIT_MS)).toEqual([
      'hello new friend',
    ]);

    expect(await carol.evaluate((l) => window.e2eInvite.accept(l), link)).toBe('waiting');
    expect(await carol.evaluate((ms) => window.e2eInvite.outcome(ms), WAIT_MS)).toBe('used');
  });
});
