import { describe, expect, it } from 'vitest';
import { SymmetricKey } from '../crypto/aead.ts';
import { generateX25519 } from '../crypto/seal.ts';
import type { PersonId } from '../ids.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import { isNewerEpoch } from './epoch-state.ts';
import { Keyring } from './keyring.ts';

const me = 'me-id' as PersonId;

async function keyring(): Promise<Keyring> {
  return new Keyring(new MemoryStorageAdapter(), me, await generateX25519(), () => null);
}

describe('keyring epochs', () => {
  it('orders epochs by number, then by device id', () => {
    expect(isNewerEpoch({ epoch: 2, device: 'a' }, { epoch: 1, device: 'z' })).toBe(true);
    expect(isNewerEpoch({ epoch: 1, device: 'b' }, { epoch: 1, device: 'a' })).toBe(true);
    expect(isNewerEpoch({ epoch: 1, device: 'a' }, { epoch: 1, device: 'b' })).toBe(false);
    expect(isNewerEpoch({ epoch: 1, device: 'a' }, { epoch: 1, device: 'a' })).toBe(false);
    expect(isNewerEpoch({ epoch: 0, device: '' }, null)).toBe(true);
  });

  it('the current epoch is the newest remembered, whatever the order they arrive in', async () => {
    const ring = await keyring();
    const keys = await Promise.all([0, 1, 2].map(() => SymmetricKey.generate()));
    await ring.remember(me, { epoch: 1, device: 'b' }, keys[1]!);
    await ring.remember(me, { epoch: 1, device: 'c' }, keys[2]!);
    await ring.remember(me, { epoch: 0, device: 'z' }, keys[0]!);
    const current = await ring.ownEpoch();
    expect(current && { epoch: current.epoch, device: current.device }).toEqual({
      epoch: 1,
      device: 'c',
    });
    expect(current?.key.raw).toEqual(keys[2]!.raw);
    expect((await ring.epochKeys(me, 1)).map((k) => k.raw)).toEqual([keys[1]!.raw, keys[2]!.raw]);
  });

  it('keeps the newest epoch’s key when more devices than it keeps rotate to one number', async () => {
    const ring = await keyring();
    const newest = await SymmetricKey.generate();
    await ring.remember(me, { epoch: 3, device: 'z' }, newest);
    for (const device of ['a', 'b', 'c', 'd', 'e', 'f']) {
      await ring.remember(me, { epoch: 3, device }, await SymmetricKey.generate());
    }
    expect((await ring.ownEpoch())?.key.raw).toEqual(newest.raw);
    expect(await ring.epochKeys(me, 3)).toHaveLength(4);
  });
});
