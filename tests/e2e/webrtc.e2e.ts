/**
 * Alice and Bob, in two isolated browser contexts, find each other through Kith's signaling
 * server and open a WebRTC data channel with no STUN or TURN server, then talk both ways.
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import type {} from './fixtures/webrtc.ts';
import { requireNetns, setupE2e } from './harness.ts';

/** Bound on each wait inside the pages. */
const WAIT_MS = 30_000;

/** The namespace's veth addresses (tests/e2e/netns.ts). */
const VETH = /^10\.77\.0\.[12]$/;

requireNetns()('two people over a WebRTC data channel', () => {
  const e2e = setupE2e({ site: 'fixtures' });

  it('Alice and Bob open a data channel through our signaling server and talk both ways', async () => {
    const [alice, bob] = await Promise.all([e2e.person('alice'), e2e.person('bob')]);
    await Promise.all([alice.goto('/webrtc.html'), bob.goto('/webrtc.html')]);
    const topic = `e2e-webrtc-${randomUUID()}`;
    const join = { signalingUrl: e2e.signalingUrl, topic, timeoutMs: WAIT_MS };

    // Bob is subscribed (the server confirmed it) before Alice's offer is published.
    await bob.evaluate((o) => window.e2eWebrtc.join(o), {
      ...join,
      self: 'bob',
      peer: 'alice',
      initiator: false,
    });
    await alice.evaluate((o) => window.e2eWebrtc.join(o), {
      ...join,
      self: 'alice',
      peer: 'bob',
      initiator: true,
    });

    const [aliceSide, bobSide] = await Promise.all([
      alice.evaluate((ms) => window.e2eWebrtc.connected(ms), WAIT_MS),
      bob.evaluate((ms) => window.e2eWebrtc.connected(ms), WAIT_MS),
    ]);
    // The channel runs over the namespace's veth (a host candidate there), not any real
    // interface. The initiator may see the remote as peer-reflexive, address hidden: not checked.
    for (const side of [aliceSide, bobSide]) {
      expect(side).toMatchObject({ localType: 'host', localAddress: expect.stringMatching(VETH) });
    }

    await alice.evaluate(() => {
      window.e2eWebrtc.send('hello Bob, this is Alice');
      window.e2eWebrtc.send('ünïcödé ✓ 🌱');
    });
    expect(await bob.evaluate((ms) => window.e2eWebrtc.received(2, ms), WAIT_MS)).toEqual([
      'hello Bob, this is Alice',
      'ünïcödé ✓ 🌱',
    ]);

    await bob.evaluate(() => window.e2eWebrtc.send('hi Alice, Bob here'));
    expect(await alice.evaluate((ms) => window.e2eWebrtc.received(1, ms), WAIT_MS)).toEqual([
      'hi Alice, Bob here',
    ]);
  });
});
