import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex, utf8 } from '../bytes.ts';
import { BOX_OVERHEAD, DecryptError, SymmetricKey } from './aead.ts';
import { domain, hkdf } from './kdf.ts';
import { InvalidPublicKeyError, generateX25519, openSealed, sealTo } from './seal.ts';

describe('hkdf', () => {
  it('matches RFC 5869 test case 1', async () => {
    const okm = await hkdf(
      fromHex('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b'),
      fromHex('000102030405060708090a0b0c'),
      fromHex('f0f1f2f3f4f5f6f7f8f9'),
      42,
    );
    expect(toHex(okm)).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
  });
});

describe('domain', () => {
  it('separates parts unambiguously', () => {
    expect(domain('x', utf8('ab'), utf8('c'))).not.toEqual(domain('x', utf8('a'), utf8('bc')));
    expect(domain('x', utf8('a'))).not.toEqual(domain('y', utf8('a')));
  });
});

describe('SymmetricKey', () => {
  const aad = domain('test', utf8('post-1'));

  it('round-trips arbitrary plaintexts', async () => {
    const key = await SymmetricKey.generate();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (plain) => {
        const box = await key.encrypt(plain, aad);
        expect(box.length).toBe(plain.length + BOX_OVERHEAD);
        expect(await key.decrypt(box, aad)).toEqual(plain);
      }),
      { numRuns: 50 },
    );
  });

  it('uses a fresh nonce every time', async () => {
    const key = await SymmetricKey.generate();
    const a = await key.encrypt(utf8('same'), aad);
    const b = await key.encrypt(utf8('same'), aad);
    expect(a).not.toEqual(b);
  });

  it('refuses the wrong key, the wrong associated data and any flipped bit', async () => {
    const key = await SymmetricKey.generate();
    const other = await SymmetricKey.generate();
    const box = await key.encrypt(utf8('friends only'), aad);
    await expect(other.decrypt(box, aad)).rejects.toEqual(new DecryptError('auth-failed'));
    await expect(key.decrypt(box, domain('test', utf8('post-2')))).rejects.toEqual(
      new DecryptError('auth-failed'),
    );
    for (let i = 1; i < box.length; i++) {
      const tampered = box.slice();
      tampered[i] = (tampered[i] ?? 0) ^ 0x01;
      await expect(key.decrypt(tampered, aad)).rejects.toBeInstanceOf(DecryptError);
    }
  });

  it('refuses truncated and unknown-version boxes with their reasons', async () => {
    const key = await SymmetricKey.generate();
    const box = await key.encrypt(utf8('x'), aad);
    await expect(key.decrypt(box.subarray(0, BOX_OVERHEAD - 1), aad)).rejects.toEqual(
      new DecryptError('malformed'),
    );
    const future = box.slice();
    future[0] = 2;
    await expect(key.decrypt(future, aad)).rejects.toEqual(new DecryptError('unknown-version'));
  });

  it('refuses raw keys of the wrong length', async () => {
    await expect(SymmetricKey.fromRaw(new Uint8Array(16))).rejects.toThrow(RangeError);
  });
});

describe('sealed boxes', () => {
  it('only the recipient opens them, only for the same context', async () => {
    const bob = await generateX25519();
    const eve = await generateX25519();
    const sealed = await sealTo(bob.publicKey, utf8('epoch key'), 'friends-epoch');
    expect(new TextDecoder().decode(await openSealed(bob, sealed, 'friends-epoch'))).toBe(
      'epoch key',
    );
    await expect(openSealed(eve, sealed, 'friends-epoch')).rejects.toBeInstanceOf(DecryptError);
    await expect(openSealed(bob, sealed, 'something-else')).rejects.toBeInstanceOf(DecryptError);
  });

  it('does not reveal the plaintext or repeat itself', async () => {
    const bob = await generateX25519();
    const secret = utf8('a very recognisable secret');
    const a = await sealTo(bob.publicKey, secret, 'ctx');
    const b = await sealTo(bob.publicKey, secret, 'ctx');
    expect(a).not.toEqual(b);
    expect(toHex(a)).not.toContain(toHex(secret));
  });

  it('refuses small-order and malformed recipient keys', async () => {
    await expect(sealTo(new Uint8Array(32), utf8('x'), 'ctx')).rejects.toBeInstanceOf(
      InvalidPublicKeyError,
    );
    // 1 (u = 1) is a point of order 4 on Curve25519.
    const one = new Uint8Array(32);
    one[0] = 1;
    await expect(sealTo(one, utf8('x'), 'ctx')).rejects.toBeInstanceOf(InvalidPublicKeyError);
    await expect(sealTo(new Uint8Array(31), utf8('x'), 'ctx')).rejects.toBeInstanceOf(
      InvalidPublicKeyError,
    );
  });

  it('treats a box whose ephemeral key is small-order or missing as malformed', async () => {
    const bob = await generateX25519();
    const sealed = await sealTo(bob.publicKey, utf8('x'), 'ctx');
    const forged = sealed.slice();
    forged.fill(0, 0, 32);
    await expect(openSealed(bob, forged, 'ctx')).rejects.toEqual(new DecryptError('malformed'));
    await expect(openSealed(bob, sealed.subarray(0, 32), 'ctx')).rejects.toEqual(
      new DecryptError('malformed'),
    );
  });
});
