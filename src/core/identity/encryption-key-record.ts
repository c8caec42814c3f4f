/**
 * The X25519 encryption public key, published signed by the identity key so that a friend
 * sealing a key to a person knows the X25519 key is theirs.
 *
 * Layout: version u8 (= 1) | person key 32 | X25519 public key 32 | issuedAt varuint ms
 * | signature 64 (identity key over "kith/encryption-key/v1" 0x00 body).
 */
import * as encoding from 'lib0/encoding';
import { personIdFromKey, type PersonId } from '../ids.ts';
import type { Identity } from './keys.ts';
import {
  DOMAIN_ENCRYPTION_KEY,
  RecordError,
  decodeRecord,
  signRecord,
  verifyRecordSignature,
} from './signed-record.ts';
import type { Ed25519Verifier } from './verifier.ts';

/** Current format version. */
export const ENCRYPTION_KEY_RECORD_VERSION = 1;

/** A verified encryption key record. */
export interface EncryptionKeyRecord {
  /** The person it belongs to. */
  readonly person: PersonId;
  /** Their identity public key. */
  readonly personKey: Uint8Array;
  /** 32-byte X25519 public key. */
  readonly encryptionKey: Uint8Array;
  /** When it was published, ms since epoch. */
  readonly issuedAt: number;
  /** The encoded, signed record. */
  readonly bytes: Uint8Array;
}

/** Signs the identity's X25519 public key. */
export async function publishEncryptionKey(
  identity: Identity,
  issuedAt: number,
): Promise<EncryptionKeyRecord> {
  if (!Number.isSafeInteger(issuedAt) || issuedAt < 0) throw new RangeError('bad issuedAt');
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, ENCRYPTION_KEY_RECORD_VERSION);
  encoding.writeUint8Array(encoder, identity.publicKey);
  encoding.writeUint8Array(encoder, identity.encryptionPublicKey);
  encoding.writeVarUint(encoder, issuedAt);
  const bytes = await signRecord(
    DOMAIN_ENCRYPTION_KEY,
    encoding.toUint8Array(encoder),
    identity.signingKey,
  );
  return decodeOnly(bytes).record;
}

function decodeOnly(bytes: Uint8Array) {
  const { value, body, signature } = decodeRecord('encryption-key', bytes, (r) => {
    if (r.u8() !== ENCRYPTION_KEY_RECORD_VERSION)
      throw new RecordError('encryption-key', 'unknown-version');
    const personKey = r.bytes(32);
    const encryptionKey = r.bytes(32);
    const issuedAt = r.varUint();
    return { personKey, encryptionKey, issuedAt };
  });
  const record: EncryptionKeyRecord = {
    ...value,
    person: personIdFromKey(value.personKey),
    bytes: bytes.slice(),
  };
  return { record, body, signature };
}

/**
 * Decodes a record and checks its signature; when `expectedPerson` is given, also that it is
 * that person's. Throws `RecordError`.
 */
export async function verifyEncryptionKeyRecord(
  bytes: Uint8Array,
  verifier: Ed25519Verifier,
  expectedPerson?: PersonId,
): Promise<EncryptionKeyRecord> {
  const { record, body, signature } = decodeOnly(bytes);
  if (expectedPerson !== undefined && record.person !== expectedPerson) {
    throw new RecordError('encryption-key', 'wrong-signer');
  }
  await verifyRecordSignature(
    'encryption-key',
    DOMAIN_ENCRYPTION_KEY,
    body,
    signature,
    record.personKey,
    verifier,
  );
  return record;
}
