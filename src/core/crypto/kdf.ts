/**
 * Key derivation and domain separation. Every key Kith derives, and every piece of associated
 * data it authenticates, is bound to a label naming its purpose, so that bytes made for one
 * purpose can never be accepted for another.
 */
import { concatBytes, toArrayBufferBytes, utf8 } from '../bytes.ts';

/**
 * Encodes a purpose label and its parts unambiguously: each part is prefixed by its length
 * (4 bytes, big-endian), so ("ab", "c") and ("a", "bc") never collide.
 */
export function domain(label: string, ...parts: readonly Uint8Array[]): Uint8Array {
  const pieces: Uint8Array[] = [];
  for (const part of [utf8(label), ...parts]) {
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, part.length);
    pieces.push(length, part);
  }
  return concatBytes(...pieces);
}

/** HKDF-SHA256 (RFC 5869) through WebCrypto: `length` bytes from `ikm`, `salt` and `info`. */
export async function hkdf(
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  length = 32,
): Promise<Uint8Array> {
  const subtle = globalThis.crypto.subtle;
  const key = await subtle.importKey('raw', toArrayBufferBytes(ikm), 'HKDF', false, ['deriveBits']);
  const bits = await subtle.deriveBits(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: toArrayBufferBytes(salt),
      info: toArrayBufferBytes(info),
    },
    key,
    length * 8,
  );
  return new Uint8Array(bits);
}
