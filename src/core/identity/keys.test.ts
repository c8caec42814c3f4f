import { describe, expect, it } from 'vitest';
import { fromHex, toArrayBufferBytes, toHex } from '../bytes.ts';
import { personIdToKey } from '../ids.ts';
import {
  KeyError,
  deriveEncryptionKeySeed,
  deriveIdentityKeySeeds,
  ed25519KeyFromSeed,
  encryptionKeyOfGeneration,
  selfKeyOfGeneration,
  generateDeviceKey,
  identityFromSeed,
  signEd25519,
} from './keys.ts';

const RFC8032_TEST1 = {
  seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  signature:
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
};

describe('keys from seeds', () => {
  it('imports an RFC 8032 secret seed through PKCS#8 (test 1)', async () => {
    const { publicKey, keyPair } = await ed25519KeyFromSeed(fromHex(RFC8032_TEST1.seed));
    expect(toHex(publicKey)).toBe(RFC8032_TEST1.publicKey);
    expect(toHex(await signEd25519(keyPair.privateKey, new Uint8Array()))).toBe(
      RFC8032_TEST1.signature,
    );
  });

  it('derives a deterministic identity whose id is its whole public key', async () => {
    const seed = new Uint8Array(32).fill(7);
    const a = await identityFromSeed(seed);
    const b = await identityFromSeed(seed);
    expect(a.personId).toBe(b.personId);
    expect(personIdToKey(a.personId)).toEqual(a.publicKey);
    expect(a.encryptionPublicKey).toEqual(b.encryptionPublicKey);
    expect(a.signingKey.extractable).toBe(false);
    expect(a.encryptionPrivateKey.extractable).toBe(false);
    const other = await identityFromSeed(new Uint8Array(32).fill(8));
    expect(other.personId).not.toBe(a.personId);
  });

  it('derives independent Ed25519 and X25519 seeds', () => {
    const seeds = deriveIdentityKeySeeds(new Uint8Array(32));
    expect(seeds.ed25519).toHaveLength(32);
    expect(toHex(seeds.ed25519)).not.toBe(toHex(seeds.x25519));
  });

  it('makes an X25519 key that agrees with a peer', async () => {
    const alice = await identityFromSeed(new Uint8Array(32).fill(1));
    const bob = await identityFromSeed(new Uint8Array(32).fill(2));
    const subtle = globalThis.crypto.subtle;
    const pub = (k: Uint8Array) =>
      subtle.importKey('raw', toArrayBufferBytes(k), { name: 'X25519' }, true, []);
    const ab = await subtle.deriveBits(
      { name: 'X25519', public: await pub(bob.encryptionPublicKey) },
      alice.encryptionPrivateKey,
      256,
    );
    const ba = await subtle.deriveBits(
      { name: 'X25519', public: await pub(alice.encryptionPublicKey) },
      bob.encryptionPrivateKey,
      256,
    );
    expect(toHex(new Uint8Array(ab))).toBe(toHex(new Uint8Array(ba)));
  });

  it('refuses a seed of the wrong length', async () => {
    await expect(identityFromSeed(new Uint8Array(31))).rejects.toMatchObject({
      reason: 'bad-seed-length',
    });
    await expect(identityFromSeed(new Uint8Array(31))).rejects.toBeInstanceOf(KeyError);
  });

  it('generates random, non-extractable device keys', async () => {
    const a = await generateDeviceKey();
    const b = await generateDeviceKey();
    expect(a.deviceId).not.toBe(b.deviceId);
    expect(a.keyPair.privateKey.extractable).toBe(false);
    const c = await generateDeviceKey({ extractable: true });
    const pkcs8 = new Uint8Array(
      await globalThis.crypto.subtle.exportKey('pkcs8', c.keyPair.privateKey),
    );
    expect(pkcs8).toHaveLength(48);
  });
});

describe('key generations', () => {
  const seed = Uint8Array.from({ length: 32 }, (_, i) => i);

  it('generation 0 is the identity’s own encryption key; each later one is another, from the seed alone', async () => {
    const identity = await identityFromSeed(seed);
    expect(deriveEncryptionKeySeed(seed, 0)).toEqual(deriveIdentityKeySeeds(seed).x25519);
    expect((await encryptionKeyOfGeneration(seed, 0)).publicKey).toEqual(
      identity.encryptionPublicKey,
    );
    const [one, two, oneAgain] = await Promise.all([
      encryptionKeyOfGeneration(seed, 1),
      encryptionKeyOfGeneration(seed, 2),
      encryptionKeyOfGeneration(seed, 1),
    ]);
    expect(one.publicKey).toEqual(oneAgain.publicKey);
    expect(
      new Set([identity.encryptionPublicKey, one.publicKey, two.publicKey].map(toHex)).size,
    ).toBe(3);
  });

  it('self keys have generations too, generation 0 being the self key used so far', async () => {
    const landed = new Uint8Array(
      await globalThis.crypto.subtle.deriveBits(
        {
          name: 'HKDF',
          hash: 'SHA-256',
          salt: toArrayBufferBytes(new TextEncoder().encode('kith/self-key/v1')),
          info: toArrayBufferBytes(new TextEncoder().encode('friends')),
        },
        await globalThis.crypto.subtle.importKey('raw', toArrayBufferBytes(seed), 'HKDF', false, [
          'deriveBits',
        ]),
        256,
      ),
    );
    expect(selfKeyOfGeneration(seed, 0)).toEqual(landed);
    expect(selfKeyOfGeneration(seed, 1)).not.toEqual(landed);
    expect(selfKeyOfGeneration(seed, 1)).not.toEqual(selfKeyOfGeneration(seed, 2));
    expect(() => selfKeyOfGeneration(seed, -1)).toThrow(RangeError);
    expect(() => deriveEncryptionKeySeed(seed, 1.5)).toThrow(RangeError);
  });
});
