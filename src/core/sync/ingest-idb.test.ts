/**
 * The ingestor over the real IndexedDB adapter (fake-indexeddb), where a batch of a long log
 * spans several run records: a write that fails part-way keeps nothing and loses nothing, and
 * batches in flight together (the next one verified while this one is written) land as if
 * ingested one after another.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { StoredEntry } from '../store/storage-adapter.ts';
import { failNthRunPut } from '../store/idb-fault-injection.ts';
import { IdbStorageAdapter } from '../store/idb-storage-adapter.ts';
import { Ingestor } from './ingest.ts';
import { TestPerson, sharedVerifier } from './test-helpers.ts';

let alice: TestPerson;

beforeAll(async () => {
  alice = await TestPerson.create('alice');
  await alice.append(600);
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function openIngestor() {
  const store = await IdbStorageAdapter.open({ indexedDB: new IDBFactory() });
  const ingestor = new Ingestor(store, sharedVerifier);
  const announced: StoredEntry[] = [];
  ingestor.onStored((entries) => announced.push(...entries));
  return { store, ingestor, announced };
}

const bytesOf = (from: number, to: number) => alice.log.slice(from - 1, to).map((e) => e.bytes);

describe('Ingestor over IndexedDB runs', () => {
  it('keeps nothing of a batch whose write fails part-way, and takes it whole next time', async () => {
    const { store, ingestor, announced } = await openIngestor();
    await ingestor.ingest(bytesOf(1, 10));
    announced.length = 0;
    // 11..300 is two runs (256 + 34): the second put fails after the first was issued.
    failNthRunPut(2, () => {
      throw new Error('disk gone');
    });
    await expect(ingestor.ingest(bytesOf(11, 300))).rejects.toThrow('disk gone');
    vi.restoreAllMocks();
    expect(await store.heldRanges(alice.id, alice.log[0]!.device)).toEqual([{ start: 1, end: 10 }]);
    expect(await store.getEntries(alice.id, alice.log[0]!.device, 11, 300)).toEqual([]);
    expect(announced).toEqual([]);

    const report = await ingestor.ingest(bytesOf(11, 300));
    expect(report.accepted).toHaveLength(290);
    expect(report.rejected).toEqual([]);
    expect(announced.map((e) => e.seq)).toEqual(alice.log.slice(10, 300).map((e) => e.seq));
    expect(await store.heldRanges(alice.id, alice.log[0]!.device)).toEqual([
      { start: 1, end: 300 },
    ]);
    expect(await store.getEntries(alice.id, alice.log[0]!.device, 1, 300)).toHaveLength(300);
    await store.close();
  });

  it('stores batches in flight together as if one came after the other, a failed one included', async () => {
    const { store, ingestor } = await openIngestor();
    // The first batch's run fails, whichever batch's verification ends first and writes first.
    failNthRunPut(
      1,
      () => {
        throw new Error('disk gone');
      },
      (run) => (run as { seq: number }).seq === 1,
    );
    const first = ingestor.ingest(bytesOf(1, 256));
    const second = ingestor.ingest(bytesOf(257, 600));
    await expect(first).rejects.toThrow('disk gone');
    vi.restoreAllMocks();
    // The later run is kept on its own (recent first); the failed one fills the gap on retry.
    expect((await second).accepted).toHaveLength(344);
    expect(await store.heldRanges(alice.id, alice.log[0]!.device)).toEqual([
      { start: 257, end: 600 },
    ]);
    expect((await ingestor.ingest(bytesOf(1, 256))).accepted).toHaveLength(256);
    expect(await store.heldRanges(alice.id, alice.log[0]!.device)).toEqual([
      { start: 1, end: 600 },
    ]);
    expect(await store.getEntries(alice.id, alice.log[0]!.device, 250, 260)).toEqual(
      alice.log.slice(249, 260).map((e) => expect.objectContaining({ hash: e.hash })),
    );
    await store.close();
  });
});
