/**
 * Passphrase-encrypted export of a person's secret seed: the one way secrets leave a device.
 *
 * Format (fixed 116 bytes, see docs/protocol.md "Identity export"):
 *
 *   magic "KITHID" 6 | version u8 (= 1) | kdf u8 (1 = scrypt) | log2 N u8 | r u8 | p u8
 *   | salt 16 | nonce 24 | check 16 | ciphertext 49 (XChaCha20-Poly1305 of
 *   [seed format u8 = 1 | seed 32], additional data = every byte before it)
 *
 * scrypt(NFKC(passphrase), salt, N, r, p) gives 64 bytes: the first 32 are the cipher key, the
 * last 32 a check key whose SHA-256 (first 16 bytes, after the domain string
 * "kith/identity-export/check") is stored as `check`. The check tells a wrong passphrase apart
 * from a damaged file; it lets an attacker test guesses no faster than the ciphertext already
 * does. scrypt cost is bounded on import, so a crafted file cannot make us allocate gigabytes.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesEqual, concatBytes, randomBytes, utf8, type RandomBytes } from '../bytes.ts';
import { restoreFromSeed, type DeviceStartOptions, type IdentityOnDevice } from './device-setup.ts';
import { SEED_BYTES, type Identity } from './keys.ts';

/** The export's first bytes, "KITHID". */
export const EXPORT_MAGIC = utf8('KITHID');
/** Current export format version. */
export const EXPORT_VERSION = 1;
/** Production scrypt cost: N = 2^17, r = 8, p = 1 (128 MiB, about a second). */
export const DEFAULT_SCRYPT = { logN: 17, r: 8, p: 1 } as const;
/** Total length of an export. */
export const EXPORT_BYTES = 116;

const KDF_SCRYPT = 1;
const SEED_FORMAT = 1;
const HEADER_BYTES = 6 + 1 + 4 + 16 + 24 + 16;
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;
const CHECK_DOMAIN = utf8('kith/identity-export/check');

/** scrypt cost parameters. */
export interface ScryptParams {
  /** log2 of N, 1 to 20 (tests use small values; production 17). */
  logN: number;
  /** Block size, 1 to 16. */
  r: number;
  /** Parallelism, 1 to 4. */
  p: number;
}

/** Why an export could not be made or opened. */
export type IdentityExportErrorReason =
  | 'not-an-export'
  | 'unsupported-version'
  | 'bad-parameters'
  | 'truncated'
  | 'trailing-bytes'
  | 'empty-passphrase'
  | 'wrong-passphrase'
  | 'tampered';

/** Thrown by `exportSeed`/`importSeed` with a machine-readable reason. */
export class IdentityExportError extends Error {
  override readonly name = 'IdentityExportError';
  /** Machine-readable cause. */
  readonly reason: IdentityExportErrorReason;

  constructor(reason: IdentityExportErrorReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

function checkParams(params: ScryptParams): boolean {
  const { logN, r, p } = params;
  const ints = [logN, r, p].every(Number.isInteger);
  return (
    ints &&
    logN >= 1 &&
    logN <= 20 &&
    r >= 1 &&
    r <= 16 &&
    p >= 1 &&
    p <= 4 &&
    128 * r * 2 ** logN <= MAX_SCRYPT_MEMORY
  );
}

async function deriveKeys(passphrase: string, salt: Uint8Array, params: ScryptParams) {
  const out = await scryptAsync(utf8(passphrase.normalize('NFKC')), salt, {
    N: 2 ** params.logN,
    r: params.r,
    p: params.p,
    dkLen: 64,
    maxmem: MAX_SCRYPT_MEMORY + 4096,
  });
  const check = sha256(concatBytes(CHECK_DOMAIN, out.subarray(32))).slice(0, 16);
  return { cipherKey: out.slice(0, 32), check };
}

/** Encrypts the identity's seed under `passphrase`. */
export async function exportIdentity(
  identity: Identity,
  passphrase: string,
  options: { scrypt?: ScryptParams; random?: RandomBytes } = {},
): Promise<Uint8Array> {
  const params = options.scrypt ?? DEFAULT_SCRYPT;
  if (!checkParams(params))
    throw new IdentityExportError('bad-parameters', 'scrypt parameters out of range');
  if (passphrase.length === 0)
    throw new IdentityExportError('empty-passphrase', 'a passphrase is required');
  const random = options.random ?? randomBytes;
  const salt = random(16);
  const nonce = random(24);
  const { cipherKey, check } = await deriveKeys(passphrase, salt, params);
  const header = concatBytes(
    EXPORT_MAGIC,
    new Uint8Array([EXPORT_VERSION, KDF_SCRYPT, params.logN, params.r, params.p]),
    salt,
    nonce,
    check,
  );
  const plaintext = concatBytes(new Uint8Array([SEED_FORMAT]), identity.seed);
  return concatBytes(header, xchacha20poly1305(cipherKey, nonce, header).encrypt(plaintext));
}

/** Decrypts an export and returns the 32-byte seed. Throws `IdentityExportError`. */
export async function importSeed(bytes: Uint8Array, passphrase: string): Promise<Uint8Array> {
  const magicPart = bytes.subarray(0, EXPORT_MAGIC.length);
  if (!bytesEqual(magicPart, EXPORT_MAGIC.subarray(0, magicPart.length))) {
    throw new IdentityExportError('not-an-export', 'not a Kith identity export');
  }
  if (bytes.length > EXPORT_MAGIC.length && bytes[EXPORT_MAGIC.length] !== EXPORT_VERSION) {
    throw new IdentityExportError(
      'unsupported-version',
      `unknown export version ${bytes[EXPORT_MAGIC.length]}`,
    );
  }
  if (bytes.length < EXPORT_BYTES)
    throw new IdentityExportError('truncated', 'the export is incomplete');
  if (bytes.length > EXPORT_BYTES)
    throw new IdentityExportError('trailing-bytes', 'the export has extra bytes');
  const [kdf, logN, r, p] = bytes.subarray(7, 11);
  const params = { logN: logN!, r: r!, p: p! };
  if (kdf !== KDF_SCRYPT || !checkParams(params)) {
    throw new IdentityExportError('bad-parameters', 'unsupported key derivation parameters');
  }
  const salt = bytes.subarray(11, 27);
  const nonce = bytes.subarray(27, 51);
  const storedCheck = bytes.subarray(51, HEADER_BYTES);
  const { cipherKey, check } = await deriveKeys(passphrase, salt, params);
  if (!bytesEqual(check, storedCheck)) {
    throw new IdentityExportError('wrong-passphrase', 'the passphrase does not open this export');
  }
  let plaintext: Uint8Array;
  try {
    plaintext = xchacha20poly1305(cipherKey, nonce, bytes.subarray(0, HEADER_BYTES)).decrypt(
      bytes.subarray(HEADER_BYTES),
    );
  } catch {
    throw new IdentityExportError('tampered', 'the export was altered or damaged');
  }
  if (plaintext.length !== 1 + SEED_BYTES || plaintext[0] !== SEED_FORMAT) {
    throw new IdentityExportError('unsupported-version', 'unknown seed format inside the export');
  }
  return plaintext.slice(1);
}

/**
 * Opens an export and restores the identity on this device, always with a new device key,
 * log and Yjs client id. Throws `IdentityExportError`.
 */
export async function importIdentity(
  bytes: Uint8Array,
  passphrase: string,
  options: DeviceStartOptions,
): Promise<IdentityOnDevice> {
  return restoreFromSeed(await importSeed(bytes, passphrase), options);
}
