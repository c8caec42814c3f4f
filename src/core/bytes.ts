/**
 * Byte helpers shared by the core: base64url and hex text forms, concatenation, comparison,
 * randomness, and a bounded reader for untrusted binary input.
 *
 * Everything here runs unchanged in Node 20 and in browsers (no Buffer, no DOM).
 */
import * as decoding from 'lib0/decoding';

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const ALPHABET_CODES = Uint8Array.from(BASE64URL_ALPHABET, (c) => c.charCodeAt(0));
/** Each character code's value in the alphabet, -1 for codes outside it. */
const ALPHABET_VALUES = new Int8Array(128).fill(-1);
ALPHABET_CODES.forEach((code, value) => (ALPHABET_VALUES[code] = value));
/** The alphabet is ASCII, which UTF-8 decodes as it is. */
const asciiDecoder = new TextDecoder();

/** Thrown when a text form (base64url, hex) is not the canonical encoding of some bytes. */
export class BytesFormatError extends Error {
  override readonly name = 'BytesFormatError';
  /** Which text form failed to parse. */
  readonly format: 'base64url' | 'hex';

  constructor(format: 'base64url' | 'hex', message: string) {
    super(message);
    this.format = format;
  }
}

/** Encodes bytes as base64url without padding (RFC 4648 section 5). */
export function toBase64Url(bytes: Uint8Array): string {
  // Character codes first, then one string: ids and hashes are encoded for every entry
  // decoded, and building the text by concatenation left a few hundred strings of garbage each.
  const out = new Uint8Array(Math.ceil((bytes.length * 4) / 3));
  let o = 0;
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = ALPHABET_CODES[n >> 18]!;
    out[o++] = ALPHABET_CODES[(n >> 12) & 63]!;
    out[o++] = ALPHABET_CODES[(n >> 6) & 63]!;
    out[o++] = ALPHABET_CODES[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0);
    out[o++] = ALPHABET_CODES[n >> 18]!;
    out[o++] = ALPHABET_CODES[(n >> 12) & 63]!;
    if (rest === 2) out[o] = ALPHABET_CODES[(n >> 6) & 63]!;
  }
  return asciiDecoder.decode(out);
}

/**
 * Decodes unpadded base64url. Only the canonical form is accepted (no padding, no other
 * alphabet, unused trailing bits zero), so one byte string has exactly one text form: ids
 * derived from keys can then be compared as strings.
 */
export function fromBase64Url(text: string): Uint8Array {
  if (text.length % 4 === 1) {
    throw new BytesFormatError('base64url', 'impossible base64url length');
  }
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const v = code < 128 ? ALPHABET_VALUES[code]! : -1;
    if (v < 0) {
      throw new BytesFormatError('base64url', 'character outside the base64url alphabet');
    }
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) {
    throw new BytesFormatError('base64url', 'non-canonical base64url (trailing bits set)');
  }
  return out;
}

/**
 * Whether `text` is the canonical base64url of `byteLength` bytes (what `fromBase64Url` accepts
 * and decodes to that many), decoding nothing: ids and hashes are checked for every entry
 * stored, and a decode allocated their bytes only to drop them.
 */
export function isBase64UrlOf(text: string, byteLength: number): boolean {
  if (text.length !== Math.ceil((byteLength * 4) / 3)) return false;
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    last = code < 128 ? ALPHABET_VALUES[code]! : -1;
    if (last < 0) return false;
  }
  const unusedBits = text.length * 6 - byteLength * 8;
  return (last & ((1 << unusedBits) - 1)) === 0;
}

/** Encodes bytes as lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Decodes lowercase or uppercase hex of even length. */
export function fromHex(text: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
    throw new BytesFormatError('hex', 'not an even-length hex string');
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Concatenates byte arrays into a new array. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * Compares two byte arrays. Not constant time: use it for public data (keys, hashes), never
 * to compare secrets.
 */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Stateless, so one serves every call. */
const utf8Encoder = new TextEncoder();

/** UTF-8 encodes a string. */
export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** Source of random bytes; passed in where tests need determinism. */
export type RandomBytes = (length: number) => Uint8Array;

/** Cryptographically secure random bytes from WebCrypto. */
export const randomBytes: RandomBytes = (length) => {
  const out = new Uint8Array(length);
  // getRandomValues fills at most 65,536 bytes per call.
  for (let i = 0; i < length; i += 65536) {
    globalThis.crypto.getRandomValues(out.subarray(i, Math.min(length, i + 65536)));
  }
  return out;
};

/** Copies bytes into a fresh ArrayBuffer-backed array (WebCrypto wants `BufferSource`). */
export function toArrayBufferBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

/**
 * `bytes` as WebCrypto's `BufferSource`, copied only when they are not backed by a plain
 * ArrayBuffer: WebCrypto copies its inputs when called, so a view is safe to hand over as is
 * (the verifier's inputs are views into a decoded entry: a copy of each cost the workers time).
 */
export function asBufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer
    ? (bytes as Uint8Array<ArrayBuffer>)
    : toArrayBufferBytes(bytes);
}

