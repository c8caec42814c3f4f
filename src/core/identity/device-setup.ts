/**
 * Starting a device: a new identity, or an identity restored on a device.
 *
 * Every start makes a new random device key (hence a new log) and a new random Yjs client id,
 * certified by the identity key. A restore never continues an old (device, seq) log or reuses
 * an old client id: two devices appending to one log, or writing as one Yjs client, would fork
 * the log and corrupt merges (design guide section 3).
 */
import type { Clock } from '../clock.ts';
import type { RandomBytes } from '../bytes.ts';
import {
  CERTIFICATE_LIFETIME_MS,
  issueDeviceCertificate,
  type DeviceCertificate,
  type DeviceRole,
} from './device-certificate.ts';
import {
  generateDeviceKey,
  generateIdentitySeed,
  identityFromSeed,
  newYjsClientId,
  type DeviceKey,
  type Identity,
} from './keys.ts';

/** A device ready to write: its key, its certificate and its Yjs client id. */
export interface DeviceSession {
  /** The device's own signing key. */
  readonly key: DeviceKey;
  /** The identity key's certificate for it. */
  readonly certificate: DeviceCertificate;
  /** Fresh random uint32 Yjs client id, never used by another device. */
  readonly yjsClientId: number;
}

/** Options of a device start. */
export interface DeviceStartOptions {
  /** Time source for the certificate's issue time. */
  clock: Clock;
  /** Role of the new device; default `device`. */
  role?: DeviceRole;
  /** Certificate expiry, ms since epoch; default `CERTIFICATE_LIFETIME_MS` after now. */
  expiresAt?: number;
  /** Make the device's private key extractable (for storages that keep PKCS#8 bytes). */
  extractable?: boolean;
}

/** Makes and certifies a new device key for `identity`. */
export async function startNewDevice(
  identity: Identity,
  options: DeviceStartOptions,
): Promise<DeviceSession> {
  const key = await generateDeviceKey({ extractable: options.extractable ?? false });
  const issuedAt = options.clock.now();
  const certificate = await issueDeviceCertificate(identity, {
    deviceKey: key.publicKey,
    role: options.role ?? 'device',
    issuedAt,
    expiresAt: options.expiresAt ?? issuedAt + CERTIFICATE_LIFETIME_MS,
  });
  return { key, certificate, yjsClientId: newYjsClientId() };
}

/** A person's identity with the device that holds it. */
export interface IdentityOnDevice {
  /** The identity (with its seed). */
  readonly identity: Identity;
  /** The new device. */
  readonly device: DeviceSession;
}

/** Creates a new person: a new random seed, its identity, and this device. */
export async function createIdentity(
  options: DeviceStartOptions & { random?: RandomBytes },
): Promise<IdentityOnDevice> {
  const identity = await identityFromSeed(generateIdentitySeed(options.random));
  return { identity, device: await startNewDevice(identity, options) };
}

/**
 * Restores a person from their seed (recovery phrase or decrypted export) onto this device,
 * always with a new device key, a new log and a new Yjs client id.
 */
export async function restoreFromSeed(
  seed: Uint8Array,
  options: DeviceStartOptions,
): Promise<IdentityOnDevice> {
  const identity = await identityFromSeed(seed);
  return { identity, device: await startNewDevice(identity, options) };
}
