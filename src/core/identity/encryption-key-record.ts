/**
 * The X25519 encryption public key, published signed by the identity key so that a friend
 * sealing a key to a person knows the X25519 key is theirs. The key has generations (see
 * `keys.ts`): generation 0 is written as version 1, which landed peers read; a later generation
 * as version 2, which names it.
 *
 * Layout v1: version u8 (= 1) | person key 32 | X25519 public key 32 | issuedAt varuint ms
 * | signature 64 (identity key over "kith/encryption-key/v1" 0x00 body).
 * Layout v2: version u8 (= 2) | person key 32 | generation varuint | X25519 public key 32
 * | issuedAt varuint ms | signature 64 (same domain; the version byte keeps the two apart).
 */
import * as encoding from 'lib0/encoding';
import { personIdFromKey, type PersonId } from '../ids.ts';
import { encryptionKeyOfGeneration, MAX_KEY_GENERATION, type Identity } from './keys.ts';
import {
  DOMAIN_ENCRYPTION_KEY,
  RecordError,
  decodeRecord,
  signRecord,
  verifyRecordSignature,
} from './signed-record.ts';
import type { Ed25519Verifier } from './verifier.ts';

/** Format version of a generation-0 record. */
export const ENCRYPTION_KEY_RECORD_VERSION = 1;
/** Format version of a record naming its key generation. */
export const ENCRYPTION_KEY_RECORD_GENERATION_VERSION = 2;

/** A verified encryption key record. */
export interface EncryptionKeyRecord {
  /** The person it belongs to. */
  readonly person: PersonId;
  /** Their identity public key. */
  readonly personKey: Uint8Array;
  /** 32-byte X25519 public key. */
  readonly encryptionKey: Uint8Array;
  /** Which generation of the person's encryption key it is (0: the original). */
  readonly generation: number;
  /** When it was published, ms since epoch. */
  readonly issuedAt: number;
  /** The encoded, signed record. */
  readonly bytes: Uint8Array;
}

/** Signs the identity's X25519 public key of `generation` (default 0, the original). */
export async function publishEncryptionKey(
  identity: Identity,
  issuedAt: number,
  generation = 0,
): Promise<EncryptionKeyRecord> {
  if (!Number.isSafeInteger(issuedAt) || issuedAt < 0) throw new RangeError('bad issuedAt');
  const encoder = encoding.createEncoder();
  if (generation === 0) {
    encoding.writeUint8(encoder, ENCRYPTION_KEY_RECORD_VERSION);
    encoding.writeUint8Array(encoder, identity.publicKey);
    encoding.writeUint8Array(encoder, identity.encryptionPublicKey);
  } else {
    const { publicKey } = await encryptionKeyOfGeneration(identity.seed, generation);
    encoding.writeUint8(encoder, ENCRYPTION_KEY_RECORD_GENERATION_VERSION);
    encoding.writeUint8Array(encoder, identity.publicKey);
    encoding.writeVarUint(encoder, generation);
    encoding.writeUint8Array(encoder, publicKey);
  }
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
    const version = r.u8();
    if (
      version !== ENCRYPTION_KEY_RECORD_VERSION &&
      version !== ENCRYPTION_KEY_RECORD_GENERATION_VERSION
    )
      throw new RecordError('encryption-key', 'unknown-version');
    const personKey = r.bytes(32);
    const generation = version === ENCRYPTION_KEY_RECORD_VERSION ? 0 : r.varUint();
    // Generation 0 has one form only (v1), so one key never has two signed encodings.
    if (
      version === ENCRYPTION_KEY_RECORD_GENERATION_VERSION &&
      (generation === 0 || generation > MAX_KEY_GENERATION)
    )
      throw new RecordError('encryption-key', 'bad-generation');
    const encryptionKey = r.bytes(32);
    const issuedAt = r.varUint();
    return { personKey, generation, encryptionKey, issuedAt };
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
