/**
 * Interop with a client nobody here wrote: y-webrtc's own `WebrtcProvider`, in two isolated
 * browser contexts, syncs a Yjs doc both ways through Kith's signaling server, with no ICE
 * servers (its defaults are public ones).
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import type {} from './fixtures/ywebrtc.ts';
import { requireNetns, setupE2e } from './harness.ts';

/** Bound on each wait inside the pages. */
const WAIT_MS = 30_000;

requireNetns()("y-webrtc's WebrtcProvider through Kith's signaling server", () => {
  const e2e = setupE2e({ site: 'fixtures' });

  it('syncs a Yjs doc from Alice to Bob and from Bob to Alice', async () => {
    const [alice, bob] = await Promise.all([e2e.person('alice'), e2e.person('bob')]);
    await Promise.all([alice.goto('/ywebrtc.html'), bob.goto('/ywebrtc.html')]);
    const room = `e2e-ywebrtc-${randomUUID()}`;
    const start = { signalingUrl: e2e.signalingUrl, room };
    for (const person of [alice, bob]) {
      await person.evaluate((o) => window.e2eYwebrtc.start(o.signalingUrl, o.room), start);
    }

    // The contexts share no BroadcastChannel, so this connection can only be WebRTC.
    for (const person of [alice, bob]) {
      expect(await person.evaluate((ms) => window.e2eYwebrtc.connectedPeers(ms), WAIT_MS)).toBe(1);
    }

    await alice.evaluate(() => window.e2eYwebrtc.write('from-alice', 'hello from Alice'));
    await bob.evaluate(
      (ms) => window.e2eYwebrtc.sees('from-alice', 'hello from Alice', ms),
      WAIT_MS,
    );

    await bob.evaluate(() => window.e2eYwebrtc.write('from-bob', 'hello from Bob'));
    await alice.evaluate((ms) => window.e2eYwebrtc.sees('from-bob', 'hello from Bob', ms), WAIT_MS);
    // Both sides end with both writes: nothing was lost or overwritten on the way back.
    const both = { 'from-alice': 'hello from Alice', 'from-bob': 'hello from Bob' };
    expect(await alice.evaluate(() => window.e2eYwebrtc.snapshot())).toEqual(both);
    expect(await bob.evaluate(() => window.e2eYwebrtc.snapshot())).toEqual(both);
  });
});
