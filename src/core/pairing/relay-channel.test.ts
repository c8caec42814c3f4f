/**
 * The relay channel over signaling (an in-memory hub): a handover of as many friends as a relay
 * follows reaches it in parts, each within one message; a whole that does not have its parts'
 * digest is never used; two devices of the person whose friend lists differ for a while do not
 * answer each other's handovers without end; an unpaired relay is told, now or when it next
 * reports, and believes only its own person's revocation of its own device.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes, toBase64Url } from '../bytes.ts';
import { ManualClock, systemClock } from '../clock.ts';
import { createIdentity, startNewDevice } from '../identity/device-setup.ts';
import type { Identity } from '../identity/keys.ts';
import {
  issueDeviceRevocation,
  MemoryRevocations,
  type DeviceRevocation,
} from '../identity/revocation.ts';
import {
  deviceIdFromKey,
  deviceIdToKey,
  personIdFromKey,
  type DeviceId,
  type PersonId,
} from '../ids.ts';
import { toParts } from '../net/parts.ts';
import { openSealedChannel } from '../net/sealed-channel.ts';
import { MAX_SIGNAL_BOX_CHARS } from '../net/signaling-crypto.ts';
import { deviceSigner, signSignal, type DeviceSigner } from '../net/signal-auth.ts';
import { MemorySignaling } from '../net/test-helpers.ts';
import type { RelayHandover } from '../relay-handover.ts';
import { encodeHandover, MAX_PAIR_FRIENDS } from './pair-codec.ts';
import {
  handoverDigest,
  openPersonEnd,
  openRelayEnd,
  openUnpairedEnd,
  PERSON_TO_RELAY,
} from './relay-channel.ts';

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function handoverOf(person: PersonId, friends: number): RelayHandover {
  return {
    person,
    ownDevices: randomBytes(32),
    friends: Array.from({ length: friends }, () => ({
      person: personIdFromKey(randomBytes(32)),
      pairwiseSecret: randomBytes(32),
    })),
  };
}

/** A device of `identity`'s person (of `role`), as its signer. */
async function signerOf(identity: Identity, role: 'device' | 'relay' = 'device') {
  return deviceSigner(await startNewDevice(identity, { clock: systemClock, role }));
}

/** A relay's end on `hub`, keeping what it is handed and told. */
async function relayEnd(
  hub: MemorySignaling,
  secret: Uint8Array,
  first: RelayHandover,
  device: DeviceId = deviceIdFromKey(randomBytes(32)),
  everyMs?: number,
  revocations = new MemoryRevocations(),
) {
  const got = { handovers: [] as RelayHandover[], unpaired: [] as DeviceRevocation[], reports: 0 };
  let current = first;
  const end = await openRelayEnd({
    secret,
    signaling: hub.client(),
    clock: systemClock,
    device,
    revocations,
    current: () => current,
    onHandover: async (handover) => {
      got.handovers.push(handover);
      current = handover;
    },
    onUnpaired: (revocation) => got.unpaired.push(revocation),
    report: async () => {
      got.reports++;
      return { entries: 0, diskBytes: 0, own: [], blobsWaiting: 0 };
    },
    everyMs,
  });
  return { device, got, end };
}

/** The `signer` message by which `signer` vouches for `digest` to `relay`, made at `at`. */
async function signerMessage(
  signer: DeviceSigner,
  relay: DeviceId,
  digest: string,
  at = systemClock.now(),
) {
  const body = { d: signer.certificate.device, digest, at };
  return { type: 'signer', ...(await signSignal(signer, deviceIdToKey(relay), body)) };
}

/** Sends as the person's device would, each message sealed and published before the next. */
async function sender(hub: MemorySignaling, secret: Uint8Array) {
  const channel = await openSealedChannel(secret, 'relay');
  const signaling = hub.client();
  return async (message: object) =>
    signaling.publish(
      channel.topic,
      await channel.cipher.seal(channel.topic, PERSON_TO_RELAY, message, systemClock.now()),
    );
}

