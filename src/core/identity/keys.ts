/**
 * Key material of a person and of a device, made with WebCrypto (Ed25519, X25519) and HKDF.
 *
 * A person's secrets all come from one 32-byte seed (the later recovery phrase encodes it).
 * HKDF-SHA256 derives one 32-byte seed per key, with distinct `info` strings, so the two keys
 * are independent and the scheme can add keys later without touching these:
 *
 *   ikm  = seed (32 bytes)
 *   salt = "kith/identity-seed/v1"
 *   Ed25519 identity key seed = HKDF(ikm, salt, info = "kith/identity/ed25519/v1", 32)
 *   X25519 encryption key     = HKDF(ikm, salt, info = "kith/identity/x25519/v1", 32)
 *
 * Key generations: the X25519 encryption key and the self key (what only the person's own devices
 * read) can be replaced, so that removing a device can shut it out of what is written next. Each
 * generation g derives from the same seed; generation 0 is the original key (the derivations
 * above, unchanged), generation g > 0 appends "/generation/<g>" to the `info`:
 *
 *   X25519 encryption key, generation g = HKDF(ikm, salt, info = "kith/identity/x25519/v1/generation/<g>", 32)
 *   self key, generation g = HKDF(ikm = seed, salt = "kith/self-key/v1", info = "friends/generation/<g>", 32)
 *     (generation 0: info = "friends")
 *
 * A generation's X25519 public key is published signed (`encryption-key-record.ts`, v2 carries
 * the generation). Which generation is current, and when to move on, is decided elsewhere.
 *
 * WebCrypto has no "import from seed", but PKCS#8 for these curves is a fixed 16-byte DER
 * prefix followed by the 32-byte seed (RFC 8410), so we build that.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  bytesEqual,
  concatBytes,
  fromBase64Url,
  fromHex,
  randomBytes,
  toArrayBufferBytes,
  utf8,
} from '../bytes.ts';
import type { RandomBytes } from '../bytes.ts';
import { deviceIdFromKey, personIdFromKey, type DeviceId, type PersonId } from '../ids.ts';

/** Length of every seed handled here. */
export const SEED_BYTES = 32;

/** HKDF salt of the identity seed derivation. */
export const IDENTITY_HKDF_SALT = 'kith/identity-seed/v1';
/** HKDF info of the Ed25519 identity key. */
export const IDENTITY_ED25519_INFO = 'kith/identity/ed25519/v1';
/** HKDF info of the X25519 encryption key. */
export const IDENTITY_X25519_INFO = 'kith/identity/x25519/v1';

const PKCS8_ED25519_PREFIX = fromHex('302e020100300506032b657004220420');
const PKCS8_X25519_PREFIX = fromHex('302e020100300506032b656e04220420');

/** Thrown for a seed of the wrong length, or when the engine lacks Ed25519/X25519. */
export class KeyError extends Error {
  override readonly name = 'KeyError';
  /** Machine-readable cause. */
  readonly reason: 'bad-seed-length' | 'unsupported';

  constructor(reason: 'bad-seed-length' | 'unsupported', message: string) {
    super(message);
    this.reason = reason;
  }
}

/** A person's keys. `seed` is the one secret everything else derives from. */
export interface Identity {
  /** The person's id (their identity public key, base64url). */
  readonly personId: PersonId;
  /** 32-byte Ed25519 identity public key. */
  readonly publicKey: Uint8Array;
  /** Ed25519 identity private key (non-extractable): certifies devices, signs records. */
  readonly signingKey: CryptoKey;
  /** 32-byte X25519 public key, published signed (see `encryption-key-record.ts`). */
  readonly encryptionPublicKey: Uint8Array;
  /** X25519 private key (non-extractable), usable for `deriveBits`. */
  readonly encryptionPrivateKey: CryptoKey;
  /** The 32-byte secret seed. Leaves the device only in a passphrase-encrypted export. */
  readonly seed: Uint8Array;
}

/** A device's own signing key. */
export interface DeviceKey {
  /** The device id (its public key, base64url). */
  readonly deviceId: DeviceId;
  /** 32-byte Ed25519 device public key. */
  readonly publicKey: Uint8Array;
  /**
   * The CryptoKey pair. Storage decides how to keep it: a non-extractable pair as CryptoKeys
   * in IndexedDB (structured clone keeps them), or an extractable one as PKCS#8 bytes where
   * CryptoKeys cannot be stored (the home peer's files).
   */
  readonly keyPair: CryptoKeyPair;
}

