/**
 * Device certificates: the identity key vouches for a device key and its role.
 *
 * Layout (lib0 encoding, see docs/protocol.md "Device certificate"):
 *
 *   version u8 (= 1) | person key 32 | device key 32 | role u8 (0 device, 1 relay)
 *   | issuedAt varuint ms | expiry u8 flag (0 none, 1 present) [+ expiresAt varuint ms]
 *   | signature 64 (identity key over "kith/device-certificate/v1" 0x00 body)
 *
 * A certificate covers entries signed up to its expiry, forever: one signed before it stays
 * valid after it. A certificate without an expiry (written before expiries existed) is read as
 * expiring `CERTIFICATE_LIFETIME_MS` after its issue, so no device key is trusted for ever.
 */
import * as encoding from 'lib0/encoding';
import type { ByteReader } from '../bytes.ts';
import { deviceIdFromKey, personIdFromKey, type DeviceId, type PersonId } from '../ids.ts';
import type { Identity } from './keys.ts';
import {
  DOMAIN_DEVICE_CERTIFICATE,
  RecordError,
  decodeRecord,
  signRecord,
  verifyRecordSignature,
} from './signed-record.ts';
import type { Ed25519Verifier } from './verifier.ts';

/** Current certificate format version. */
export const DEVICE_CERTIFICATE_VERSION = 1;
/** Upper bound of an encoded certificate (1 + 32 + 32 + 1 + 8 + 1 + 8 + 64). */
export const MAX_DEVICE_CERTIFICATE_BYTES = 147;

/**
 * How long a certificate covers new entries: 180 days. The device holding the identity key
 * renews every certificate it issued well before (`certificate-lifetime.ts`), so a device in use
 * never meets its expiry, while a lost one stops being trusted within half a year.
 */
export const CERTIFICATE_LIFETIME_MS = 180 * 24 * 60 * 60 * 1000;

/**
 * What a device may do. `device`: a person's own phone or browser, authors entries. `relay`:
 * a home peer that stores and forwards ciphertext and authors no entries.
 */
export type DeviceRole = 'device' | 'relay';
const ROLES: readonly DeviceRole[] = ['device', 'relay'];

/** A decoded device certificate. */
export interface DeviceCertificate {
  /** The certifying person. */
  readonly person: PersonId;
  /** Their 32-byte identity public key. */
  readonly personKey: Uint8Array;
  /** The certified device. */
  readonly device: DeviceId;
  /** Its 32-byte public key. */
  readonly deviceKey: Uint8Array;
  /** What the device may do. */
  readonly role: DeviceRole;
  /** When it was issued, ms since epoch. */
  readonly issuedAt: number;
  /** When it stops being valid, ms since epoch; undefined for no expiry. */
  readonly expiresAt: number | undefined;
  /** The encoded, signed certificate. */
  readonly bytes: Uint8Array;
}

/** Fields of a certificate to issue. */
export interface CertificateFields {
  /** The device's 32-byte public key. */
  deviceKey: Uint8Array;
  /** Its role. */
  role: DeviceRole;
  /** Issue time, ms since epoch. */
  issuedAt: number;
  /** Optional expiry, ms since epoch. */
  expiresAt?: number | undefined;
}

/** Writes an optional varuint as a flag byte and the value. */
export function writeOptionalVarUint(encoder: encoding.Encoder, value: number | undefined): void {
  if (value === undefined) {
    encoding.writeUint8(encoder, 0);
  } else {
    encoding.writeUint8(encoder, 1);
    encoding.writeVarUint(encoder, value);
  }
}

/** Reads what `writeOptionalVarUint` wrote; `onBadFlag` makes the caller's error. */
export function readOptionalVarUint(
  reader: ByteReader,
  onBadFlag: () => Error,
): number | undefined {
  const flag = reader.u8();
  if (flag === 0) return undefined;
  if (flag !== 1) throw onBadFlag();
  return reader.varUint();
}

function assertTime(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
    throw new RangeError(`${name} must be a non-negative safe integer, got ${value}`);
  }
}

/** Issues a certificate for a device key, signed by the identity key. */
export async function issueDeviceCertificate(
  identity: Identity,
  fields: CertificateFields,
): Promise<DeviceCertificate> {
  assertTime('issuedAt', fields.issuedAt);
  assertTime('expiresAt', fields.expiresAt);
  if (fields.deviceKey.length !== 32) throw new RangeError('device key must be 32 bytes');
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, DEVICE_CERTIFICATE_VERSION);
  encoding.writeUint8Array(encoder, identity.publicKey);
  encoding.writeUint8Array(encoder, fields.deviceKey);
  encoding.writeUint8(encoder, ROLES.indexOf(fields.role));
  encoding.writeVarUint(encoder, fields.issuedAt);
  writeOptionalVarUint(encoder, fields.expiresAt);
  const bytes = await signRecord(
    DOMAIN_DEVICE_CERTIFICATE,
    encoding.toUint8Array(encoder),
    identity.signingKey,
  );
  return decodeDeviceCertificate(bytes).certificate;
}

/** Decodes a certificate without checking its signature. Throws `RecordError`. */
export function decodeDeviceCertificate(bytes: Uint8Array): {
  certificate: DeviceCertificate;
  body: Uint8Array;
  signature: Uint8Array;
} {
  const bad = (reason: 'unknown-version' | 'bad-role' | 'bad-flag') =>
    new RecordError('device-certificate', reason);
  const { value, body, signature } = decodeRecord('device-certificate', bytes, (r) => {
    if (r.u8() !== DEVICE_CERTIFICATE_VERSION) throw bad('unknown-version');
    const personKey = r.bytes(32);
    const deviceKey = r.bytes(32);
    const role = ROLES[r.u8()];
    if (!role) throw bad('bad-role');
    const issuedAt = r.varUint();
    const expiresAt = readOptionalVarUint(r, () => bad('bad-flag'));
    return { personKey, deviceKey, role, issuedAt, expiresAt };
  });
  const certificate: DeviceCertificate = {
    ...value,
    person: personIdFromKey(value.personKey),
    device: deviceIdFromKey(value.deviceKey),
    bytes: bytes.slice(),
  };
  return { certificate, body, signature };
}

/**
 * Decodes a certificate and checks that its person's identity key signed it. Throws
 * `RecordError`. Expiry and revocation are the caller's to check, against an entry's time.
 */
export async function verifyDeviceCertificate(
  bytes: Uint8Array,
  verifier: Ed25519Verifier,
): Promise<DeviceCertificate> {
  const { certificate, body, signature } = decodeDeviceCertificate(bytes);
  await verifyRecordSignature(
    'device-certificate',
    DOMAIN_DEVICE_CERTIFICATE,
    body,
    signature,
    certificate.personKey,
    verifier,
  );
  return certificate;
}

/** The last time the certificate covers (module doc: a missing expiry is issue + lifetime). */
export function certificateExpiry(certificate: DeviceCertificate): number {
  return certificate.expiresAt ?? certificate.issuedAt + CERTIFICATE_LIFETIME_MS;
}

/** True when `time` is past the certificate's expiry. */
export function isCertificateExpiredAt(certificate: DeviceCertificate, time: number): boolean {
  return time > certificateExpiry(certificate);
}
