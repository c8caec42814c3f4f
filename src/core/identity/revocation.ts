/**
 * Device revocations: the identity key withdraws a device (design guide section 3).
 *
 * Layout: version u8 (= 1) | person key 32 | device key 32 | revokedAt varuint ms
 * | lastValidSeq u8 flag (0 none, 1 present) [+ varuint] | signature 64 (identity key over
 * "kith/device-revocation/v1" 0x00 body).
 *
 * The rule, as a pure check (`isRevokedFor`): when the revoking device names `lastValidSeq`
 * (the highest seq it holds of that device's log), entries with a greater seq are rejected,
 * whatever timestamp they claim, since a stolen device can backdate timestamps but cannot
 * reuse a seq without making a detectable fork. Without `lastValidSeq`, entries whose
 * timestamp is after `revokedAt` are rejected. Spreading revocations is for the sync layer.
 */
import * as encoding from 'lib0/encoding';
import {
  deviceIdFromKey,
  logKey,
  personIdFromKey,
  type DeviceId,
  type LogKey,
  type PersonId,
} from '../ids.ts';
import { readOptionalVarUint, writeOptionalVarUint } from './device-certificate.ts';
import type { Identity } from './keys.ts';
import {
  DOMAIN_DEVICE_REVOCATION,
  RecordError,
  decodeRecord,
  signRecord,
  verifyRecordSignature,
} from './signed-record.ts';
import type { Ed25519Verifier } from './verifier.ts';

/** Current revocation format version. */
export const DEVICE_REVOCATION_VERSION = 1;
/** Upper bound of an encoded revocation (1 + 32 + 32 + 8 + 1 + 8 + 64). */
export const MAX_DEVICE_REVOCATION_BYTES = 146;

/** A decoded device revocation. */
export interface DeviceRevocation {
  /** The revoking person. */
  readonly person: PersonId;
  /** Their identity public key. */
  readonly personKey: Uint8Array;
  /** The revoked device. */
  readonly device: DeviceId;
  /** When the device was revoked, ms since epoch. */
  readonly revokedAt: number;
  /** Last seq of the device's log still valid, when the revoker knew it. */
  readonly lastValidSeq: number | undefined;
  /** The encoded, signed revocation. */
  readonly bytes: Uint8Array;
}

/** Looks up the (verified) revocation of a person's device, if any. */
export interface RevocationLookup {
  /** The revocation of `device` by `person`, or undefined when it is not revoked. */
  revocationOf(person: PersonId, device: DeviceId): DeviceRevocation | undefined;
}

/** Signs a revocation of `deviceKey` with the identity key. */
export async function issueDeviceRevocation(
  identity: Identity,
  fields: { deviceKey: Uint8Array; revokedAt: number; lastValidSeq?: number | undefined },
): Promise<DeviceRevocation> {
  if (fields.deviceKey.length !== 32) throw new RangeError('device key must be 32 bytes');
  if (!Number.isSafeInteger(fields.revokedAt) || fields.revokedAt < 0)
    throw new RangeError('bad revokedAt');
  const last = fields.lastValidSeq;
  if (last !== undefined && (!Number.isSafeInteger(last) || last < 0))
    throw new RangeError('bad lastValidSeq');
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, DEVICE_REVOCATION_VERSION);
  encoding.writeUint8Array(encoder, identity.publicKey);
  encoding.writeUint8Array(encoder, fields.deviceKey);
  encoding.writeVarUint(encoder, fields.revokedAt);
  writeOptionalVarUint(encoder, last);
  const bytes = await signRecord(
    DOMAIN_DEVICE_REVOCATION,
    encoding.toUint8Array(encoder),
    identity.signingKey,
  );
  return decodeDeviceRevocation(bytes).revocation;
}

/** Decodes a revocation without checking its signature. Throws `RecordError`. */
export function decodeDeviceRevocation(bytes: Uint8Array): {
  revocation: DeviceRevocation;
  body: Uint8Array;
  signature: Uint8Array;
} {
  const { value, body, signature } = decodeRecord('device-revocation', bytes, (r) => {
    if (r.u8() !== DEVICE_REVOCATION_VERSION)
      throw new RecordError('device-revocation', 'unknown-version');
    const personKey = r.bytes(32);
    const deviceKey = r.bytes(32);
    const revokedAt = r.varUint();
    const lastValidSeq = readOptionalVarUint(
      r,
      () => new RecordError('device-revocation', 'bad-flag'),
    );
    return { personKey, deviceKey, revokedAt, lastValidSeq };
  });
  const revocation: DeviceRevocation = {
    person: personIdFromKey(value.personKey),
    personKey: value.personKey,
    device: deviceIdFromKey(value.deviceKey),
    revokedAt: value.revokedAt,
    lastValidSeq: value.lastValidSeq,
    bytes: bytes.slice(),
  };
  return { revocation, body, signature };
}

/** Decodes a revocation and checks the person's identity key signed it. Throws `RecordError`. */
export async function verifyDeviceRevocation(
  bytes: Uint8Array,
  verifier: Ed25519Verifier,
): Promise<DeviceRevocation> {
  const { revocation, body, signature } = decodeDeviceRevocation(bytes);
  await verifyRecordSignature(
    'device-revocation',
    DOMAIN_DEVICE_REVOCATION,
    body,
    signature,
    revocation.personKey,
    verifier,
  );
  return revocation;
}

/** True when an entry at `seq` with `timestamp` falls after the revocation (module doc). */
export function isRevokedFor(
  revocation: DeviceRevocation,
  entry: { seq: number; timestamp: number },
): boolean {
  if (revocation.lastValidSeq !== undefined) return entry.seq > revocation.lastValidSeq;
  return entry.timestamp > revocation.revokedAt;
}

/** An in-memory `RevocationLookup`; keeps the strictest revocation per device. */
export class MemoryRevocations implements RevocationLookup {
  private readonly byDevice = new Map<LogKey, DeviceRevocation>();

  /** Adds a verified revocation. */
  add(revocation: DeviceRevocation): void {
    const key = logKey(revocation.person, revocation.device);
    const held = this.byDevice.get(key);
    if (!held || stricter(revocation, held)) this.byDevice.set(key, revocation);
  }

  /** See `RevocationLookup`. */
  revocationOf(person: PersonId, device: DeviceId): DeviceRevocation | undefined {
    return this.byDevice.get(logKey(person, device));
  }
}

function stricter(a: DeviceRevocation, b: DeviceRevocation): boolean {
  if (a.lastValidSeq !== undefined && b.lastValidSeq !== undefined)
    return a.lastValidSeq < b.lastValidSeq;
  if (a.lastValidSeq !== undefined) return true;
  if (b.lastValidSeq !== undefined) return false;
  return a.revokedAt < b.revokedAt;
}
