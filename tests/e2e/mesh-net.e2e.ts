/**
 * Alice and Bob, in two browser contexts, connect through Kith's own network core: the signaling
 * client, the connection manager with encrypted signaling on a derived pairwise topic, and the
 * framed data channel transport. They talk both ways; a message over 1 MB crosses intact and a
 * small one still follows; and every message the server relayed on their topic is captured (by a
 * third subscriber: the harness does not expose the server's `onPublish` tap) and found to carry
 * no key, id, SDP secret, candidate or plaintext in any encoding.
 */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DEFAULT_TOPIC_ROTATION } from '../../src/core/net/topic-rotation.ts';
import { deriveTopic, topicWindow } from '../../src/core/net/topics.ts';
import type {} from './fixtures/mesh-net.ts';
import { requireNetns, setupE2e } from './harness.ts';

const WAIT_MS = 30_000;

/** Every text form the core uses for bytes given as base64url. */
function encodings(base64url: string): string[] {
  const bytes = Buffer.from(base64url, 'base64url');
  return [base64url, bytes.toString('hex'), bytes.toString('base64'), bytes.toString('latin1')];
}

requireNetns()('the mesh core between two browsers', () => {
  const e2e = setupE2e({ site: 'fixtures' });

  it('connects Alice and Bob through encrypted signaling, carries big and small messages, and the server learns nothing', async () => {
    const secret = randomBytes(32);
    // The pair's topics rotate daily: the spy takes the windows around now (a boundary may pass).
    const now = topicWindow(Date.now(), DEFAULT_TOPIC_ROTATION.windowMs);
    const topics = await Promise.all(
      [now - 1, now, now + 1].map((w) => deriveTopic(new Uint8Array(secret), 'pairwise', w)),
    );

    // The eavesdropper subscribes first, so it sees every relay on the pair's topic.
    const captured: string[] = [];
    const spy = new WebSocket(e2e.signalingUrl);
    await new Promise<void>((resolve, reject) => {
      spy.once('open', () => resolve());
      spy.once('error', reject);
    });
    spy.on('message', (data) => captured.push(String(data)));
    spy.send(JSON.stringify({ type: 'subscribe', topics }));

    try {
      const [alice, bob] = await Promise.all([e2e.person('alice'), e2e.person('bob')]);
      await Promise.all([alice.goto('/mesh-net.html'), bob.goto('/mesh-net.html')]);
      const start = { signalingUrl: e2e.signalingUrl };
      const aliceId = await alice.evaluate((o) => window.e2eMesh.start(o), start);
      const bobId = await bob.evaluate((o) => window.e2eMesh.start(o), start);
      const pairwiseSecret = secret.toString('base64url');
      await Promise.all([
        alice.evaluate((o) => window.e2eMesh.befriend(o), { person: bobId.person, pairwiseSecret }),
        bob.evaluate((o) => window.e2eMesh.befriend(o), { person: aliceId.person, pairwiseSecret }),
      ]);

      const [aliceLink, bobLink] = await Promise.all([
        alice.evaluate((ms) => window.e2eMesh.connected(ms), WAIT_MS),
        bob.evaluate((ms) => window.e2eMesh.connected(ms), WAIT_MS),
      ]);
      // Chromium's SCTP limit is 256 KiB: the pieces use it, never more.
      expect(aliceLink.pieceSize).toBeGreaterThan(0);
      expect(aliceLink.pieceSize).toBeLessThanOrEqual(256 * 1024);
      // Both dialed at once; glare still yields one connection between them.
      expect(aliceLink.connectionsCreated + bobLink.connectionsCreated).toBe(2);
      expect(await alice.evaluate((p) => window.e2eMesh.state(p), bobId.person)).toBe('connected');

      await alice.evaluate(() => window.e2eMesh.sendText('hello Bob, this is Alice'));
      await bob.evaluate(() => window.e2eMesh.sendText('hi Alice, Bob here'));
      expect((await bob.evaluate((ms) => window.e2eMesh.received(1, ms), WAIT_MS))[0]?.text).toBe(
        'hello Bob, this is Alice',
      );
      expect((await alice.evaluate((ms) => window.e2eMesh.received(1, ms), WAIT_MS))[0]?.text).toBe(
        'hi Alice, Bob here',
      );

      // One message over 1 MB, then a small one from the same sender.
      const size = 1_500_000;
      const bigHash = await alice.evaluate((n) => window.e2eMesh.sendRandom(n), size);
      await alice.evaluate(() => window.e2eMesh.sendText('small after big'));
      const atBob = await bob.evaluate((ms) => window.e2eMesh.received(3, ms), WAIT_MS);
      expect(atBob[1]).toMatchObject({ size, sha256: bigHash });
      expect(atBob[2]?.text).toBe('small after big');

      // What the server relayed: captured, and opaque.
      expect(captured.length).toBeGreaterThan(2);
      const wire = captured.join('\n');
      const forbidden = [
        ...encodings(aliceId.person),
        ...encodings(aliceId.device),
        ...encodings(bobId.person),
        ...encodings(bobId.device),
        ...encodings(pairwiseSecret),
        ...(await alice.evaluate(() => window.e2eMesh.signalSecrets())),
        ...(await bob.evaluate(() => window.e2eMesh.signalSecrets())),
        '10.77.0.',
        'hello Bob',
      ];
      expect(forbidden.length).toBeGreaterThan(20);
      for (const needle of forbidden)
        expect(wire, `relay contains ${needle}`).not.toContain(needle);
      // Short words only outside the boxes: base64url ciphertext holds any three letters by
      // chance (a signed signaling box is about 1 KiB), so inside them they prove nothing.
      const outside = captured
        .map((frame) => frame.replace(/"box":"[A-Za-z0-9_-]*"/g, '"box":""'))
        .join('\n');
      for (const word of ['candidate', 'offer', 'sdp'])
        expect(outside, `relay contains ${word}`).not.toContain(word);
      for (const frame of captured) {
        const message = JSON.parse(frame) as { type: string; topic: string; data: unknown };
        expect(message.type).toBe('publish');
        expect(topics).toContain(message.topic);
        expect(Object.keys(message.data as object).sort()).toEqual(['box', 'v']);
      }
    } finally {
      spy.close();
    }
  });
});
