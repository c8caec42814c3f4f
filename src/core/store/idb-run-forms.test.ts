/**
 * Runs written before session 17 hold their records as objects; runs written since are packed
 * (`idb-entry-runs.ts`, `PackedRun`). Nothing rewrites the old ones: a store holds both forms, and
 * every operation reads, changes and prunes them alike.
 */
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { parseDocId } from '../ids.ts';
import { runFromDisk, type PackedRun } from './idb-entry-runs.ts';
import type { KithDb } from './idb-schema.ts';
import { IdbStorageAdapter } from './idb-storage-adapter.ts';
import { MemoryStorageAdapter } from './memory-storage-adapter.ts';
import { ALICE, PHONE, coveredLogs, recordsRun, testEntries } from './store-test-helpers.ts';

let dbs = 0;

/** Rewrites every run of the store in the form of before session 17, keeping its `ends`. */
async function writeRunsAsRecords(name: string): Promise<number> {
  const db = await openDB<KithDb>(name);
  const runs = (await db.getAll('runs')) as PackedRun[];
  const tx = db.transaction('runs', 'readwrite');
  await Promise.all([
    ...runs.map((run) => tx.store.put({ ...recordsRun(runFromDisk(run).records), ends: run.ends })),
    tx.done,
  ]);
  const old = (await db.getAll('runs')).filter((run) => 'records' in run).length;
  db.close();
  return old;
}

describe('IndexedDB runs of both forms in one store', () => {
  it('reads, extends, covers and prunes runs written before session 17 as packed ones', async () => {
    const name = `run-forms-${dbs++}`;
    const memory = new MemoryStorageAdapter();
    const first = testEntries(ALICE, PHONE, 1, 10);
    const store = await IdbStorageAdapter.open({ indexedDB, name });
    await store.putEntries(first);
    await memory.putEntries(first);
    await store.close();
    expect(await writeRunsAsRecords(name)).toBeGreaterThan(0);

    const again = await IdbStorageAdapter.open({ indexedDB, name });
    expect(await again.getEntries(ALICE, PHONE, 1, 10)).toEqual(first);
    // New entries next to the old runs: the chain check reads their ends, the new runs are packed.
    const next = testEntries(ALICE, PHONE, 11, 20);
    await again.putEntries(next);
    await memory.putEntries(next);
    expect(await again.getEntries(ALICE, PHONE, 1, 20)).toEqual([...first, ...next]);
    for (const doc of ['post/0', 'post/1', 'post/2']) {
      expect(await again.getDocEntries(ALICE, parseDocId(doc))).toEqual(
        await memory.getDocEntries(ALICE, parseDocId(doc)),
      );
    }
    expect(await again.getLatestEntries(ALICE, PHONE, 12)).toEqual(
      await memory.getLatestEntries(ALICE, PHONE, 12),
    );
    // A prune through an old run re-keys what it keeps of it.
    await again.pruneLog(ALICE, PHONE, 5);
    await memory.pruneLog(ALICE, PHONE, 5);
    expect(await again.getEntries(ALICE, PHONE, 1, 20)).toEqual(
      await memory.getEntries(ALICE, PHONE, 1, 20),
    );
    expect(await again.getLinks(ALICE, PHONE, 1, 21)).toEqual(
      await memory.getLinks(ALICE, PHONE, 1, 21),
    );
    await again.close();
  });

  it('drops the payloads a cover names from an old run, and rewrites it packed', async () => {
    const name = `run-forms-${dbs++}`;
    const { phone, laptop } = await coveredLogs();
    const memory = new MemoryStorageAdapter();
    const store = await IdbStorageAdapter.open({ indexedDB, name });
    for (const batch of [phone.slice(0, 3), laptop]) {
      await store.putEntries(batch);
      await memory.putEntries(batch);
    }
    await store.close();
    expect(await writeRunsAsRecords(name)).toBe(2);

    const again = await IdbStorageAdapter.open({ indexedDB, name });
    await again.putEntries(phone.slice(3));
    await memory.putEntries(phone.slice(3));
    const { author, device } = phone[0]!;
    expect(await again.getEntries(author, device, 1, 4)).toEqual(
      await memory.getEntries(author, device, 1, 4),
    );
    expect(await again.getEntries(author, laptop[0]!.device, 1, 1)).toEqual(
      await memory.getEntries(author, laptop[0]!.device, 1, 1),
    );
    expect(await again.getDocEntries(author, phone[0]!.docId)).toEqual(
      await memory.getDocEntries(author, phone[0]!.docId),
    );
    await again.close();
    // The runs the cover changed are packed now.
    const db = await openDB<KithDb>(name);
    expect((await db.getAll('runs')).filter((run) => 'records' in run)).toEqual([]);
    db.close();
  });
});
