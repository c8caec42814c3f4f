/**
 * The person's devices as Settings lists them: Alice's identity device and a phone linked to it
 * each list both once they hold each other's entries, mark themselves and the identity device,
 * and drop a removed device.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../clock.ts';
import { certificateExpiry } from '../identity/device-certificate.ts';
import { createIdentity } from '../identity/device-setup.ts';
import { LinkJoin, LinkOffer, openLinkedNode } from '../link/link-session.ts';
import { openNode, type LinkedNode, type PersonNode } from '../node.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import { listOwnDevices } from './own-device-list.ts';

/** Hands every entry `from` holds to `to`, as a sync would. */
async function carry(from: PersonNode | LinkedNode, to: PersonNode | LinkedNode): Promise<void> {
  for (const log of await from.store.listLogs()) {
    const entries = await from.store.getLatestEntries(log.author, log.device, 1_000);
    await to.ingestor.ingest(entries.reverse().map((e) => e.bytes));
  }
  await to.peer.settled();
}

function listOn(node: PersonNode | LinkedNode) {
  return listOwnDevices({
    store: node.store,
    me: node.device.certificate.person,
    thisDevice: node.device.key.deviceId,
    holdsIdentity: node.kind === 'person',
    revocations: node.revocations,
  });
}

describe('the list of own devices', () => {
  it('lists both devices on each, marks this one and the identity device, and drops a removed one', async () => {
    const laptop = await openNode({
      store: new MemoryStorageAdapter(),
      ...(await createIdentity({ clock: systemClock })),
      clock: systemClock,
    });
    const offer = await LinkOffer.create(laptop, systemClock);
    const join = await LinkJoin.open(offer.bytes, { clock: systemClock });
    await offer.answer(join.request);
    const linked = await join.finish(await offer.confirm());
    const phone = await openLinkedNode(linked, {
      store: new MemoryStorageAdapter(),
      clock: systemClock,
    });
    await laptop.peer.createPost({ text: 'from the laptop' });
    await phone.peer.createPost({ text: 'from the phone' });
    await carry(laptop, phone);
    await carry(phone, laptop);

    const laptopId = laptop.device.key.deviceId;
    const phoneId = phone.device.key.deviceId;
    for (const [node, me] of [
      [laptop, laptopId],
      [phone, phoneId],
    ] as const) {
      const listed = await listOn(node);
      expect(listed.map((d) => d.device)).toEqual([me, me === laptopId ? phoneId : laptopId]);
      expect(listed[0]?.thisOne).toBe(true);
      expect(listed.find((d) => d.holdsIdentity)?.device).toBe(laptopId);
      expect(listed.filter((d) => d.holdsIdentity)).toHaveLength(1);
      const phoneRow = listed.find((d) => d.device === phoneId);
      expect(phoneRow?.certificateEnds).toBe(certificateExpiry(phone.device.certificate));
      expect(phoneRow?.lastWrote).toBeGreaterThan(0);
    }

    await laptop.devices.revokeDevice(phoneId);
    expect((await listOn(laptop)).map((d) => d.device)).toEqual([laptopId]);
    laptop.close();
    phone.close();
  });

  it('a name given on one device shows on the other, names given on both apart merge, and a friend holding the log reads none', async () => {
    const { laptop, phone } = await laptopAndPhone();
    const bob = await openNode({
      store: new MemoryStorageAdapter(),
      ...(await createIdentity({ clock: systemClock })),
      clock: systemClock,
    });
    const laptopId = laptop.device.key.deviceId;
    const phoneId = phone.device.key.deviceId;
    // Each names a device before it holds anything of the other: the names merge.
    await laptop.peer.renameDevice(phoneId, 'Pocket phone');
    await phone.peer.renameDevice(laptopId, 'Work laptop');
    await carry(laptop, phone);
    await carry(phone, laptop);
    const both = { [phoneId]: 'Pocket phone', [laptopId]: 'Work laptop' };
    expect(await laptop.peer.deviceNames()).toEqual(both);
    expect(await phone.peer.deviceNames()).toEqual(both);
    // A rename, and forgetting a name, replicate too.
    await phone.peer.renameDevice(phoneId, '  Old phone  ');
    await laptop.peer.renameDevice(laptopId, '');
    await carry(phone, laptop);
    await carry(laptop, phone);
    for (const node of [laptop, phone]) {
      expect(await node.peer.deviceNames()).toEqual({ [phoneId]: 'Old phone' });
    }
    // Bob holds Alice's logs (a friend relays them) and reads no name: sealed to her self key.
    await carry(laptop, bob);
    expect(await bob.peer.deviceNames()).toEqual({});
    for (const node of [laptop, phone, bob]) node.close();
  });
});

/** Alice's identity device and a phone linked to it. */
async function laptopAndPhone(): Promise<{ laptop: PersonNode; phone: LinkedNode }> {
  const laptop = await openNode({
    store: new MemoryStorageAdapter(),
    ...(await createIdentity({ clock: systemClock })),
    clock: systemClock,
  });
  const offer = await LinkOffer.create(laptop, systemClock);
  const join = await LinkJoin.open(offer.bytes, { clock: systemClock });
  await offer.answer(join.request);
  const linked = await join.finish(await offer.confirm());
  const phone = await openLinkedNode(linked, {
    store: new MemoryStorageAdapter(),
    clock: systemClock,
  });
  return { laptop, phone };
}
