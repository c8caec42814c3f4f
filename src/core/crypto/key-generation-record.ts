/**
 * A key generation record: what the identity device writes when the person's encryption key and
 * self key move to their next generation (a device was removed; `identity/keys.ts` derives the
 * generations). One entry of doc `key-generation/<g>`, so the two halves arrive together:
 *
 *   version u8 (= 1)
 *   varbytes  encryption key record v2 of generation g (`identity/encryption-key-record.ts`):
 *             friends seal to the new X25519 key from now on
 *   count varuint (0–64)
 *   count × { device key 32 | box 93 }: for each of the person's devices that stays (never the
 *             removed one), AES-256-GCM(box key, X25519 seed 32 ‖ self key 32, aad), with
 *             box key = HKDF(device secret, salt = empty, info = aad) and
 *             aad = domain("kith/key-generation/device/v1", person key, decimal g, device key)
 *
 * The device secret is derived from the identity seed per device (`deviceSecret`) and handed to a
 * linked device in its link bundle, so the identity device keeps no list of secrets and a device
 * linked before it knows its own. A removed device's secret opens no box of a later generation.
 */
import * as encoding from 'lib0/encoding';
import { hkdf as nobleHkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ByteReadError, ByteReader, concatBytes, utf8 } from '../bytes.ts';
import {
  publishEncryptionKey,
  verifyEncryptionKeyRecord,
  type EncryptionKeyRecord,
} from '../identity/encryption-key-record.ts';
import {
  IDENTITY_HKDF_SALT,
  SEED_BYTES,
  deriveEncryptionKeySeed,
  selfKeyOfGeneration,
  type Identity,
} from '../identity/keys.ts';
import { RecordError } from '../identity/signed-record.ts';
import type { Ed25519Verifier } from '../identity/verifier.ts';
import {
  deviceIdFromKey,
  deviceIdToKey,
  personIdToKey,
  type DeviceId,
  type PersonId,
} from '../ids.ts';
import { DecryptError, SymmetricKey } from './aead.ts';
import { domain, hkdf } from './kdf.ts';

const VERSION = 1;
/** Most devices a record hands the new keys to (a person's devices, with room to spare). */
export const MAX_GENERATION_DEVICES = 64;
const BOX_BYTES = 1 + 12 + 2 * SEED_BYTES + 16;

/** A key generation record refused: malformed, or its key record not the author's. */
export class KeyGenerationError extends Error {
  override readonly name = 'KeyGenerationError';
}

/** The keys of one generation, as a device that does not hold the seed receives them. */
export interface HandedKeys {
  /** The X25519 private key's 32-byte seed. */
  readonly encryptionSeed: Uint8Array;
  /** The raw self key. */
  readonly selfKey: Uint8Array;
}

/** A read key generation record. */
export interface KeyGenerationRecord {
  /** The verified encryption key record of the generation. */
  readonly key: EncryptionKeyRecord;
  /** The sealed keys, by device. */
  readonly boxes: ReadonlyMap<DeviceId, Uint8Array>;
}

/** The secret the generation boxes of `device` are sealed with (module doc). */
export function deviceSecret(seed: Uint8Array, device: DeviceId): Uint8Array {
  const info = utf8(`kith/device-secret/v1/${device}`);
  return nobleHkdf(sha256, seed, utf8(IDENTITY_HKDF_SALT), info, SEED_BYTES);
}

/** The keys of `generation`, as `identity`'s seed gives them. */
export function keysOfGeneration(identity: Identity, generation: number): HandedKeys {
  return {
    encryptionSeed: deriveEncryptionKeySeed(identity.seed, generation),
    selfKey: selfKeyOfGeneration(identity.seed, generation),
  };
}

function boxAad(person: PersonId, generation: number, device: DeviceId): Uint8Array {
  return domain(
    'kith/key-generation/device/v1',
    personIdToKey(person),
    utf8(String(generation)),
    deviceIdToKey(device),
  );
}

async function boxKey(secret: Uint8Array, aad: Uint8Array): Promise<SymmetricKey> {
  return SymmetricKey.fromRaw(await hkdf(secret, new Uint8Array(0), aad));
}

/**
 * The record of `generation` of `identity`, handing its keys to `devices` (the person's devices
 * that stay, this one excepted: it holds the seed).
 */
export async function makeKeyGenerationRecord(
  identity: Identity,
  generation: number,
  issuedAt: number,
  devices: readonly DeviceId[],
): Promise<Uint8Array> {
  if (devices.length > MAX_GENERATION_DEVICES) throw new RangeError('too many devices');
  const key = await publishEncryptionKey(identity, issuedAt, generation);
  const keys = keysOfGeneration(identity, generation);
  const plain = concatBytes(keys.encryptionSeed, keys.selfKey);
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, VERSION);
  encoding.writeVarUint8Array(encoder, key.bytes);
  encoding.writeVarUint(encoder, devices.length);
  for (const device of devices) {
    const aad = boxAad(identity.personId, generation, device);
    const box = await (await boxKey(deviceSecret(identity.seed, device), aad)).encrypt(plain, aad);
    encoding.writeUint8Array(encoder, deviceIdToKey(device));
    encoding.writeUint8Array(encoder, box);
  }
  return encoding.toUint8Array(encoder);
}

/**
 * Reads the record of doc `key-generation/<generation>` in `author`'s log: its key record must be
 * signed by `author`'s identity key and name that generation. Throws {@link KeyGenerationError}.
 */
export async function readKeyGenerationRecord(
  bytes: Uint8Array,
  author: PersonId,
  generation: number,
  verifier: Ed25519Verifier,
): Promise<KeyGenerationRecord> {
  const reader = new ByteReader(bytes);
  let keyBytes: Uint8Array;
  const boxes = new Map<DeviceId, Uint8Array>();
  try {
    if (reader.u8() !== VERSION) throw new KeyGenerationError('unknown key generation version');
    keyBytes = reader.varBytes(1024);
    const count = reader.varUint(MAX_GENERATION_DEVICES);
    for (let i = 0; i < count; i++) {
      boxes.set(deviceIdFromKey(reader.bytes(32)), reader.bytes(BOX_BYTES));
    }
    reader.end();
  } catch (error) {
    if (error instanceof ByteReadError) throw new KeyGenerationError(`malformed (${error.reason})`);
    throw error;
  }
  const key = await verifyEncryptionKeyRecord(keyBytes, verifier, author).catch(
    (error: unknown) => {
      if (error instanceof RecordError) throw new KeyGenerationError(error.message);
      throw error;
    },
  );
  if (key.generation !== generation) throw new KeyGenerationError('another generation');
  return { key, boxes };
}

/** The keys `record` hands `device` (whose secret is `secret`), or `null` when it hands none. */
export async function openGenerationBox(
  record: KeyGenerationRecord,
  device: DeviceId,
  secret: Uint8Array,
): Promise<HandedKeys | null> {
  const box = record.boxes.get(device);
  if (!box) return null;
  const aad = boxAad(record.key.person, record.key.generation, device);
  try {
    const plain = await (await boxKey(secret, aad)).decrypt(box, aad);
    return { encryptionSeed: plain.slice(0, SEED_BYTES), selfKey: plain.slice(SEED_BYTES) };
  } catch (error) {
    if (error instanceof DecryptError) return null;
    throw error;
  }
}
