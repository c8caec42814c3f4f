import { describe, expect, it } from 'vitest';
import { MemoryStorageAdapter } from './memory-storage-adapter.ts';
import { ALICE, BOB, LAPTOP, PHONE, testEntry } from './store-test-helpers.ts';
import { readUsageByPerson, usageByPerson } from './usage.ts';

describe('usage by person', () => {
  it('sums entry bytes per author across their devices, largest first', async () => {
    const store = new MemoryStorageAdapter();
    const alice = [1, 2, 3].map((seq) => testEntry(ALICE, PHONE, seq));
    const aliceLaptop = [1, 2].map((seq) => testEntry(ALICE, LAPTOP, seq));
    const bob = [1].map((seq) => testEntry(BOB, PHONE, seq));
    await store.putEntries([...alice, ...aliceLaptop, ...bob]);
    const size = (entries: { bytes: Uint8Array }[]) =>
      entries.reduce((sum, entry) => sum + entry.bytes.length, 0);

    expect(await readUsageByPerson(store)).toEqual([
      { person: ALICE, bytes: size([...alice, ...aliceLaptop]) },
      { person: BOB, bytes: size(bob) },
    ]);
  });

  it('follows pruning and counts nothing for an empty store', async () => {
    const store = new MemoryStorageAdapter();
    expect(await readUsageByPerson(store)).toEqual([]);
    const entries = [1, 2, 3, 4].map((seq) => testEntry(BOB, PHONE, seq));
    await store.putEntries(entries);
    await store.pruneLog(BOB, PHONE, 3);
    const kept = entries.slice(2).reduce((sum, entry) => sum + entry.bytes.length, 0);
    expect(await readUsageByPerson(store)).toEqual([{ person: BOB, bytes: kept }]);
  });

  it('orders equal sizes by person id', () => {
    const log = (author: string) => ({
      author: author as typeof ALICE,
      device: PHONE,
      ranges: [],
      entries: 1,
      bytes: 10,
    });
    expect(usageByPerson([log('b'), log('a')]).map((u) => u.person)).toEqual(['a', 'b']);
  });
});
