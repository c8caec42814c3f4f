/**
 * The link's messages over signaling (an in-memory hub): the new device's request reaches the
 * first device, which shows the code; a confirmation brings the bundle, a refusal says so.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes, toBase64Url } from '../bytes.ts';
import { generateX25519 } from '../crypto/seal.ts';
import { MAX_SIGNAL_BOX_CHARS } from '../net/signaling-crypto.ts';
import { restoreBackup } from '../peer/backup.ts';
import { personIdFromKey } from '../ids.ts';
import { systemClock } from '../clock.ts';
import { createIdentity } from '../identity/device-setup.ts';
import { MemorySignaling } from '../net/test-helpers.ts';
import { openNode } from '../node.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import { joinOverSignaling, listenForLink } from './link-channel.ts';
import { LinkError } from './link-codec.ts';
import { LinkJoin, LinkOffer } from './link-session.ts';

async function setUp(friends = 0) {
  const hub = new MemorySignaling();
  const saved = await createIdentity({ clock: systemClock });
  const alice = await openNode({ store: new MemoryStorageAdapter(), ...saved, clock: systemClock });
  await restoreBackup(alice.peer, {
    friends: await Promise.all(
      Array.from({ length: friends }, async () => ({
        person: personIdFromKey(randomBytes(32)),
        encryptionKey: (await generateX25519()).publicKey,
        rendezvous: randomBytes(32),
        since: 1,
      })),
    ),
    epoch: null,
  });
  const offer = await LinkOffer.create(alice, systemClock);
  let shown: (code: string) => void = () => undefined;
  const code = new Promise<string>((resolve) => (shown = resolve));
  const listener = await listenForLink({
    offer,
    signaling: hub.client(),
    clock: systemClock,
    onCode: (c) => shown(c),
  });
  const join = await LinkJoin.open(offer.bytes, { clock: systemClock });
  const joined = joinOverSignaling({
    join,
    payload: offer.bytes,
    signaling: hub.client(),
    clock: systemClock,
    retryMs: 50,
  });
  return { hub, alice, listener, join, joined, code };
}

describe('a link over signaling', () => {
  it('carries the request and, once confirmed, the bundle; the server sees neither', async () => {
    const { hub, alice, listener, join, joined, code } = await setUp();
    expect(await code).toBe(join.code);
    await listener.confirm();
    const linked = await joined;
    expect(linked.options.device.certificate.person).toBe(alice.identity.personId);
    // What the server relayed is sealed: not even the request's own text shows.
    expect(hub.relayed.length).toBeGreaterThan(1);
    expect(JSON.stringify(hub.relayed)).not.toContain(toBase64Url(join.request));
    listener.stop();
    alice.close();
  });

  it('tells the new device when the person refused, and sends nothing', async () => {
    const { alice, listener, joined, code } = await setUp();
    await code;
    listener.refuse();
    const error: unknown = await joined.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LinkError);
    expect((error as LinkError).reason).toBe('refused');
    listener.stop();
    alice.close();
  });

  it('carries the bundle of a person with 400 friends in parts, each within one message', async () => {
    const { hub, alice, listener, joined, code } = await setUp(400);
    await code;
    await listener.confirm();
    const linked = await joined;
    expect(linked.shared.friends).toHaveLength(400);
    const boxes = hub.relayed.map((r) => (r.data as { box?: string }).box ?? '');
    expect(Math.max(...boxes.map((box) => box.length))).toBeLessThanOrEqual(MAX_SIGNAL_BOX_CHARS);
    listener.stop();
    alice.close();
  });
});
