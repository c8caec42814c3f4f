/**
 * A hostile friend among honest ones, over real data channels (real Chromium, real WebRTC in the
 * test's network namespace, Kith's signaling, connection manager, framing and sync engine).
 * Alice is connected to Bob (honest) and to Mallory, who answers each new connection with the
 * next attack of her script: garbage bytes, a flood of forged entries, a flood of validly signed
 * entries nobody asked for, and one message over the receiver's frame cap. Alice drops Mallory
 * each time with a typed reason (her reconnects wait out the connection manager's backoff), stores
 * nothing of hers, and her sync with Bob, who keeps writing meanwhile, completes.
 *
 * Offer storms (a friend burning the connection budget) are covered by the connection manager's
 * unit tests (`src/core/net/connection-manager.test.ts`); the receiver's budgets, push allowance
 * and per-friend memory bound by `src/core/sync/sync-receipt.test.ts` and `memory-budget.test.ts`.
 */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import type {} from './fixtures/malicious-peer.ts';
import { requireNetns, setupE2e } from './harness.ts';

const WAIT_MS = 60_000;

requireNetns()('a hostile peer', () => {
  const e2e = setupE2e({ site: 'fixtures' });

  it('is dropped with a typed reason for each attack while Alice and Bob sync on', async () => {
    const [alice, bob, mallory] = await Promise.all([
      e2e.person('alice'),
      e2e.person('bob'),
      e2e.person('mallory'),
    ]);
    await Promise.all([alice, bob, mallory].map((p) => p.goto('/malicious-peer.html')));
    const start = (role: 'honest' | 'hostile', entries: number) => ({
      signalingUrl: e2e.signalingUrl,
      role,
      entries,
    });
    const aliceId = await alice.evaluate((o) => window.e2eMalicious.start(o), start('honest', 5));
    const bobId = await bob.evaluate((o) => window.e2eMalicious.start(o), start('honest', 300));
    const malloryId = await mallory.evaluate(
      (o) => window.e2eMalicious.start(o),
      start('hostile', 1),
    );
    const aliceBob = randomBytes(32).toString('base64url');
    const aliceMallory = randomBytes(32).toString('base64url');
    await Promise.all([
      alice.evaluate((o) => window.e2eMalicious.befriend(o), {
        person: bobId,
        pairwiseSecret: aliceBob,
        replicate: true,
      }),
      // A friend Alice connects to, whose log she does not replicate.
      alice.evaluate((o) => window.e2eMalicious.befriend(o), {
        person: malloryId,
        pairwiseSecret: aliceMallory,
        replicate: false,
      }),
      bob.evaluate((o) => window.e2eMalicious.befriend(o), {
        person: aliceId,
        pairwiseSecret: aliceBob,
        replicate: true,
      }),
      mallory.evaluate((o) => window.e2eMalicious.befriend(o), {
        person: aliceId,
        pairwiseSecret: aliceMallory,
        replicate: false,
      }),
    ]);

    // The first attack lands; Bob keeps writing while the others follow.
    await alice.evaluate((ms) => window.e2eMalicious.closes(1, ms), WAIT_MS);
    await bob.evaluate((n) => window.e2eMalicious.write(n), 100);
    const closes = await alice.evaluate((ms) => window.e2eMalicious.closes(4, ms), 3 * WAIT_MS);

    const fromMallory = closes.filter((c) => c.remote === malloryId);
    expect(closes.filter((c) => c.remote === bobId)).toEqual([]);
    expect(fromMallory.map((c) => c.reason)).toEqual([
      'malformed-message',
      'too-many-invalid-entries',
      'too-many-unwanted-entries',
      'transport-closed',
    ]);
    // The oversized frame is refused by the framing layer before any of it is buffered.
    expect(fromMallory[3]!.detail).toMatch(/^error: framing: too-large/);
    expect(await mallory.evaluate(() => window.e2eMalicious.attacksLaunched())).toBe(4);

    await alice.evaluate((o) => window.e2eMalicious.holds(o.bobId, 400, o.ms), {
      bobId,
      ms: WAIT_MS,
    });
    const held = await alice.evaluate(() => window.e2eMalicious.heldByAuthor());
    expect(held).toEqual({ [aliceId]: 5, [bobId]: 400 });
    expect(await alice.evaluate(() => window.e2eMalicious.openSessions())).toContain(bobId);
  }, 240_000);
});