/** Why a `ByteReader` refused its input. */
export type ByteReadReason =
  | 'truncated'
  | 'trailing-bytes'
  | 'non-canonical-varuint'
  | 'integer-too-large'
  | 'length-too-large'
  | 'invalid-utf8';

/** Thrown by `ByteReader` on malformed input; codecs translate it into their own error. */
export class ByteReadError extends Error {
  override readonly name = 'ByteReadError';
  /** Machine-readable cause. */
  readonly reason: ByteReadReason;

  constructor(reason: ByteReadReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** lib0 varuints carry 7 bits per byte; 8 bytes cover every integer up to 2^53 - 1. */
const MAX_VARUINT_BYTES = 8;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A reader over untrusted bytes built on lib0's decoder. lib0 reads past the end without
 * complaint and accepts non-minimal varuints; this reader checks every length, accepts only
 * minimal varuints (so each value has one encoding, which keeps hashes of encodings unique)
 * and returns copies, never views into the input.
 */
export class ByteReader {
  private readonly decoder: decoding.Decoder;

  /** Starts reading `bytes` from the beginning. */
  constructor(bytes: Uint8Array) {
    this.decoder = decoding.createDecoder(bytes);
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.decoder.arr.length - this.decoder.pos;
  }

  /** Bytes read so far. */
  get position(): number {
    return this.decoder.pos;
  }

  /** Reads one byte. */
  u8(): number {
    this.need(1);
    return decoding.readUint8(this.decoder);
  }

  /** Reads exactly `length` bytes (a copy). */
  bytes(length: number): Uint8Array {
    return this.view(length).slice();
  }

  /**
   * Reads exactly `length` bytes as a view into the input, not a copy: for a reader over bytes
   * nobody changes afterwards (a private copy), where each copy's allocation is what decoding
   * costs most.
   */
  view(length: number): Uint8Array {
    this.need(length);
    return decoding.readUint8Array(this.decoder, length);
  }

  /** Reads a minimal lib0 varuint no larger than `max`. */
  varUint(max: number = Number.MAX_SAFE_INTEGER): number {
    let value = 0;
    let mult = 1;
    for (let i = 0; i < MAX_VARUINT_BYTES; i++) {
      const b = this.u8();
      value += (b & 0x7f) * mult;
      if (b < 0x80) {
        if (b === 0 && i > 0) {
          throw new ByteReadError('non-canonical-varuint', 'varuint has a redundant zero byte');
        }
        if (value > max) {
          throw new ByteReadError('integer-too-large', `integer ${value} exceeds ${max}`);
        }
        return value;
      }
      mult *= 128;
    }
    throw new ByteReadError('integer-too-large', 'varuint longer than 8 bytes');
  }

  /** Reads a varuint length followed by that many bytes, refusing lengths above `maxLength`. */
  varBytes(maxLength: number): Uint8Array {
    return this.varView(maxLength).slice();
  }

  /** `varBytes` as a view into the input (see `view`). */
  varView(maxLength: number): Uint8Array {
    const length = this.varUintLength(maxLength);
    return this.view(length);
  }

  /** Reads a varuint length followed by that many bytes of strict UTF-8. */
  varString(maxBytes: number): string {
    const raw = this.varView(maxBytes);
    try {
      return strictUtf8.decode(raw);
    } catch {
      throw new ByteReadError('invalid-utf8', 'string is not valid UTF-8');
    }
  }

  /** Asserts the input is fully consumed. */
  end(): void {
    if (this.remaining !== 0) {
      throw new ByteReadError('trailing-bytes', `${this.remaining} unexpected trailing bytes`);
    }
  }

  private varUintLength(maxLength: number): number {
    try {
      return this.varUint(maxLength);
    } catch (err) {
      if (err instanceof ByteReadError && err.reason === 'integer-too-large') {
        throw new ByteReadError('length-too-large', `length exceeds ${maxLength}`);
      }
      throw err;
    }
  }

  private need(length: number): void {
    if (this.remaining < length) {
      throw new ByteReadError('truncated', `needed ${length} bytes, ${this.remaining} left`);
    }
  }
}
