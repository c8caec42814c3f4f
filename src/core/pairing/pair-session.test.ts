/**
 * Pairing a home peer over signaling (an in-memory hub) hands the relay every friend of its
 * person, up to the bound a person's device links (`MAX_PAIR_FRIENDS`): the bundle travels in
 * parts, each within one signaling message. Past the bound, either side refuses.
 */
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { randomBytes } from '../bytes.ts';
import { systemClock } from '../clock.ts';
import { generateX25519 } from '../crypto/seal.ts';
import { createIdentity } from '../identity/device-setup.ts';
import { personIdFromKey } from '../ids.ts';
import { joinOverSignaling, listenForLink } from '../link/link-channel.ts';
import { LinkError } from '../link/link-codec.ts';
import { MemorySignaling } from '../net/test-helpers.ts';
import { MAX_SIGNAL_BOX_CHARS } from '../net/signaling-crypto.ts';
import { openNode } from '../node.ts';
import { restoreBackup } from '../peer/backup.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import {
  decodeHandover,
  decodePairBundle,
  encodeHandover,
  encodePairBundle,
  MAX_PAIR_FRIENDS,
} from './pair-codec.ts';
import { PairJoin, PairOffer } from './pair-session.ts';

/**
 * Alice with `count` friends (one encryption key for all: only their ids and secrets travel),
 * befriended as a restored backup does.
 */
async function aliceWithFriends(count: number) {
  const saved = await createIdentity({ clock: systemClock });
  const node = await openNode({ store: new MemoryStorageAdapter(), ...saved, clock: systemClock });
  const encryptionKey = (await generateX25519()).publicKey;
  const friends = Array.from({ length: count }, () => ({
    person: personIdFromKey(randomBytes(32)),
    encryptionKey,
    rendezvous: randomBytes(32),
    since: 1,
  }));
  await restoreBackup(node.peer, { friends, epoch: null });
  expect(node.friends.links()).toHaveLength(count);
  return node;
}

async function pair(count: number) {
  const alice = await aliceWithFriends(count);
  const hub = new MemorySignaling();
  const offer = await PairOffer.create(alice, {
    clock: systemClock,
    origin: 'https://kith.test',
    iceServers: () => [],
    onPaired: async () => undefined,
  });
  let shown: (code: string) => void = () => undefined;
  const code = new Promise<string>((resolve) => (shown = resolve));
  const listener = await listenForLink({
    offer,
    signaling: hub.client(),
    clock: systemClock,
    onCode: (c) => shown(c),
  });
  const join = await PairJoin.open(offer.bytes, { clock: systemClock });
  const joined = joinOverSignaling({
    join,
    payload: offer.bytes,
    signaling: hub.client(),
    clock: systemClock,
    retryMs: 50,
  });
  expect(await code).toBe(join.code);
  await listener.confirm();
  const state = await joined;
  listener.stop();
  const boxes = hub.relayed.map((r) => (r.data as { box?: string }).box ?? '');
  const sent = alice.friends.links();
  alice.close();
  return { state, boxes, sent };
}

describe('pairing a home peer of many friends', () => {
  for (const count of [301, MAX_PAIR_FRIENDS]) {
    it(`hands the relay all of ${count} friends, in parts that each fit one message`, async () => {
      const { state, boxes, sent } = await pair(count);
      expect(state.handover.friends).toHaveLength(count);
      const key = (f: { person: string; pairwiseSecret: Uint8Array }) =>
        `${f.person}:${f.pairwiseSecret.join(',')}`;
      expect(state.handover.friends.map(key).sort()).toEqual(sent.map(key).sort());
      expect(boxes.filter((box) => box.length > 0).length).toBeGreaterThan(2);
      expect(Math.max(...boxes.map((box) => box.length))).toBeLessThanOrEqual(MAX_SIGNAL_BOX_CHARS);
    }, 60_000);
  }

  it('refuses past the bound, sending and receiving', async () => {
    const friend = () => ({
      person: personIdFromKey(randomBytes(32)),
      pairwiseSecret: randomBytes(32),
    });
    const friends = Array.from({ length: MAX_PAIR_FRIENDS + 1 }, friend);
    const ownDevices = randomBytes(32);
    expect(() => encodeHandover({ ownDevices, friends })).toThrow(RangeError);
    expect(() =>
      encodePairBundle({
        certificate: randomBytes(100),
        ownDevices,
        channel: randomBytes(32),
        iceServers: [],
        friends,
      }),
    ).toThrow(RangeError);
    // Bytes with one friend past the bound, as another implementation might send them.
    const past = (head: (encoder: encoding.Encoder) => void) => {
      const encoder = encoding.createEncoder();
      encoding.writeUint8(encoder, 1);
      head(encoder);
      encoding.writeVarUint(encoder, friends.length);
      for (const f of friends) {
        encoding.writeUint8Array(encoder, randomBytes(32));
        encoding.writeUint8Array(encoder, f.pairwiseSecret);
      }
      return encoding.toUint8Array(encoder);
    };
    const handover = past((e) => encoding.writeUint8Array(e, ownDevices));
    const bundle = past((e) => {
      encoding.writeVarUint8Array(e, randomBytes(100));
      encoding.writeUint8Array(e, ownDevices);
      encoding.writeUint8Array(e, randomBytes(32));
      encoding.writeVarString(e, '[]');
    });
    const person = personIdFromKey(randomBytes(32));
    expect(() => decodeHandover(handover, person)).toThrow(
      new LinkError('malformed', 'integer-too-large'),
    );
    expect(() => decodePairBundle(bundle)).toThrow(LinkError);
  });
});
