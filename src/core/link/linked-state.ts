/**
 * Keeping a linked device across reloads, in the store's settings (as `peer/device-state.ts`
 * keeps the identity device): what it was handed at the link (the person's key, the seed of
 * their current X25519 key, the self key and the own-devices secret) and its own device key,
 * certificate and Yjs client id. Never an identity seed: a linked device has none.
 *
 * The friends and epoch the link handed over are not kept here: they were written once, at the
 * link, into the device's friend list and keyring, which keep themselves.
 */
import { linkedKeys } from '../identity/person-keys.ts';
import { SEED_BYTES } from '../identity/keys.ts';
import { personIdFromKey, personIdToKey } from '../ids.ts';
import {
  DeviceStateError,
  deviceFromSaved,
  isSavedDevice,
  savedDevice,
  type SavedDevice,
} from '../peer/device-state.ts';
import type { SettingsStore } from '../store/storage-adapter.ts';
import type { LinkedDeviceKeys } from './link-session.ts';

const KEY = 'device/linked';

type SavedLinked = SavedDevice & {
  readonly version: 1;
  readonly personKey: Uint8Array;
  readonly encryptionSeed: Uint8Array;
  readonly selfKey: Uint8Array;
  readonly ownDevices: Uint8Array;
  /** The generation of the two keys as linked (absent: 0); later ones the peer keeps. */
  readonly generation?: number;
  /** Absent on a device linked before device secrets. */
  readonly deviceSecret?: Uint8Array;
  /** Seeds of earlier generations handed at the link (absent: none). */
  readonly earlier?: readonly Uint8Array[];
};

/** Saves a linked device (right after its link, before it opens). */
export async function saveLinkedState(
  store: SettingsStore,
  device: LinkedDeviceKeys,
): Promise<void> {
  const { linked, ownDevices } = device.options;
  const saved: SavedLinked = {
    version: 1,
    personKey: personIdToKey(linked.personId),
    encryptionSeed: device.encryptionSeed,
    selfKey: linked.selfKey,
    generation: linked.generation,
    ...(linked.deviceSecret ? { deviceSecret: linked.deviceSecret } : {}),
    earlier: linked.earlier,
    ownDevices,
    ...(await savedDevice(store, device.options.device)),
  };
  await store.setSetting(KEY, saved);
}

/** Loads this store's linked device, or `null` if it holds none. */
export async function loadLinkedState(store: SettingsStore): Promise<LinkedDeviceKeys | null> {
  const saved = await store.getSetting(KEY);
  if (saved === undefined) return null;
  if (!isSavedLinked(saved)) throw new DeviceStateError('the saved linked device is malformed');
  const person = personIdFromKey(saved.personKey);
  return {
    options: {
      linked: await linkedKeys(person, {
        encryptionSeed: saved.encryptionSeed,
        selfKey: saved.selfKey,
        generation: saved.generation ?? 0,
        deviceSecret: saved.deviceSecret ?? null,
        earlier: saved.earlier ?? [],
      }),
      device: await deviceFromSaved(saved, person),
      ownDevices: saved.ownDevices,
    },
    encryptionSeed: saved.encryptionSeed,
  };
}

function isSavedLinked(value: unknown): value is SavedLinked {
  if (!isSavedDevice(value)) return false;
  const v = value as unknown as Record<string, unknown>;
  const key = (name: string) => v[name] instanceof Uint8Array && v[name].length === SEED_BYTES;
  return (
    v.version === 1 &&
    key('personKey') &&
    key('encryptionSeed') &&
    key('selfKey') &&
    key('ownDevices') &&
    (v.generation === undefined || Number.isSafeInteger(v.generation)) &&
    (v.deviceSecret === undefined || key('deviceSecret')) &&
    (v.earlier === undefined ||
      (Array.isArray(v.earlier) &&
        v.earlier.every((seed) => seed instanceof Uint8Array && seed.length === SEED_BYTES)))
  );
}
