import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { toBase64Url, toHex } from '../bytes.ts';
import { DecryptError, SymmetricKey } from './aead.ts';
import { BlobError, MAX_BLOB_BYTES, checkBlob, openBlob, sealBlob } from './blobs.ts';

const photo = new Uint8Array(5000).map((_, i) => (i * 7) & 0xff);

describe('blobs', () => {
  it('a public blob is addressed by its own hash', async () => {
    const { id, stored } = await sealBlob(photo, null);
    expect(stored).toEqual(photo);
    expect(id).toBe(toBase64Url(sha256(photo)));
    expect(await openBlob(stored, null)).toEqual(photo);
  });

  it('a private blob is addressed by its ciphertext, so its plaintext hash reveals nothing', async () => {
    const key = await SymmetricKey.generate();
    const { id, stored } = await sealBlob(photo, key);
    expect(id).not.toBe(toBase64Url(sha256(photo)));
    expect(toHex(stored)).not.toContain(toHex(photo.subarray(0, 64)));
    expect(checkBlob(id, stored)).toBe(id);
    expect(await openBlob(stored, key)).toEqual(photo);
    await expect(openBlob(stored, await SymmetricKey.generate())).rejects.toBeInstanceOf(
      DecryptError,
    );
  });

  it('refuses bytes that do not match their id, bad ids, and oversized blobs', async () => {
    const { id, stored } = await sealBlob(photo, null);
    const tampered = stored.slice();
    tampered[10] = (tampered[10] ?? 0) ^ 1;
    expect(() => checkBlob(id, tampered)).toThrow(new BlobError('hash-mismatch'));
    expect(() => checkBlob('not base64!', stored)).toThrow(new BlobError('bad-id'));
    expect(() => checkBlob('AAAA', stored)).toThrow(new BlobError('bad-id'));
    expect(() => checkBlob(id, new Uint8Array(MAX_BLOB_BYTES + 1))).toThrow(
      new BlobError('too-large'),
    );
    await expect(sealBlob(new Uint8Array(MAX_BLOB_BYTES), null)).rejects.toThrow(BlobError);
  });
});
