/**
 * The `byEnd` index of runs (schema 5, `linksAtEnds`): a chain check's links come from the ends
 * of held runs without reading the runs, and always equal what the runs themselves say.
 */
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import type { StoredRun } from './idb-entry-runs.ts';
import { MIGRATIONS, type KithDb } from './idb-schema.ts';
import { IdbStorageAdapter } from './idb-storage-adapter.ts';
import { MemoryStorageAdapter } from './memory-storage-adapter.ts';
import { ALICE, PHONE, recordsRun, testEntries } from './store-test-helpers.ts';

let dbs = 0;
const freshName = () => `run-ends-${dbs++}`;

/** Spoils a run's records (its hashes), keeping its key, `docs` and `ends`. */
async function spoilRecords(name: string, firstSeq: number): Promise<void> {
  const db = await openDB<KithDb>(name);
  const run = (await db.get('runs', [ALICE, PHONE, firstSeq]))!;
  await db.put('runs', { ...run, hashes: 'garbage' } as unknown as StoredRun);
  db.close();
}

describe('IndexedDB run ends (schema 5)', () => {
  it('answers the links next to a batch from the ends of held runs, reading no run', async () => {
    const name = freshName();
    const store = await IdbStorageAdapter.open({ indexedDB, name });
    await store.putEntries(testEntries(ALICE, PHONE, 1, 10));
    await store.putEntries(testEntries(ALICE, PHONE, 21, 30));
    await store.close();
    // A run read back whole would now fail its check (StoreCorruptError).
    await spoilRecords(name, 1);
    await spoilRecords(name, 21);
    const again = await IdbStorageAdapter.open({ indexedDB, name });
    const [e10] = testEntries(ALICE, PHONE, 10, 10);
    const [e21] = testEntries(ALICE, PHONE, 21, 21);
    // What a batch of 11..20 asks: the neighbours 10 and 21.
    expect(await again.getLinks(ALICE, PHONE, 10, 21)).toEqual([
      { seq: 10, hash: e10!.hash, prev: e10!.prev, payload: true },
      { seq: 21, hash: e21!.hash, prev: e21!.prev, payload: true },
    ]);
    // A position inside a run is the runs' to answer: here, that they are corrupt.
    await expect(again.getLinks(ALICE, PHONE, 5, 5)).rejects.toThrow(/malformed|run record/);
    await again.close();
  });

  it('reads the runs written before schema 5, which have no ends, as before', async () => {
    const name = freshName();
    const db = await openDB<KithDb>(name, 4, {
      upgrade: (database, _old, _new, tx) => {
        for (const step of MIGRATIONS.slice(0, 4)) step(database, tx);
      },
    });
    const entries = testEntries(ALICE, PHONE, 1, 10);
    const tx = db.transaction(['runs', 'logs'], 'readwrite');
    await Promise.all([
      tx.objectStore('runs').put(recordsRun(entries)),
      tx.objectStore('logs').put({
        author: ALICE,
        device: PHONE,
        ranges: [{ start: 1, end: 10 }],
        entries: 10,
        bytes: entries.reduce((n, e) => n + e.bytes.length, 0),
      }),
      tx.done,
    ]);
    db.close();
    const store = await IdbStorageAdapter.open({ indexedDB, name });
    expect((await store.getLinks(ALICE, PHONE, 10, 11)).map((l) => l.hash)).toEqual([
      entries[9]!.hash,
    ]);
    await store.putEntries(testEntries(ALICE, PHONE, 11, 12));
    expect((await store.getLinks(ALICE, PHONE, 9, 13)).map((l) => l.seq)).toEqual([9, 10, 11, 12]);
    await store.close();
  });

  it('gives the same links as the memory store for any order of batches and any span', async () => {
    const LENGTH = 40;
    const all = testEntries(ALICE, PHONE, 1, LENGTH);
    const batch = fc
      .tuple(fc.integer({ min: 1, max: LENGTH }), fc.integer({ min: 0, max: 12 }))
      .map(([from, n]) => all.slice(from - 1, Math.min(LENGTH, from + n)));
    const span = fc
      .tuple(fc.integer({ min: 1, max: LENGTH + 1 }), fc.integer({ min: 0, max: 14 }))
      .map(([from, n]) => [from, from + n] as const);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(batch, fc.array(span, { minLength: 1, maxLength: 4 })), {
          minLength: 1,
          maxLength: 8,
        }),
        async (steps) => {
          const idb = await IdbStorageAdapter.open({ indexedDB, name: freshName() });
          const memory = new MemoryStorageAdapter();
          for (const [entries, spans] of steps) {
            await idb.putEntries(entries);
            await memory.putEntries(entries);
            for (const [from, to] of spans) {
              expect(await idb.getLinks(ALICE, PHONE, from, to)).toEqual(
                await memory.getLinks(ALICE, PHONE, from, to),
              );
            }
          }
          await idb.close();
        },
      ),
      { numRuns: 60 },
    );
  });
});
