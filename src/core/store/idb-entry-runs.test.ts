import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { readRuns } from './idb-entry-runs.ts';
import type { DeviceId, PersonId } from '../ids.ts';

const author = 'author' as PersonId;
const device = 'device' as DeviceId;

/** A run record of `length` positions from `seq` (only what `readRuns` looks at). */
const run = (seq: number, length: number) => ({
  author,
  device,
  seq,
  docs: [],
  records: Array.from({ length }, (_, i) => ({ seq: seq + i })),
});

async function storeOf(runs: ReturnType<typeof run>[]) {
  const db = await openDB(`runs-${Math.random()}`, 1, {
    upgrade(d) {
      d.createObjectStore('runs', { keyPath: ['author', 'device', 'seq'] });
    },
  });
  const tx = db.transaction('runs', 'readwrite');
  for (const r of runs) await tx.store.put(r);
  await tx.done;
  return db.transaction('runs').store;
}

const firstSeqs = (values: unknown[]) => values.map((v) => (v as { seq: number }).seq);

describe('readRuns', () => {
  it('reads one run for one seq of a log appended one entry at a time, not the 255 before it', async () => {
    const store = await storeOf(Array.from({ length: 300 }, (_, i) => run(i + 1, 1)));
    expect(firstSeqs(await readRuns(store, author, device, 300, 300))).toEqual([299, 300]);
    expect(firstSeqs(await readRuns(store, author, device, 1, 1))).toEqual([1]);
  });

  it('finds the run that starts before the range and reaches into it', async () => {
    const store = await storeOf([run(1, 256), run(257, 10), run(267, 256)]);
    expect(firstSeqs(await readRuns(store, author, device, 200, 270))).toEqual([1, 257, 267]);
    expect(firstSeqs(await readRuns(store, author, device, 257, 257))).toEqual([257]);
  });
});
