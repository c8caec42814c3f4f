/**
 * Entries are stored with strict durability: a transaction that completes has reached the disk,
 * so nothing is told to a peer as held that a crash could still take away (design invariant 4;
 * Chromium's default durability is relaxed).
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IdbStorageAdapter } from './idb-storage-adapter.ts';
import { ALICE, PHONE, testEntries, testPost } from './store-test-helpers.ts';

afterEach(() => vi.restoreAllMocks());

/** The durability of every transaction opened from now on, with its stores and mode. */
function recordTransactions(): { stores: string[]; mode: string; durability: string }[] {
  const seen: { stores: string[]; mode: string; durability: string }[] = [];
  const real = IDBDatabase.prototype.transaction;
  vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (
    this: IDBDatabase,
    ...args: Parameters<IDBDatabase['transaction']>
  ) {
    const tx = real.apply(this, args);
    seen.push({ stores: [...tx.objectStoreNames], mode: tx.mode, durability: tx.durability });
    return tx;
  });
  return seen;
}

describe('IndexedDB durability', () => {
  it('writes entries with strict durability, and views with the default', async () => {
    const store = await IdbStorageAdapter.open({ indexedDB, name: 'durability' });
    const seen = recordTransactions();
    await store.putEntries(testEntries(ALICE, PHONE, 1, 3));
    await store.putPostViews([testPost('p', ALICE, 1)]);
    const writes = seen.filter((t) => t.mode === 'readwrite');
    expect(writes.find((t) => t.stores.includes('runs'))).toMatchObject({ durability: 'strict' });
    expect(writes.find((t) => t.stores.includes('postSlices'))).toMatchObject({
      durability: 'default',
    });
    await store.close();
  });
});
