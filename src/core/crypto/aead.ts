/**
 * Authenticated encryption of Kith's private content: AES-256-GCM through WebCrypto (native and
 * fast in browsers and Node, which matters for photos), with a fresh random 96-bit nonce per
 * message. Keys are per post or per friends epoch, so no key meets anywhere near the 2^32
 * messages at which random GCM nonces would become a risk.
 *
 * Box layout: `version (1 byte, = 1) || nonce (12) || ciphertext || tag (16)`.
 */
import { concatBytes, randomBytes, toArrayBufferBytes, type RandomBytes } from '../bytes.ts';

/** Length of every symmetric key, in bytes. */
export const KEY_BYTES = 32;
const VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Bytes a box adds to its plaintext. */
export const BOX_OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES;

/** Why a box could not be opened. */
export type DecryptFailure = 'malformed' | 'unknown-version' | 'auth-failed';

/**
 * A box that cannot be opened: malformed, of an unknown version, or failing authentication
 * (wrong key, wrong associated data, or tampered bytes; these are indistinguishable by design).
 */
export class DecryptError extends Error {
  override readonly name = 'DecryptError';
  constructor(readonly reason: DecryptFailure) {
    super(`cannot decrypt: ${reason}`);
  }
}

/** A 256-bit symmetric key: its raw bytes (to wrap, seal or store) and its WebCrypto handle. */
export class SymmetricKey {
  private constructor(
    /** The raw key bytes; only ever stored encrypted, or on the device that owns them. */
    readonly raw: Uint8Array,
    private readonly handle: CryptoKey,
  ) {}

  /** Imports 32 raw key bytes. */
  static async fromRaw(raw: Uint8Array): Promise<SymmetricKey> {
    if (raw.length !== KEY_BYTES)
      throw new RangeError(`a key is ${KEY_BYTES} bytes, not ${raw.length}`);
    const bytes = toArrayBufferBytes(raw);
    const handle = await globalThis.crypto.subtle.importKey('raw', bytes, 'AES-GCM', false, [
      'encrypt',
      'decrypt',
    ]);
    return new SymmetricKey(bytes, handle);
  }

  /** A fresh random key. */
  static generate(random: RandomBytes = randomBytes): Promise<SymmetricKey> {
    return SymmetricKey.fromRaw(random(KEY_BYTES));
  }

  /** Encrypts `plaintext`, authenticating `aad` with it (bind it to where the box belongs). */
  async encrypt(
    plaintext: Uint8Array,
    aad: Uint8Array,
    random: RandomBytes = randomBytes,
  ): Promise<Uint8Array> {
    const nonce = toArrayBufferBytes(random(NONCE_BYTES));
    const sealed = await globalThis.crypto.subtle.encrypt(
      { name: 'AES-GCM', iv: nonce, additionalData: toArrayBufferBytes(aad) },
      this.handle,
      toArrayBufferBytes(plaintext),
    );
    return concatBytes(new Uint8Array([VERSION]), nonce, new Uint8Array(sealed));
  }

  /** Opens a box made by {@link encrypt} with the same key and `aad`; throws {@link DecryptError}. */
  async decrypt(box: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    if (box.length < BOX_OVERHEAD) throw new DecryptError('malformed');
    if (box[0] !== VERSION) throw new DecryptError('unknown-version');
    try {
      const plain = await globalThis.crypto.subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: toArrayBufferBytes(box.subarray(1, 1 + NONCE_BYTES)),
          additionalData: toArrayBufferBytes(aad),
        },
        this.handle,
        toArrayBufferBytes(box.subarray(1 + NONCE_BYTES)),
      );
      return new Uint8Array(plain);
    } catch (error) {
      // WebCrypto reports every authentication failure as an OperationError.
      if (error instanceof DOMException && error.name === 'OperationError') {
        throw new DecryptError('auth-failed');
      }
      throw error;
    }
  }
}
