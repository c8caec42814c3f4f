/**
 * A linked device across a reload: what `linked-state.ts` keeps opens the same device, as the
 * same person, continuing its own log and its Yjs client id; a malformed state is refused.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../clock.ts';
import { createIdentity } from '../identity/device-setup.ts';
import type { KeyForm } from '../store/storage-adapter.ts';
import { openNode } from '../node.ts';
import { DeviceStateError } from '../peer/device-state.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import { LinkJoin, LinkOffer, openLinkedNode } from './link-session.ts';
import { loadLinkedState, saveLinkedState } from './linked-state.ts';

async function linkOnto(store: MemoryStorageAdapter) {
  const saved = await createIdentity({ clock: systemClock });
  const alice = await openNode({ store: new MemoryStorageAdapter(), ...saved, clock: systemClock });
  const offer = await LinkOffer.create(alice, systemClock);
  const join = await LinkJoin.open(offer.bytes, {
    clock: systemClock,
    extractable: store.keyForm === 'bytes',
  });
  await offer.answer(join.request);
  const linked = await join.finish(await offer.confirm());
  alice.close();
  return linked;
}

describe('a linked device across a reload', () => {
  it.each<KeyForm>(['cryptokey', 'bytes'])(
    'opens again as the same device and continues its log (device key kept as %s)',
    async (keyForm) => {
      const store = new MemoryStorageAdapter({ keyForm });
      expect(await loadLinkedState(store)).toBeNull();
      const linked = await linkOnto(store);
      await saveLinkedState(store, linked);
      const before = await openLinkedNode(linked, { store, clock: systemClock });
      const first = await before.peer.createPost({ text: 'before the reload' });
      const me = linked.options.linked.personId;
      const logEnd = async () =>
        (await store.heldRanges(me, linked.options.device.key.deviceId)).at(-1)?.end ?? 0;
      const endBefore = await logEnd();
      before.close();

      const loaded = await loadLinkedState(store);
      expect(loaded).not.toBeNull();
      const { linked: keys, device } = loaded!.options;
      expect(keys.personId).toBe(linked.options.linked.personId);
      expect(keys.encryptionPublicKey).toEqual(linked.options.linked.encryptionPublicKey);
      expect(device.key.deviceId).toBe(linked.options.device.key.deviceId);
      expect(device.yjsClientId).toBe(linked.options.device.yjsClientId);
      const after = await openNode({ ...loaded!.options, store, clock: systemClock });
      expect(after.kind).toBe('linked');
      expect(after.peer.friends().size).toBe(0);
      const view = await after.peer.post(first);
      expect((view?.summary as { text?: string }).text).toBe('before the reload');
      await after.peer.createPost({ text: 'after the reload' });
      // One log, continued: the device's log grew, and it is the only log of this person here.
      expect(await logEnd()).toBeGreaterThan(endBefore);
      expect((await store.listLogs()).map((l) => l.device)).toEqual([device.key.deviceId]);
      after.close();
    },
  );

  it('refuses a malformed saved state with a typed error', async () => {
    const store = new MemoryStorageAdapter();
    await store.setSetting('device/linked', { version: 1, personKey: new Uint8Array(3) });
    await expect(loadLinkedState(store)).rejects.toBeInstanceOf(DeviceStateError);
  });
});
