/**
 * Checks made on Ed25519 public keys and signatures before WebCrypto sees them.
 *
 * RFC 8032 leaves room: engines differ on non-canonical point encodings, on S >= L and on
 * small-order points (libsodium refuses them, OpenSSL and ZIP-215 verifiers accept some).
 * A crafted signature must not be valid for one peer and invalid for another, so Kith refuses
 * all of these itself, identically in every engine, and only then calls `verify`.
 *
 * Not refused here: keys or R values with a torsion component of larger (mixed) order. Every
 * WebCrypto engine Kith targets (OpenSSL in Node, BoringSSL in Chromium, NSS in Firefox,
 * CryptoKit/BoringSSL in Safari) verifies with the same cofactorless equation, so they agree,
 * and honest keys never have torsion. See docs/security.md.
 */
import { bytesEqual, fromHex } from '../bytes.ts';

/** Why an Ed25519 input was refused before verification. */
export type Ed25519RejectReason =
  | 'bad-key-length'
  | 'bad-signature-length'
  | 'non-canonical-key'
  | 'small-order-key'
  | 'non-canonical-r'
  | 'small-order-r'
  | 'non-canonical-s';

/** Length of an Ed25519 public key, and of R and S. */
export const ED25519_KEY_BYTES = 32;
/** Length of an Ed25519 signature (R || S). */
export const ED25519_SIGNATURE_BYTES = 64;

/**
 * The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian, as S is
 * encoded.
 */
const L_LE = fromHex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010');

/**
 * The y-coordinates (little-endian, sign bit clear) of the eight points of order dividing 8:
 * y = 1 (identity, order 1), y = p - 1 (order 2), y = 0 (two points, order 4), and two
 * y values of order 8 (each with two points, sign bit 0 or 1). Compared with the sign bit
 * masked, these five catch the eight points and the "negative zero" encodings of y = 1 and
 * y = p - 1. The other non-canonical encodings of small-order points (y = p and y = p + 1,
 * either sign) are refused earlier as non-canonical. The tests recompute the order of each.
 */
export const SMALL_ORDER_Y: readonly Uint8Array[] = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
].map(fromHex);

/** True when the encoded y (sign bit ignored) is >= p = 2^255 - 19. */
export function isNonCanonicalPoint(encoded: Uint8Array): boolean {
  // y >= p exactly when bytes are ed ff .. ff 7f or above: y in [p, 2^255 - 1].
  if ((encoded[31]! & 0x7f) !== 0x7f) return false;
  for (let i = 30; i >= 1; i--) if (encoded[i] !== 0xff) return false;
  return encoded[0]! >= 0xed;
}

/** True when the encoding names one of the eight small-order points (either sign bit). */
export function isSmallOrderPoint(encoded: Uint8Array): boolean {
  const masked = encoded.slice(0, 32);
  masked[31] = masked[31]! & 0x7f;
  return SMALL_ORDER_Y.some((y) => bytesEqual(masked, y));
}

/** True when the little-endian scalar S is not < L. */
export function isNonCanonicalScalar(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    if (s[i]! < L_LE[i]!) return false;
    if (s[i]! > L_LE[i]!) return true;
  }
  return true;
}

/** Checks a public key alone: the reason it must be refused, or undefined when acceptable. */
export function checkPublicKey(publicKey: Uint8Array): Ed25519RejectReason | undefined {
  if (publicKey.length !== ED25519_KEY_BYTES) return 'bad-key-length';
  if (isNonCanonicalPoint(publicKey)) return 'non-canonical-key';
  if (isSmallOrderPoint(publicKey)) return 'small-order-key';
  return undefined;
}

/**
 * Checks a (public key, signature) pair before verification: the reason it must be refused,
 * or undefined when it may go to WebCrypto.
 */
export function precheckSignature(
  publicKey: Uint8Array,
  signature: Uint8Array,
): Ed25519RejectReason | undefined {
  const keyReason = checkPublicKey(publicKey);
  if (keyReason) return keyReason;
  if (signature.length !== ED25519_SIGNATURE_BYTES) return 'bad-signature-length';
  const r = signature.subarray(0, 32);
  if (isNonCanonicalPoint(r)) return 'non-canonical-r';
  if (isSmallOrderPoint(r)) return 'small-order-r';
  if (isNonCanonicalScalar(signature.subarray(32, 64))) return 'non-canonical-s';
  return undefined;
}
