/**
 * Alice's connection cap is 2 and she has 4 friends, all online. Rotation lets every friend in
 * turn: each one's greeting (sent as its connection opens) reaches her, while she never holds more
 * than 2 connections at any moment sampled (every 20 ms and at every change, in her page).
 */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import type {} from './fixtures/mesh-net.ts';
import { requireNetns, setupE2e } from './harness.ts';

const WAIT_MS = 60_000;

requireNetns()('the connection cap in real browsers', () => {
  const e2e = setupE2e({ site: 'fixtures' });

  it('with a cap of 2 and 4 friends, every friend gets through and Alice never holds more than 2', async () => {
    const names = ['bob', 'carol', 'dan', 'erin'];
    const alice = await e2e.person('alice');
    const friends = await Promise.all(names.map((name) => e2e.person(name)));
    await Promise.all([alice, ...friends].map((p) => p.goto('/mesh-net.html')));
    const signalingUrl = e2e.signalingUrl;
    const aliceId = await alice.evaluate((o) => window.e2eMesh.start(o), {
      signalingUrl,
      maxConnections: 2,
      rotationMs: 1500,
      minHoldMs: 1000,
    });
    for (const [i, friend] of friends.entries()) {
      const id = await friend.evaluate((o) => window.e2eMesh.start(o), {
        signalingUrl,
        greeting: `greetings from ${names[i]}`,
      });
      const pairwiseSecret = randomBytes(32).toString('base64url');
      await alice.evaluate((o) => window.e2eMesh.befriend(o), {
        person: id.person,
        pairwiseSecret,
      });
      await friend.evaluate((o) => window.e2eMesh.befriend(o), {
        person: aliceId.person,
        pairwiseSecret,
      });
    }

    const deadline = Date.now() + WAIT_MS;
    let texts: string[] = [];
    while (names.some((name) => !texts.includes(`greetings from ${name}`))) {
      if (Date.now() > deadline) throw new Error(`only got: ${texts.join(', ')}`);
      await new Promise((r) => setTimeout(r, 250));
      texts = await alice.evaluate(() => window.e2eMesh.texts());
    }
    const maxHeld = await alice.evaluate(() => window.e2eMesh.maxHeld());
    expect(maxHeld).toBeGreaterThan(0);
    expect(maxHeld).toBeLessThanOrEqual(2);
  });
});