/** A new random identity seed. */
export function generateIdentitySeed(random: RandomBytes = randomBytes): Uint8Array {
  return random(SEED_BYTES);
}

function checkSeed(seed: Uint8Array): void {
  if (seed.length !== SEED_BYTES) {
    throw new KeyError('bad-seed-length', `seed must be ${SEED_BYTES} bytes, got ${seed.length}`);
  }
}

/** The 32-byte Ed25519 and X25519 seeds derived from an identity seed (see module doc). */
export function deriveIdentityKeySeeds(seed: Uint8Array): {
  ed25519: Uint8Array;
  x25519: Uint8Array;
} {
  checkSeed(seed);
  const salt = utf8(IDENTITY_HKDF_SALT);
  return {
    ed25519: hkdf(sha256, seed, salt, utf8(IDENTITY_ED25519_INFO), SEED_BYTES),
    x25519: deriveEncryptionKeySeed(seed, 0),
  };
}

/** Highest key generation accepted (a varuint that fits comfortably in any record). */
export const MAX_KEY_GENERATION = 1_000_000;
/** HKDF salt of the self key. */
export const SELF_KEY_HKDF_SALT = 'kith/self-key/v1';

function checkGeneration(generation: number): void {
  if (!Number.isSafeInteger(generation) || generation < 0 || generation > MAX_KEY_GENERATION) {
    throw new RangeError(`a key generation is 0 to ${MAX_KEY_GENERATION}, not ${generation}`);
  }
}

function generationInfo(info: string, generation: number): string {
  return generation === 0 ? info : `${info}/generation/${generation}`;
}

/** The 32-byte X25519 seed of the encryption key of `generation` (0: the identity's own). */
export function deriveEncryptionKeySeed(seed: Uint8Array, generation: number): Uint8Array {
  checkSeed(seed);
  checkGeneration(generation);
  const info = generationInfo(IDENTITY_X25519_INFO, generation);
  return hkdf(sha256, seed, utf8(IDENTITY_HKDF_SALT), utf8(info), SEED_BYTES);
}

/** The X25519 encryption key pair of `generation`, its private key non-extractable. */
export async function encryptionKeyOfGeneration(
  seed: Uint8Array,
  generation: number,
): Promise<{ publicKey: Uint8Array; privateKey: CryptoKey }> {
  const key = await importFromSeed('X25519', deriveEncryptionKeySeed(seed, generation), false);
  return { publicKey: key.publicKey, privateKey: key.privateKey };
}

/** The X25519 key pair whose private key is `seed` (a linked device is handed the seed). */
export async function x25519KeyFromSeed(
  seed: Uint8Array,
): Promise<{ publicKey: Uint8Array; privateKey: CryptoKey }> {
  const key = await importFromSeed('X25519', seed, false);
  return { publicKey: key.publicKey, privateKey: key.privateKey };
}

/** The raw 32-byte self key of `generation` (it encrypts what only own devices read). */
export function selfKeyOfGeneration(seed: Uint8Array, generation: number): Uint8Array {
  checkSeed(seed);
  checkGeneration(generation);
  const info = generationInfo('friends', generation);
  return hkdf(sha256, seed, utf8(SELF_KEY_HKDF_SALT), utf8(info), SEED_BYTES);
}

async function importFromSeed(
  curve: 'Ed25519' | 'X25519',
  seed: Uint8Array,
  extractable: boolean,
): Promise<{ privateKey: CryptoKey; publicKey: Uint8Array; publicCryptoKey: CryptoKey }> {
  checkSeed(seed);
  const prefix = curve === 'Ed25519' ? PKCS8_ED25519_PREFIX : PKCS8_X25519_PREFIX;
  const pkcs8 = toArrayBufferBytes(concatBytes(prefix, seed));
  const usages: KeyUsage[] = curve === 'Ed25519' ? ['sign'] : ['deriveBits'];
  const subtle = globalThis.crypto.subtle;
  try {
    // WebCrypto cannot export a public key from a private one except through JWK, which
    // needs an extractable key: import once extractable to read `x`, then again as asked.
    const probe = await subtle.importKey('pkcs8', pkcs8, { name: curve }, true, usages);
    const jwk = await subtle.exportKey('jwk', probe);
    const publicKey = fromBase64Url(jwk.x ?? '');
    const privateKey = extractable
      ? probe
      : await subtle.importKey('pkcs8', pkcs8, { name: curve }, false, usages);
    const publicCryptoKey = await subtle.importKey(
      'raw',
      toArrayBufferBytes(publicKey),
      { name: curve },
      true,
      curve === 'Ed25519' ? ['verify'] : [],
    );
    return { privateKey, publicKey, publicCryptoKey };
  } catch (err) {
    throw new KeyError('unsupported', `this engine cannot import ${curve} keys: ${String(err)}`);
  }
}

