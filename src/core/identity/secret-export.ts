/**
 * Passphrase-encrypted backup of a person: the one way secrets leave a device.
 *
 * Format (see docs/protocol.md "Backup file"):
 *
 *   magic "KITHID" 6 | version u8 | kdf u8 (1 = scrypt) | log2 N u8 | r u8 | p u8
 *   | salt 16 | nonce 24 | check 16 | [version 2: body length u32 BE] | ciphertext
 *
 * Version 1 (116 bytes, still read) holds only the seed: ciphertext of [format 1 | seed 32].
 * Version 2 (written now) holds the seed and what is not derivable from it: the friend list
 * with each friend's rendezvous secret and encryption key, and the current friends epoch (its
 * number and key), as [format 2 | seed 32 | UTF-8 JSON]. Never the device key: a restore makes
 * a new device and log. The ciphertext is XChaCha20-Poly1305 with every byte before it as
 * additional data; the body length is in the header so a cut file says "truncated".
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
import {
  bytesEqual,
  concatBytes,
  fromBase64Url,
  randomBytes,
  toBase64Url,
  utf8,
  type RandomBytes,
} from '../bytes.ts';
import { parsePersonId, type PersonId } from '../ids.ts';
import { SEED_BYTES } from './keys.ts';

/** The export's first bytes, "KITHID". */
export const EXPORT_MAGIC = utf8('KITHID');
/** The format version written now; 1 is still read. */
export const EXPORT_VERSION = 2;
/** Production scrypt cost: N = 2^17, r = 8, p = 1 (128 MiB, about a second). */
export const DEFAULT_SCRYPT = { logN: 17, r: 8, p: 1 } as const;
/** Total length of a version 1 export. */
export const V1_EXPORT_BYTES = 116;
/** Largest body a backup may declare (a friend list of thousands fits many times over). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

const KDF_SCRYPT = 1;
const TAG_BYTES = 16;
const V1_HEADER_BYTES = 6 + 1 + 4 + 16 + 24 + 16;
const V2_HEADER_BYTES = V1_HEADER_BYTES + 4;
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

/** A friend as a backup keeps them: enough to find them again and seal to them. */
export interface BackupFriend {
  readonly person: PersonId;
  /** Their X25519 public key. */
  readonly encryptionKey: Uint8Array;
  /** The pairwise rendezvous secret. */
  readonly rendezvous: Uint8Array;
  /** When the friendship began, ms since epoch. */
  readonly since: number;
}