describe('the relay channel', () => {
  it(`hands the relay a handover of ${MAX_PAIR_FRIENDS} friends in parts, each within one message`, async () => {
    const hub = new MemorySignaling();
    const secret = randomBytes(32);
    const alice = (await createIdentity({ clock: systemClock })).identity;
    const relay = await relayEnd(hub, secret, handoverOf(alice.personId, 0));
    const handover = handoverOf(alice.personId, MAX_PAIR_FRIENDS);
    let reports = 0;
    const end = await openPersonEnd({
      secret,
      signaling: hub.client(),
      clock: systemClock,
      signer: await signerOf(alice),
      relay: relay.device,
      handover: () => handover,
      onReport: () => reports++,
    });
    await until('the relay follows the handover', () => relay.got.handovers.length > 0);
    expect(handoverDigest(relay.got.handovers[0]!)).toBe(handoverDigest(handover));
    expect(relay.got.handovers[0]!.friends).toHaveLength(MAX_PAIR_FRIENDS);
    const boxes = hub.relayed.map((r) => (r.data as { box?: string }).box ?? '');
    // 2,000 friends are about 170 KB in base64: several messages.
    expect(boxes.filter((box) => box.length > 0).length).toBeGreaterThan(5);
    expect(Math.max(...boxes.map((box) => box.length))).toBeLessThanOrEqual(MAX_SIGNAL_BOX_CHARS);
    end.stop();
    await relay.end.stop();
  }, 30_000);

  it('uses no whole that lacks its parts’ digest, nor one with a part refused', async () => {
    const hub = new MemorySignaling();
    const secret = randomBytes(32);
    const alice = (await createIdentity({ clock: systemClock })).identity;
    const person = alice.personId;
    const relay = await relayEnd(hub, secret, handoverOf(person, 0));
    const send = await sender(hub, secret);
    const signer = await signerOf(alice);
    // Each signed, so that what refuses them is their parts alone.
    const partsOf = async (handover: RelayHandover, digest = handoverDigest(handover)) => [
      await signerMessage(signer, relay.device, digest),
      ...toParts(encodeHandover(handover), 32).map((part) => ({
        type: 'handover',
        digest,
        ...part,
      })),
    ];

    // Whole, but named by another handover's digest.
    const lying = handoverOf(person, 400);
    for (const part of await partsOf(lying, handoverDigest(handoverOf(person, 1))))
      await send(part);
    // One part with other text at an index already held, then the rest.
    const [signed, ...spoiled] = await partsOf(handoverOf(person, 400));
    await send(signed!);
    await send(spoiled[0]!);
    await send({ ...spoiled[0]!, part: (spoiled[1] as { part: string }).part });
    for (const part of spoiled.slice(1)) await send(part);
    // An extra part past the count, then a true handover whole.
    const good = handoverOf(person, 400);
    const goodParts = await partsOf(good);
    await send(goodParts[0]!);
    await send({ ...goodParts[1]!, index: goodParts.length - 1 });
    for (const part of goodParts.slice(1)) await send(part);

    await until('the relay follows a handover', () => relay.got.handovers.length > 0);
    expect(relay.got.handovers.map(handoverDigest)).toEqual([handoverDigest(good)]);
    await relay.end.stop();
  });

  it('lets two devices whose friend lists differ answer its reports once a report’s while each, not each other without end', async () => {
    const hub = new MemorySignaling();
    const secret = randomBytes(32);
    const alice = (await createIdentity({ clock: systemClock })).identity;
    const person = alice.personId;
    // Reports every 20 ms; the devices' clock stands still, so each answers one report at most.
    const relay = await relayEnd(hub, secret, handoverOf(person, 0), undefined, 20);
    const clock = new ManualClock(Date.now());
    const ends = await Promise.all(
      [handoverOf(person, 1), handoverOf(person, 2)].map(async (handover) =>
        openPersonEnd({
          secret,
          signaling: hub.client(),
          clock,
          signer: await signerOf(alice),
          relay: relay.device,
          handover: () => handover,
          onReport: () => undefined,
        }),
      ),
    );
    await until('the relay reported 40 times', () => relay.got.reports >= 40);
    // Each device's first send, and one answer each.
    expect(relay.got.handovers.length).toBeGreaterThanOrEqual(2);
    expect(relay.got.handovers.length).toBeLessThanOrEqual(4);
    for (const end of ends) end.stop();
    await relay.end.stop();
  });

  it('follows a handover only when an unrevoked device of its person signed it lately, not a removed device, a relay or another person', async () => {
    const hub = new MemorySignaling();
    const secret = randomBytes(32);
    const alice = (await createIdentity({ clock: systemClock })).identity;
    const mallory = (await createIdentity({ clock: systemClock })).identity;
    const revocations = new MemoryRevocations();
    const first = handoverOf(alice.personId, 0);
    const relay = await relayEnd(hub, secret, first, undefined, undefined, revocations);
    const send = await sender(hub, secret);
    const removed = await signerOf(alice);
    revocations.add(
      await issueDeviceRevocation(alice, {
        deviceKey: removed.certificate.deviceKey,
        revokedAt: systemClock.now(),
      }),
    );
    const laptop = await signerOf(alice);
    const sendAs = async (signer: DeviceSigner | null, handover: RelayHandover, at?: number) => {
      const digest = handoverDigest(handover);
      if (signer) await send(await signerMessage(signer, relay.device, digest, at));
      const parts = toParts(encodeHandover(handover), 64);
      for (const part of parts) await send({ type: 'handover', digest, ...part });
    };
    await sendAs(null, handoverOf(alice.personId, 1));
    await sendAs(removed, handoverOf(alice.personId, 2));
    await sendAs(await signerOf(alice, 'relay'), handoverOf(alice.personId, 3));
    await sendAs(await signerOf(mallory), handoverOf(alice.personId, 4));
    // A handover the laptop signed eleven minutes ago, replayed.
    await sendAs(laptop, handoverOf(alice.personId, 5), systemClock.now() - 11 * 60 * 1000);
    const good = handoverOf(alice.personId, 6);
    await sendAs(laptop, good);
    await until('the relay follows a handover', () => relay.got.handovers.length > 0);
    expect(relay.got.handovers.map(handoverDigest)).toEqual([handoverDigest(good)]);
    await relay.end.stop();
  });

  it('tells an unpaired relay, now or when it next reports, believing only its person’s revocation of it', async () => {
    const hub = new MemorySignaling();
    const secret = randomBytes(32);
    const alice = (await createIdentity({ clock: systemClock })).identity;
    const mallory = (await createIdentity({ clock: systemClock })).identity;
    const revoke = (identity: typeof alice, device: DeviceId) =>
      issueDeviceRevocation(identity, {
        deviceKey: deviceIdToKey(device),
        revokedAt: systemClock.now(),
      });
    const handover = handoverOf(alice.personId, 0);

    // While it runs: another device's revocation, and Mallory's of it, are not believed.
    const relay = await relayEnd(hub, secret, handover);
    const send = await sender(hub, secret);
    const other = deviceIdFromKey(randomBytes(32));
    for (const revocation of [
      await revoke(alice, other),
      await revoke(mallory, relay.device),
      await revoke(alice, relay.device),
    ]) {
      await send({ type: 'unpaired', revocation: toBase64Url(revocation.bytes) });
    }
    await until('the relay hears it was unpaired', () => relay.got.unpaired.length > 0);
    expect(relay.got.unpaired.map((r) => [r.person, r.device])).toEqual([
      [alice.personId, relay.device],
    ]);
    await relay.end.stop();

    // Away when it was unpaired: told in answer to its first report.
    const later = randomBytes(32);
    const device = deviceIdFromKey(randomBytes(32));
    const stop = await openUnpairedEnd({
      secret: later,
      signaling: hub.client(),
      clock: systemClock,
      revocation: (await revoke(alice, device)).bytes,
    });
    const away = await relayEnd(hub, later, handover, device);
    await until('the relay hears it on its return', () => away.got.unpaired.length > 0);
    expect(away.got.unpaired[0]!.device).toBe(device);
    await away.end.stop();
    stop();
  });

  it('stops only once a handover being saved is saved, and hands on none after', async () => {
    const hub = new MemorySignaling();
    const secret = randomBytes(32);
    const alice = (await createIdentity({ clock: systemClock })).identity;
    const device = deviceIdFromKey(randomBytes(32));
    let current = handoverOf(alice.personId, 0);
    const started: RelayHandover[] = [];
    let save = () => undefined as void;
    const end = await openRelayEnd({
      secret,
      signaling: hub.client(),
      clock: systemClock,
      device,
      revocations: new MemoryRevocations(),
      current: () => current,
      // A save that takes until the test lets it finish.
      onHandover: async (handover) => {
        started.push(handover);
        await new Promise<void>((resolve) => (save = resolve));
        current = handover;
      },
      onUnpaired: () => undefined,
      report: async () => ({ entries: 0, diskBytes: 0, own: [], blobsWaiting: 0 }),
    });
    const send = await sender(hub, secret);
    const signer = await signerOf(alice);
    const sendWhole = async (handover: RelayHandover) => {
      const digest = handoverDigest(handover);
      await send(await signerMessage(signer, device, digest));
      for (const part of toParts(encodeHandover(handover), 64))
        await send({ type: 'handover', digest, ...part });
    };
    await sendWhole(handoverOf(alice.personId, 1));
    await until('the relay saves a handover', () => started.length === 1);
    // A second one arrives while the first is saved: it waits its turn, and the stop comes first.
    await sendWhole(handoverOf(alice.personId, 2));
    await new Promise((resolve) => setTimeout(resolve, 50));

    let stopped = false;
    const stopping = end.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false);
    save();
    await stopping;
    expect(started).toHaveLength(1);
    expect(current).toBe(started[0]);
  });
});
