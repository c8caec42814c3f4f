/**
 * Photos and other blobs: content-addressed by the SHA-256 of the bytes that are stored and
 * relayed. A private photo is encrypted with its post's content key first and addressed by the
 * hash of the ciphertext, so a relay cannot confirm that it holds a photo it already knows
 * (a plaintext hash would let it). Any holder can check that bytes match their address.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { BytesFormatError, bytesEqual, fromBase64Url, toBase64Url } from '../bytes.ts';
import type { SymmetricKey } from './aead.ts';
import { domain } from './kdf.ts';

/** Whether text is a blob id: the base64url SHA-256 (32 bytes) of some stored bytes. */
export function isBlobId(text: string): text is BlobId {
  if (text.length !== 43) return false;
  try {
    return fromBase64Url(text).length === 32;
  } catch (error) {
    if (error instanceof BytesFormatError) return false;
    throw error;
  }
}

/** Largest blob Kith stores or accepts: a 2048 px photo fits easily. */
export const MAX_BLOB_BYTES = 8 * 1024 * 1024;

/** Largest plaintext {@link sealBlob} takes: room for the AES-GCM box around it. */
export const MAX_SEALED_PLAINTEXT = MAX_BLOB_BYTES - 64;

/** A blob's address: base64url of the SHA-256 of its stored bytes (43 characters). */
export type BlobId = string & { readonly __blob: true };

/** A blob that does not match its address, is too large, or does not open. */
export class BlobError extends Error {
  override readonly name = 'BlobError';
  constructor(readonly reason: 'too-large' | 'hash-mismatch' | 'bad-id') {
    super(`blob: ${reason}`);
  }
}

/** The address of stored bytes. */
export function blobIdOf(stored: Uint8Array): BlobId {
  return toBase64Url(sha256(stored)) as BlobId;
}

/** Checks that `stored` are the bytes `id` names (a peer may send anything). */
export function checkBlob(id: string, stored: Uint8Array): BlobId {
  if (stored.length > MAX_BLOB_BYTES) throw new BlobError('too-large');
  let expected: Uint8Array;
  try {
    expected = fromBase64Url(id);
  } catch {
    // An id that is not base64url names no blob.
    throw new BlobError('bad-id');
  }
  if (expected.length !== 32) throw new BlobError('bad-id');
  if (!bytesEqual(expected, sha256(stored))) throw new BlobError('hash-mismatch');
  return id as BlobId;
}

const BLOB_AAD = domain('kith/blob/v1');

/**
 * Prepares a blob for storage: encrypted with `contentKey` when given (private post), as is
 * otherwise. Returns the bytes to store and their address.
 */
export async function sealBlob(
  plaintext: Uint8Array,
  contentKey: SymmetricKey | null,
): Promise<{ id: BlobId; stored: Uint8Array }> {
  if (plaintext.length > MAX_SEALED_PLAINTEXT) throw new BlobError('too-large');
  const stored = contentKey ? await contentKey.encrypt(plaintext, BLOB_AAD) : plaintext;
  return { id: blobIdOf(stored), stored };
}

/** Opens stored blob bytes (already checked against their id) with the post's content key. */
export function openBlob(stored: Uint8Array, contentKey: SymmetricKey | null): Promise<Uint8Array> {
  return contentKey ? contentKey.decrypt(stored, BLOB_AAD) : Promise.resolve(stored);
}
