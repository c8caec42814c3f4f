import { describe, expect, it } from 'vitest';
import { fromHex } from '../bytes.ts';
import { ManualClock } from '../clock.ts';
import { parsePersonId } from '../ids.ts';
import { createIdentity, restoreFromSeed } from './device-setup.ts';
import {
  EXPORT_VERSION,
  IdentityExportError,
  exportBackup,
  importBackup,
  type Backup,
} from './secret-export.ts';

const FAST = { logN: 4, r: 8, p: 1 };
const clock = new ManualClock(1_700_000_000_000);
const original = await createIdentity({ clock });
const bob = await createIdentity({ clock });
const backup: Backup = {
  seed: original.identity.seed,
  friends: [
    {
      person: bob.identity.personId,
      encryptionKey: bob.identity.encryptionPublicKey,
      rendezvous: new Uint8Array(32).fill(7),
      since: 1_699_000_000_000,
    },
  ],
  epoch: { epoch: 3, key: new Uint8Array(32).fill(9) },
};
const exported = await exportBackup(backup, 'correct horse', { scrypt: FAST });

// A version 1 file (seed 0, 1, 2 ... 31) as the earlier export wrote it.
const V1_FILE = fromHex(
  '4b49544849440101040801000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f' +
    '202122232425262774452e8dabf64cf81279cb5f2fe5f47422db50bfd8e904b8ea07e8b72795af3b5bb0' +
    '87b86c06efb027d056daf4c9627f07c6dec468dfa4f4996b193d0e9e945158',
);

async function reasonOf(bytes: Uint8Array, passphrase = 'correct horse'): Promise<string> {
  try {
    await importBackup(bytes, passphrase);
    return 'none';
  } catch (err) {
    if (err instanceof IdentityExportError) return err.reason;
    throw err;
  }
}

describe('backup file', () => {
  it('round-trips the seed, friends with their rendezvous secrets, and the epoch', async () => {
    const opened = await importBackup(exported, 'correct horse');
    expect(opened).toEqual(backup);
    expect(opened.friends[0]!.person).toBe(parsePersonId(bob.identity.personId));
  });

  it('restores the same person on a new device with a new log and Yjs client id', async () => {
    const { seed } = await importBackup(exported, 'correct horse');
    const restored = await restoreFromSeed(seed, { clock });
    expect(restored.identity.personId).toBe(original.identity.personId);
    expect(restored.device.key.deviceId).not.toBe(original.device.key.deviceId);
    expect(restored.device.yjsClientId).not.toBe(original.device.yjsClientId);
    expect(restored.device.certificate.person).toBe(original.identity.personId);
  });

  it('still reads a version 1 file (the seed alone)', async () => {
    const opened = await importBackup(V1_FILE, 'correct horse');
    expect(opened.seed).toEqual(new Uint8Array(32).map((_, i) => i));
    expect(opened.friends).toEqual([]);
    expect(opened.epoch).toBeNull();
  });

  it('treats a passphrase in another Unicode normal form as the same', async () => {
    const e = await exportBackup(backup, 'caf\u00e9', { scrypt: FAST });
    expect((await importBackup(e, 'cafe\u0301')).seed).toEqual(backup.seed);
  });

  it('refuses a wrong passphrase', async () => {
    expect(await reasonOf(exported, 'wrong horse')).toBe('wrong-passphrase');
  });

  it('refuses a truncated file, however it was cut', async () => {
    for (const length of [0, 3, 6, 7, 40, 70, 71, exported.length - 1]) {
      const reason = await reasonOf(exported.slice(0, length));
      expect(reason, `cut at ${length}`).toBe(length === 0 ? 'not-an-export' : 'truncated');
    }
  });

  it('refuses a file with extra bytes', async () => {
    const longer = new Uint8Array(exported.length + 1);
    longer.set(exported);
    expect(await reasonOf(longer)).toBe('trailing-bytes');
  });

  it('refuses a tampered ciphertext, nonce or body length', async () => {
    const body = exported.slice();
    body[body.length - 5]! ^= 1;
    expect(await reasonOf(body)).toBe('tampered');
    const nonce = exported.slice();
    nonce[30]! ^= 1;
    expect(await reasonOf(nonce)).toBe('tampered');
    const length = exported.slice();
    length[67]! = 0xff; // a body far above any backup's
    expect(await reasonOf(length)).toBe('tampered');
  });

  it('refuses a file from a newer version with words saying so', async () => {
    const newer = exported.slice();
    newer[6] = EXPORT_VERSION + 1;
    expect(await reasonOf(newer)).toBe('unsupported-version');
    await expect(importBackup(newer, 'correct horse')).rejects.toThrow(/newer version of Kith/);
  });

  it('refuses what is not a backup, and oversized scrypt costs', async () => {
    expect(await reasonOf(new TextEncoder().encode('hello, this is a photo'))).toBe(
      'not-an-export',
    );
    const costly = exported.slice();
    costly[8] = 30;
    expect(await reasonOf(costly)).toBe('bad-parameters');
  });

  it('refuses to export without a passphrase', async () => {
    await expect(exportBackup(backup, '', { scrypt: FAST })).rejects.toThrow(IdentityExportError);
  });
});