/** What a backup holds. */
export interface Backup {
  /** The 32-byte identity seed. */
  readonly seed: Uint8Array;
  readonly friends: readonly BackupFriend[];
  /** The current friends epoch, so a restore goes on with it rather than starting another. */
  readonly epoch: { readonly epoch: number; readonly key: Uint8Array } | null;
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

/** Thrown by `exportBackup`/`importBackup` with a machine-readable reason. */
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

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

function encodeContents(backup: Backup): Uint8Array {
  const json = JSON.stringify({
    friends: backup.friends.map((f) => ({
      person: f.person,
      encryptionKey: toBase64Url(f.encryptionKey),
      rendezvous: toBase64Url(f.rendezvous),
      since: f.since,
    })),
    epoch: backup.epoch && { epoch: backup.epoch.epoch, key: toBase64Url(backup.epoch.key) },
  });
  return concatBytes(new Uint8Array([2]), backup.seed, utf8(json));
}

/** Encrypts a backup under `passphrase` (version 2). */
export async function exportBackup(
  backup: Backup,
  passphrase: string,
  options: { scrypt?: ScryptParams; random?: RandomBytes } = {},
): Promise<Uint8Array> {
  const params = options.scrypt ?? DEFAULT_SCRYPT;
  if (!checkParams(params))
    throw new IdentityExportError('bad-parameters', 'scrypt parameters out of range');
  if (passphrase.length === 0)
    throw new IdentityExportError('empty-passphrase', 'a passphrase is required');
  if (backup.seed.length !== SEED_BYTES) throw new RangeError(`a seed is ${SEED_BYTES} bytes`);
  const random = options.random ?? randomBytes;
  const salt = random(16);
  const nonce = random(24);
  const { cipherKey, check } = await deriveKeys(passphrase, salt, params);
  const plaintext = encodeContents(backup);
  const header = concatBytes(
    EXPORT_MAGIC,
    new Uint8Array([EXPORT_VERSION, KDF_SCRYPT, params.logN, params.r, params.p]),
    salt,
    nonce,
    check,
    u32(plaintext.length + TAG_BYTES),
  );
  return concatBytes(header, xchacha20poly1305(cipherKey, nonce, header).encrypt(plaintext));
}

/** The header length of a file of `version`, after its magic and version were checked. */
function headerBytes(bytes: Uint8Array): { header: number; total: number } {
  const version = bytes[EXPORT_MAGIC.length];
  if (version === 1) return { header: V1_HEADER_BYTES, total: V1_EXPORT_BYTES };
  if (bytes.length < V2_HEADER_BYTES)
    throw new IdentityExportError('truncated', 'the backup is incomplete');
  const body = new DataView(bytes.buffer, bytes.byteOffset).getUint32(V1_HEADER_BYTES);
  if (body < TAG_BYTES + 1 + SEED_BYTES || body > MAX_BODY_BYTES) {
    throw new IdentityExportError('tampered', 'the backup was altered or damaged');
  }
  return { header: V2_HEADER_BYTES, total: V2_HEADER_BYTES + body };
}

/** Decrypts a backup (version 1 or 2). Throws `IdentityExportError`. */
export async function importBackup(bytes: Uint8Array, passphrase: string): Promise<Backup> {
  const magicPart = bytes.subarray(0, EXPORT_MAGIC.length);
  if (bytes.length === 0 || !bytesEqual(magicPart, EXPORT_MAGIC.subarray(0, magicPart.length))) {
    throw new IdentityExportError('not-an-export', 'this is not a Kith backup file');
  }
  if (bytes.length <= EXPORT_MAGIC.length)
    throw new IdentityExportError('truncated', 'the backup is incomplete');
  const version = bytes[EXPORT_MAGIC.length]!;
  if (version > EXPORT_VERSION) {
    throw new IdentityExportError(
      'unsupported-version',
      `this backup was made by a newer version of Kith (format ${version}); update Kith, then try again`,
    );
  }
  if (version < 1) throw new IdentityExportError('not-an-export', 'this is not a Kith backup file');
  if (bytes.length < V1_HEADER_BYTES)
    throw new IdentityExportError('truncated', 'the backup is incomplete');
  const { header, total } = headerBytes(bytes);
  if (bytes.length < total) throw new IdentityExportError('truncated', 'the backup is incomplete');
  if (bytes.length > total)
    throw new IdentityExportError('trailing-bytes', 'the backup has extra bytes at its end');
  const [kdf, logN, r, p] = bytes.subarray(7, 11);
  const params = { logN: logN!, r: r!, p: p! };
  if (kdf !== KDF_SCRYPT || !checkParams(params)) {
    throw new IdentityExportError('bad-parameters', 'unsupported key derivation parameters');
  }
  const salt = bytes.subarray(11, 27);
  const nonce = bytes.subarray(27, 51);
  const storedCheck = bytes.subarray(51, V1_HEADER_BYTES);
  const { cipherKey, check } = await deriveKeys(passphrase, salt, params);
  if (!bytesEqual(check, storedCheck)) {
    throw new IdentityExportError('wrong-passphrase', 'the passphrase does not open this backup');
  }
  let plaintext: Uint8Array;
  try {
    plaintext = xchacha20poly1305(cipherKey, nonce, bytes.subarray(0, header)).decrypt(
      bytes.subarray(header),
    );
  } catch {
    throw new IdentityExportError('tampered', 'the backup was altered or damaged');
  }
  return decodeContents(version, plaintext);
}

function decodeContents(version: number, plaintext: Uint8Array): Backup {
  const seed = plaintext.slice(1, 1 + SEED_BYTES);
  if (plaintext[0] !== version || seed.length !== SEED_BYTES) {
    throw new IdentityExportError('unsupported-version', 'unknown contents inside the backup');
  }
  if (version === 1) {
    if (plaintext.length !== 1 + SEED_BYTES)
      throw new IdentityExportError('tampered', 'the backup was altered or damaged');
    return { seed, friends: [], epoch: null };
  }
  // The AEAD vouches for these bytes: only a Kith that wrote them badly could make them wrong.
  try {
    const parsed = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(plaintext.subarray(1 + SEED_BYTES)),
    ) as {
      friends: { person: string; encryptionKey: string; rendezvous: string; since: number }[];
      epoch: { epoch: number; key: string } | null;
    };
    const friends = parsed.friends.map((f) => ({
      person: parsePersonId(f.person),
      encryptionKey: fromBase64Url(f.encryptionKey),
      rendezvous: fromBase64Url(f.rendezvous),
      since: checkedNumber(f.since),
    }));
    const epoch = parsed.epoch && {
      epoch: checkedNumber(parsed.epoch.epoch),
      key: fromBase64Url(parsed.epoch.key),
    };
    return { seed, friends, epoch };
  } catch {
    throw new IdentityExportError('tampered', 'the backup was altered or damaged');
  }
}

function checkedNumber(value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw new RangeError('bad number');
  return value as number;
}
