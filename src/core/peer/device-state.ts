/**
 * Keeping this device's identity and device key across reloads, in the store's settings:
 * the identity seed, the device's private key, its certificate and its Yjs client id.
 *
 * The key is kept in the form the store can hold (`SettingsStore.keyForm`): IndexedDB keeps the
 * non-extractable CryptoKey pair by structured clone, so its secret never reaches script; a
 * store on disk in Node keeps the key's 32-byte Ed25519 seed (the key must then be made
 * extractable, `DeviceStartOptions.extractable`), and it is imported non-extractable on load.
 */
import { decodeDeviceCertificate } from '../identity/device-certificate.ts';
import type { DeviceSession, IdentityOnDevice } from '../identity/device-setup.ts';
import {
  deviceKeyFromSeed,
  ed25519SeedOf,
  identityFromSeed,
  SEED_BYTES,
  type DeviceKey,
} from '../identity/keys.ts';
import { deviceIdFromKey, type PersonId } from '../ids.ts';
import type { SettingsStore } from '../store/storage-adapter.ts';

const KEY = 'device/state';

/** The saved state is there but not what this code wrote: never silently replaced. */
export class DeviceStateError extends Error {
  override readonly name = 'DeviceStateError';
}

/** What is saved of a device, whichever form its key takes (a linked device's state too). */
interface SavedDeviceBase {
  readonly publicKey: Uint8Array;
  readonly certificate: Uint8Array;
  readonly yjsClientId: number;
}

/** The device key as CryptoKeys (a store whose `keyForm` is `cryptokey`). */
interface SavedWithCryptoKeys extends SavedDeviceBase {
  readonly keyPair: CryptoKeyPair;
}

/** The device key as its Ed25519 seed (a store whose `keyForm` is `bytes`). */
interface SavedWithKeySeed extends SavedDeviceBase {
  readonly keySeed: Uint8Array;
}

/** A device as saved (`savedDevice`), read back by `deviceFromSaved`. */
export type SavedDevice = SavedWithCryptoKeys | SavedWithKeySeed;

/** What is saved on the device that holds the identity. */
type SavedIdentityDevice = SavedDevice & { readonly version: 1; readonly seed: Uint8Array };

/**
 * A device in the form `store` keeps (module doc). A store that keeps keys as bytes needs an
 * extractable device key; a non-extractable one throws `DeviceStateError`.
 */
export async function savedDevice(
  store: SettingsStore,
  device: DeviceSession,
): Promise<SavedDevice> {
  const base: SavedDeviceBase = {
    publicKey: device.key.publicKey,
    certificate: device.certificate.bytes,
    yjsClientId: device.yjsClientId,
  };
  const { keyPair } = device.key;
  if (store.keyForm === 'cryptokey') return { ...base, keyPair } satisfies SavedWithCryptoKeys;
  if (!keyPair.privateKey.extractable) {
    throw new DeviceStateError('this store keeps the device key as bytes: make it extractable');
  }
  return { ...base, keySeed: await ed25519SeedOf(keyPair.privateKey) } satisfies SavedWithKeySeed;
}

/**
 * The device `savedDevice` saved, checked to be `person`'s (`isSavedDevice` first); throws
 * `DeviceStateError` when its certificate or key does not match.
 */
export async function deviceFromSaved(
  saved: SavedDevice,
  person: PersonId,
): Promise<DeviceSession> {
  const { certificate } = decodeDeviceCertificate(saved.certificate);
  if (certificate.person !== person) {
    throw new DeviceStateError('the saved device certificate is for another person');
  }
  const deviceId = deviceIdFromKey(saved.publicKey);
  if (certificate.device !== deviceId) {
    throw new DeviceStateError('the saved device certificate is for another device');
  }
  return { key: await deviceKeyOf(saved, deviceId), certificate, yjsClientId: saved.yjsClientId };
}

/**
 * Saves a person's identity with this device (after onboarding or a restore). A store that keeps
 * keys as bytes needs an extractable device key; a non-extractable one throws `DeviceStateError`.
 */
export async function saveDeviceState(
  store: SettingsStore,
  state: IdentityOnDevice,
): Promise<void> {
  const saved: SavedIdentityDevice = {
    version: 1,
    seed: state.identity.seed,
    ...(await savedDevice(store, state.device)),
  };
  await store.setSetting(KEY, saved);
}

/** Loads the identity and device of this store, or `null` before onboarding. */
export async function loadDeviceState(store: SettingsStore): Promise<IdentityOnDevice | null> {
  const saved = await store.getSetting(KEY);
  if (saved === undefined) return null;
  if (!isSavedIdentityDevice(saved)) {
    throw new DeviceStateError('the saved device state is malformed');
  }
  const identity = await identityFromSeed(saved.seed);
  return { identity, device: await deviceFromSaved(saved, identity.personId) };
}

/** The device key as saved; a seed is imported non-extractable and must match the public key. */
async function deviceKeyOf(
  saved: SavedDevice,
  deviceId: DeviceKey['deviceId'],
): Promise<DeviceKey> {
  if ('keyPair' in saved) return { deviceId, publicKey: saved.publicKey, keyPair: saved.keyPair };
  const key = await deviceKeyFromSeed(saved.keySeed);
  if (key.deviceId !== deviceId) {
    throw new DeviceStateError('the saved device key does not match its public key');
  }
  return key;
}

/** Whether `value` is a device as `savedDevice` saves it. */
export function isSavedDevice(value: unknown): value is SavedDevice {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const base =
    v.publicKey instanceof Uint8Array &&
    v.certificate instanceof Uint8Array &&
    Number.isInteger(v.yjsClientId);
  if (!base) return false;
  if (v.keySeed instanceof Uint8Array) return v.keySeed.length === SEED_BYTES;
  const pair = v.keyPair as Record<string, unknown> | undefined;
  return (
    typeof pair === 'object' &&
    pair !== null &&
    pair.privateKey instanceof CryptoKey &&
    pair.publicKey instanceof CryptoKey
  );
}

function isSavedIdentityDevice(value: unknown): value is SavedIdentityDevice {
  if (!isSavedDevice(value)) return false;
  const v = value as unknown as Record<string, unknown>;
  return v.version === 1 && v.seed instanceof Uint8Array && v.seed.length === SEED_BYTES;
}
