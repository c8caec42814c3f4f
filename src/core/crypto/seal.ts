/**
 * Sealed boxes: encrypting to someone's X25519 public key, so that only the holder of the
 * matching private key can open it. Used to hand friends-epoch keys to each friend and to one's
 * own devices. The construction is the usual ECIES/HPKE base-mode shape from standard parts, with
 * nothing new: a fresh ephemeral X25519 key per box, ECDH, HKDF-SHA256 over the shared secret with
 * both public keys in the salt, and AES-256-GCM.
 *
 * Sealed layout: `ephemeral public key (32) || AES-GCM box` (see `aead.ts`).
 */
import { concatBytes, toArrayBufferBytes, utf8 } from '../bytes.ts';
import { DecryptError, SymmetricKey } from './aead.ts';
import { domain, hkdf } from './kdf.ts';

const PUBLIC_KEY_BYTES = 32;

/** An X25519 key pair: the raw public key and the (possibly non-extractable) private key. */
export interface X25519KeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: CryptoKey;
}

/** A public key that cannot take part in a key agreement (wrong length, or small order). */
export class InvalidPublicKeyError extends Error {
  override readonly name = 'InvalidPublicKeyError';
}

/** Makes a fresh X25519 key pair with WebCrypto. */
export async function generateX25519(): Promise<X25519KeyPair> {
  const pair = (await globalThis.crypto.subtle.generateKey({ name: 'X25519' }, false, [
    'deriveBits',
  ])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await globalThis.crypto.subtle.exportKey('raw', pair.publicKey));
  return { publicKey, privateKey: pair.privateKey };
}

/**
 * X25519 agreement (the one place Kith runs X25519 against someone's key). Refuses an all-zero result (a small-order public key), which engines treat
 * differently: some throw, some return zeros; here both become {@link InvalidPublicKeyError}.
 */
export async function agree(privateKey: CryptoKey, publicKey: Uint8Array): Promise<Uint8Array> {
  if (publicKey.length !== PUBLIC_KEY_BYTES) {
    throw new InvalidPublicKeyError(`an X25519 public key is 32 bytes, not ${publicKey.length}`);
  }
  const subtle = globalThis.crypto.subtle;
  let shared: Uint8Array;
  try {
    const remote = await subtle.importKey(
      'raw',
      toArrayBufferBytes(publicKey),
      { name: 'X25519' },
      true,
      [],
    );
    shared = new Uint8Array(
      await subtle.deriveBits({ name: 'X25519', public: remote }, privateKey, 256),
    );
  } catch (error) {
    if (error instanceof DOMException) {
      throw new InvalidPublicKeyError(`X25519 agreement refused: ${error.message}`);
    }
    throw error;
  }
  if (shared.every((b) => b === 0))
    throw new InvalidPublicKeyError('small-order X25519 public key');
  return shared;
}

async function boxKey(
  shared: Uint8Array,
  ephemeral: Uint8Array,
  recipient: Uint8Array,
  context: string,
): Promise<SymmetricKey> {
  const raw = await hkdf(
    shared,
    concatBytes(ephemeral, recipient),
    domain('kith/seal/v1', utf8(context)),
  );
  return SymmetricKey.fromRaw(raw);
}

/**
 * Encrypts `plaintext` so only the holder of `recipient`'s private key can read it. `context`
 * names what the box is for (and is authenticated), so a box sealed for one purpose cannot be
 * replayed as another.
 */
export async function sealTo(
  recipient: Uint8Array,
  plaintext: Uint8Array,
  context: string,
): Promise<Uint8Array> {
  const ephemeral = await generateX25519();
  const shared = await agree(ephemeral.privateKey, recipient);
  const key = await boxKey(shared, ephemeral.publicKey, recipient, context);
  const box = await key.encrypt(plaintext, domain(context));
  return concatBytes(ephemeral.publicKey, box);
}

/** Opens a box sealed to `recipient`; throws {@link DecryptError} when it is not for them. */
export async function openSealed(
  recipient: X25519KeyPair,
  sealed: Uint8Array,
  context: string,
): Promise<Uint8Array> {
  if (sealed.length <= PUBLIC_KEY_BYTES) throw new DecryptError('malformed');
  const ephemeral = sealed.subarray(0, PUBLIC_KEY_BYTES);
  let shared: Uint8Array;
  try {
    shared = await agree(recipient.privateKey, ephemeral);
  } catch (error) {
    if (error instanceof InvalidPublicKeyError) throw new DecryptError('malformed');
    throw error;
  }
  const key = await boxKey(shared, ephemeral, recipient.publicKey, context);
  return key.decrypt(sealed.subarray(PUBLIC_KEY_BYTES), domain(context));
}
