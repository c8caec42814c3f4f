import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { createIdentity } from '../identity/device-setup.ts';
import { IdbStorageAdapter } from '../store/idb-storage-adapter.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import { StoreInputError } from '../store/errors.ts';
import { DeviceStateError, loadDeviceState, saveDeviceState } from './device-state.ts';
import { signEd25519 } from '../identity/keys.ts';
import { defaultVerifier } from '../identity/verifier.ts';
import { utf8 } from '../bytes.ts';

const clock = new ManualClock(1_000);

describe('device state', () => {
  it('is null before onboarding', async () => {
    expect(await loadDeviceState(new MemoryStorageAdapter())).toBeNull();
  });

  it('survives a reopen of IndexedDB, and the device key still signs', async () => {
    const name = `device-state-${Math.random()}`;
    const first = await IdbStorageAdapter.open({ indexedDB, name });
    const created = await createIdentity({ clock });
    await saveDeviceState(first, created);
    await first.close();
    const second = await IdbStorageAdapter.open({ indexedDB, name });
    const loaded = await loadDeviceState(second);
    expect(loaded?.identity.personId).toBe(created.identity.personId);
    expect(loaded?.device.key.deviceId).toBe(created.device.key.deviceId);
    expect(loaded?.device.yjsClientId).toBe(created.device.yjsClientId);
    const message = utf8('still me');
    const signature = await signEd25519(loaded!.device.key.keyPair.privateKey, message);
    const result = await defaultVerifier.verify({
      publicKey: loaded!.device.key.publicKey,
      message,
      signature,
    });
    expect(result.ok).toBe(true);
    await second.close();
  });

  it('refuses malformed or mismatched state with a typed error', async () => {
    const store = new MemoryStorageAdapter();
    await store.setSetting('device/state', { version: 1, seed: new Uint8Array(3) });
    await expect(loadDeviceState(store)).rejects.toBeInstanceOf(DeviceStateError);
    const alice = await createIdentity({ clock });
    const bob = await createIdentity({ clock });
    await saveDeviceState(store, { identity: alice.identity, device: bob.device });
    await expect(loadDeviceState(store)).rejects.toThrow(/another person/);
  });

  it('keeps the device key as its seed in a store that cannot hold CryptoKeys; it still signs', async () => {
    const store = new MemoryStorageAdapter({ keyForm: 'bytes' });
    const created = await createIdentity({ clock, extractable: true });
    await saveDeviceState(store, created);
    const saved = (await store.getSetting('device/state')) as Record<string, unknown>;
    expect(saved.keyPair).toBeUndefined();
    expect(saved.keySeed).toBeInstanceOf(Uint8Array);
    const loaded = await loadDeviceState(store);
    expect(loaded?.device.key.deviceId).toBe(created.device.key.deviceId);
    expect(loaded?.device.key.keyPair.privateKey.extractable).toBe(false);
    const message = utf8('still me, from bytes');
    const signature = await signEd25519(loaded!.device.key.keyPair.privateKey, message);
    const result = await defaultVerifier.verify({
      publicKey: created.device.key.publicKey,
      message,
      signature,
    });
    expect(result.ok).toBe(true);
  });

  it('refuses to keep a non-extractable key as bytes, and a store of bytes refuses CryptoKeys', async () => {
    const store = new MemoryStorageAdapter({ keyForm: 'bytes' });
    const created = await createIdentity({ clock });
    await expect(saveDeviceState(store, created)).rejects.toBeInstanceOf(DeviceStateError);
    await expect(
      store.setSetting('device/state', { keyPair: created.device.key.keyPair }),
    ).rejects.toBeInstanceOf(StoreInputError);
    expect(await loadDeviceState(store)).toBeNull();
  });

  it('refuses a saved key seed that is not the certified device key', async () => {
    const store = new MemoryStorageAdapter({ keyForm: 'bytes' });
    const created = await createIdentity({ clock, extractable: true });
    await saveDeviceState(store, created);
    const saved = (await store.getSetting('device/state')) as Record<string, unknown>;
    await store.setSetting('device/state', { ...saved, keySeed: new Uint8Array(32).fill(7) });
    await expect(loadDeviceState(store)).rejects.toThrow(/does not match/);
  });
});
