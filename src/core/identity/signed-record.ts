/**
 * Domain-separated signing shared by every signed structure of Kith.
 *
 * What is signed is never the bare body: it is `domain || 0x00 || body`, where `domain` is an
 * ASCII string naming the structure and its version (for example `kith/device-certificate/v1`).
 * A signature made for one structure therefore never verifies as another, even when two bodies
 * happen to share bytes. Signed records are `body || signature` (64 bytes).
 */
import { ByteReadError, ByteReader, concatBytes, utf8 } from '../bytes.ts';
import { ED25519_SIGNATURE_BYTES } from './ed25519-checks.ts';
import { signEd25519 } from './keys.ts';
import type { Ed25519Verifier, VerifyResult } from './verifier.ts';

/** Domain string of device certificates. */
export const DOMAIN_DEVICE_CERTIFICATE = 'kith/device-certificate/v1';
/** Domain string of device revocations. */
export const DOMAIN_DEVICE_REVOCATION = 'kith/device-revocation/v1';
/** Domain string of the signed X25519 encryption key record. */
export const DOMAIN_ENCRYPTION_KEY = 'kith/encryption-key/v1';
/** Domain string of entries (see `core/feed`). */
export const DOMAIN_ENTRY = 'kith/entry/v1';

/** Which signed record an error concerns. */
export type RecordKind = 'device-certificate' | 'device-revocation' | 'encryption-key';

/** Why a signed record was refused. */
export type RecordErrorReason =
  | ByteReadError['reason']
  | 'unknown-version'
  | 'bad-role'
  | 'bad-flag'
  | 'bad-generation'
  | 'bad-signature'
  | 'wrong-signer'
  | 'expired';

/** Thrown when a signed record is malformed, badly signed, or not applicable. */
export class RecordError extends Error {
  override readonly name = 'RecordError';
  /** The kind of record. */
  readonly record: RecordKind;
  /** Machine-readable cause (for signatures: `bad-signature`, with `detail` from the verifier). */
  readonly reason: RecordErrorReason;
  /** Finer cause, e.g. the verifier's `small-order-r`. */
  readonly detail: string | undefined;

  constructor(record: RecordKind, reason: RecordErrorReason, detail?: string) {
    super(`${record}: ${reason}${detail ? ` (${detail})` : ''}`);
    this.record = record;
    this.reason = reason;
    this.detail = detail;
  }
}

/** Most domains whose prefix is kept: callers pass a handful of constants. */
const MAX_PREFIXES = 64;

/** Each domain's UTF-8 and NUL, encoded once: every entry verified builds a signing input. */
const prefixes = new Map<string, Uint8Array>();

function prefixOf(domain: string): Uint8Array {
  let prefix = prefixes.get(domain);
  if (!prefix) {
    prefix = concatBytes(utf8(domain), new Uint8Array([0]));
    if (prefixes.size < MAX_PREFIXES) prefixes.set(domain, prefix);
  }
  return prefix;
}

/** The exact bytes signed for `body` under `domain`: its UTF-8, a NUL, the body. */
export function signingInput(domain: string, body: Uint8Array): Uint8Array {
  return concatBytes(prefixOf(domain), body);
}

/** Signs `body` under `domain` and returns `body || signature`. */
export async function signRecord(
  domain: string,
  body: Uint8Array,
  privateKey: CryptoKey,
): Promise<Uint8Array> {
  const signature = await signEd25519(privateKey, signingInput(domain, body));
  return concatBytes(body, signature);
}

/** Verifies the signature of a decoded record; throws `RecordError` when it fails. */
export async function verifyRecordSignature(
  record: RecordKind,
  domain: string,
  body: Uint8Array,
  signature: Uint8Array,
  publicKey: Uint8Array,
  verifier: Ed25519Verifier,
): Promise<void> {
  const result: VerifyResult = await verifier.verify({
    publicKey,
    message: signingInput(domain, body),
    signature,
  });
  if (!result.ok) throw new RecordError(record, 'bad-signature', result.reason);
}

/**
 * Runs `read` over a record's body with a strict reader, then takes the trailing signature;
 * reader failures become `RecordError`s of `record`.
 */
export function decodeRecord<T>(
  record: RecordKind,
  bytes: Uint8Array,
  read: (reader: ByteReader) => T,
): { value: T; body: Uint8Array; signature: Uint8Array } {
  const reader = new ByteReader(bytes);
  try {
    const value = read(reader);
    const bodyLength = reader.position;
    const signature = reader.bytes(ED25519_SIGNATURE_BYTES);
    reader.end();
    return { value, body: bytes.slice(0, bodyLength), signature };
  } catch (err) {
    if (err instanceof ByteReadError) throw new RecordError(record, err.reason, err.message);
    throw err;
  }
}