/** The identity whose keys derive from `seed`. */
export async function identityFromSeed(seed: Uint8Array): Promise<Identity> {
  const seeds = deriveIdentityKeySeeds(seed);
  const signing = await importFromSeed('Ed25519', seeds.ed25519, false);
  const encryption = await importFromSeed('X25519', seeds.x25519, false);
  return {
    personId: personIdFromKey(signing.publicKey),
    publicKey: signing.publicKey,
    signingKey: signing.privateKey,
    encryptionPublicKey: encryption.publicKey,
    encryptionPrivateKey: encryption.privateKey,
    seed: seed.slice(),
  };
}

/**
 * The Ed25519 key pair whose RFC 8032 secret seed is `seed` (not HKDF-derived). Used for the
 * RFC 8032 test vectors, Kith's deterministic test vectors, and storages that keep a seed.
 */
export async function ed25519KeyFromSeed(
  seed: Uint8Array,
  extractable = false,
): Promise<{ publicKey: Uint8Array; keyPair: CryptoKeyPair }> {
  const k = await importFromSeed('Ed25519', seed, extractable);
  return {
    publicKey: k.publicKey,
    keyPair: { privateKey: k.privateKey, publicKey: k.publicCryptoKey },
  };
}

/**
 * A new random device key. Non-extractable by default; pass `extractable` only for a storage
 * that must write PKCS#8 bytes.
 */
export async function generateDeviceKey(
  options: { extractable?: boolean } = {},
): Promise<DeviceKey> {
  let keyPair: CryptoKeyPair;
  try {
    keyPair = (await globalThis.crypto.subtle.generateKey(
      { name: 'Ed25519' },
      options.extractable ?? false,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
  } catch (err) {
    throw new KeyError('unsupported', `this engine cannot generate Ed25519 keys: ${String(err)}`);
  }
  const publicKey = new Uint8Array(
    await globalThis.crypto.subtle.exportKey('raw', keyPair.publicKey),
  );
  return { deviceId: deviceIdFromKey(publicKey), publicKey, keyPair };
}

/** The device key whose RFC 8032 seed is `seed`: deterministic, for test vectors. */
export async function deviceKeyFromSeed(seed: Uint8Array, extractable = false): Promise<DeviceKey> {
  const { publicKey, keyPair } = await ed25519KeyFromSeed(seed, extractable);
  return { deviceId: deviceIdFromKey(publicKey), publicKey, keyPair };
}

/**
 * The RFC 8032 seed of an extractable Ed25519 private key (the inverse of `deviceKeyFromSeed`):
 * what a store that cannot hold a `CryptoKey` keeps of a device key.
 */
export async function ed25519SeedOf(privateKey: CryptoKey): Promise<Uint8Array> {
  const pkcs8 = new Uint8Array(await globalThis.crypto.subtle.exportKey('pkcs8', privateKey));
  const prefix = pkcs8.subarray(0, PKCS8_ED25519_PREFIX.length);
  if (
    pkcs8.length !== PKCS8_ED25519_PREFIX.length + SEED_BYTES ||
    !bytesEqual(prefix, PKCS8_ED25519_PREFIX)
  ) {
    throw new KeyError('unsupported', 'not an Ed25519 private key in the expected PKCS#8 form');
  }
  return pkcs8.slice(PKCS8_ED25519_PREFIX.length);
}

/** Signs `message` with an Ed25519 private key. */
export async function signEd25519(privateKey: CryptoKey, message: Uint8Array): Promise<Uint8Array> {
  const sig = await globalThis.crypto.subtle.sign(
    { name: 'Ed25519' },
    privateKey,
    toArrayBufferBytes(message),
  );
  return new Uint8Array(sig);
}

/**
 * A new random Yjs client id for a new device. Yjs wants an unsigned 32-bit integer; a fresh
 * one per device (never reused, never restored) keeps two devices from writing as one client.
 */
export function newYjsClientId(): number {
  return globalThis.crypto.getRandomValues(new Uint32Array(1))[0]!;
}
