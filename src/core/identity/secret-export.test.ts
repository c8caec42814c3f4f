import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { createIdentity } from './device-setup.ts';
import {
  EXPORT_BYTES,
  IdentityExportError,
  exportIdentity,
  importIdentity,
  importSeed,
} from './secret-export.ts';

const FAST = { logN: 4, r: 8, p: 1 };
const clock = new ManualClock(1_700_000_000_000);
const original = await createIdentity({ clock });
const exported = await exportIdentity(original.identity, 'correct horse', { scrypt: FAST });

async function reasonOf(bytes: Uint8Array, passphrase = 'correct horse'): Promise<string> {
  try {
    await importSeed(bytes, passphrase);
    return 'none';
  } catch (err) {
    if (err instanceof IdentityExportError) return err.reason;
    throw err;
  }
}

describe('identity export', () => {
  it('round-trips to the same person on a new device with a new Yjs client id', async () => {
    expect(exported).toHaveLength(EXPORT_BYTES);
    const restored = await importIdentity(exported, 'correct horse', { clock });
    expect(restored.identity.personId).toBe(original.identity.personId);
    expect(restored.identity.encryptionPublicKey).toEqual(original.identity.encryptionPublicKey);
    expect(restored.device.key.deviceId).not.toBe(original.device.key.deviceId);
    expect(restored.device.yjsClientId).not.toBe(original.device.yjsClientId);
    expect(restored.device.certificate.person).toBe(original.identity.personId);
  });

  it('treats a passphrase in another Unicode normal form as the same', async () => {
    const e = await exportIdentity(original.identity, 'caf\u00e9', { scrypt: FAST });
    expect(await importSeed(e, 'cafe\u0301')).toEqual(original.identity.seed);
  });

  it('refuses a wrong passphrase', async () => {
    expect(await reasonOf(exported, 'wrong horse')).toBe('wrong-passphrase');
  });

  it('refuses any tampered ciphertext byte as tampered', async () => {
    for (let i = 67; i < EXPORT_BYTES; i++) {
      const bytes = exported.slice();
      bytes[i] = bytes[i]! ^ 0x80;
      expect(await reasonOf(bytes)).toBe('tampered');
    }
  });

  it('refuses a tampered header: the nonce through the cipher, salt and check through the key check', async () => {
    const nonce = exported.slice();
    nonce[30] = nonce[30]! ^ 1;
    expect(await reasonOf(nonce)).toBe('tampered');
    const salt = exported.slice();
    salt[12] = salt[12]! ^ 1;
    expect(await reasonOf(salt)).toBe('wrong-passphrase');
  });

  it.each([
    ['truncated', (b: Uint8Array) => b.subarray(0, b.length - 1), 'truncated'],
    ['empty', () => new Uint8Array(), 'truncated'],
    ['padded', (b: Uint8Array) => new Uint8Array([...b, 0]), 'trailing-bytes'],
    ['not an export', (b: Uint8Array) => new Uint8Array([0x50, ...b.subarray(1)]), 'not-an-export'],
    [
      'a future version',
      (b: Uint8Array) => new Uint8Array([...b.subarray(0, 6), 2, ...b.subarray(7)]),
      'unsupported-version',
    ],
    [
      'an absurd scrypt cost',
      (b: Uint8Array) => new Uint8Array([...b.subarray(0, 8), 30, ...b.subarray(9)]),
      'bad-parameters',
    ],
    [
      'an unknown KDF',
      (b: Uint8Array) => new Uint8Array([...b.subarray(0, 7), 9, ...b.subarray(8)]),
      'bad-parameters',
    ],
  ])('refuses %s', async (_, mutate, reason) => {
    expect(await reasonOf(mutate(exported))).toBe(reason);
  });

  it('refuses an empty passphrase on export', async () => {
    await expect(exportIdentity(original.identity, '', { scrypt: FAST })).rejects.toMatchObject({
      reason: 'empty-passphrase',
    });
  });
});
