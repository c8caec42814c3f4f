/**
 * Keeping this device's identity and device key across reloads, in the store's settings:
 * the identity seed, the device's key pair (CryptoKeys, which IndexedDB keeps by structured
 * clone without exposing a non-extractable secret), its certificate and its Yjs client id.
 */
import { decodeDeviceCertificate } from '../identity/device-certificate.ts';
import type { IdentityOnDevice } from '../identity/device-setup.ts';
import { identityFromSeed, SEED_BYTES } from '../identity/keys.ts';
import { deviceIdFromKey } from '../ids.ts';
import type { StorageAdapter } from '../store/storage-adapter.ts';

const KEY = 'device/state';

/** The saved state is there but not what this code wrote: never silently replaced. */
export class DeviceStateError extends Error {
  override readonly name = 'DeviceStateError';
}

interface SavedDevice {
  readonly version: 1;
  readonly seed: Uint8Array;
  readonly keyPair: CryptoKeyPair;
  readonly publicKey: Uint8Array;
  readonly certificate: Uint8Array;
  readonly yjsClientId: number;
}

/** Saves a person's identity with this device (after onboarding or a restore). */
export async function saveDeviceState(
  store: StorageAdapter,
  state: IdentityOnDevice,
): Promise<void> {
  const saved: SavedDevice = {
    version: 1,
    seed: state.identity.seed,
    keyPair: state.device.key.keyPair,
    publicKey: state.device.key.publicKey,
    certificate: state.device.certificate.bytes,
    yjsClientId: state.device.yjsClientId,
  };
  await store.setSetting(KEY, saved);
}

/** Loads the identity and device of this store, or `null` before onboarding. */
export async function loadDeviceState(store: StorageAdapter): Promise<IdentityOnDevice | null> {
  const saved = await store.getSetting(KEY);
  if (saved === undefined) return null;
  if (!isSavedDevice(saved)) throw new DeviceStateError('the saved device state is malformed');
  const identity = await identityFromSeed(saved.seed);
  const { certificate } = decodeDeviceCertificate(saved.certificate);
  if (certificate.person !== identity.personId) {
    throw new DeviceStateError('the saved device certificate is for another person');
  }
  const deviceId = deviceIdFromKey(saved.publicKey);
  if (certificate.device !== deviceId) {
    throw new DeviceStateError('the saved device certificate is for another device');
  }
  return {
    identity,
    device: {
      key: { deviceId, publicKey: saved.publicKey, keyPair: saved.keyPair },
      certificate,
      yjsClientId: saved.yjsClientId,
    },
  };
}

function isSavedDevice(value: unknown): value is SavedDevice {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const pair = v.keyPair as Record<string, unknown> | undefined;
  return (
    v.version === 1 &&
    v.seed instanceof Uint8Array &&
    v.seed.length === SEED_BYTES &&
    typeof pair === 'object' &&
    pair !== null &&
    pair.privateKey instanceof CryptoKey &&
    pair.publicKey instanceof CryptoKey &&
    v.publicKey instanceof Uint8Array &&
    v.certificate instanceof Uint8Array &&
    Number.isInteger(v.yjsClientId)
  );
}
