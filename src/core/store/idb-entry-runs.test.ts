import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { MAX_RUN, MAX_RUN_BYTES, cutIntoRuns, readRuns } from './idb-entry-runs.ts';
import type { HeldRecord } from './covers.ts';
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

describe('cutIntoRuns', () => {
  /** A held entry of `size` bytes at `seq` (only what cutting looks at, and a doc). */
  const entry = (seq: number, size: number) =>
    ({
      author,
      device,
      seq,
      hash: `h${seq}`,
      prev: seq > 1 ? `h${seq - 1}` : undefined,
      docId: 'post/x',
      timestamp: seq,
      bytes: new Uint8Array(size),
    }) as unknown as HeldRecord;
  const lengths = (records: HeldRecord[]) => cutIntoRuns(records).map((r) => r.records.length);

  it('keeps every run below the bytes Chromium would store as a separate blob', () => {
    const records = Array.from({ length: MAX_RUN }, (_, i) => entry(i + 1, 540));
    const runs = cutIntoRuns(records);
    expect(runs.length).toBeGreaterThan(1);
    for (const run of runs) {
      const bytes = run.records.reduce((sum, r) => sum + ('bytes' in r ? r.bytes.length : 0), 0);
      expect(bytes).toBeLessThanOrEqual(MAX_RUN_BYTES);
    }
    // Consecutive, nothing lost, each run keyed by its first seq.
    expect(runs.flatMap((r) => r.records.map((x) => x.seq))).toEqual(records.map((r) => r.seq));
    expect(runs.map((r) => r.seq)).toEqual(runs.map((r) => r.records[0]!.seq));
  });

  it('never holds more than MAX_RUN positions, and cuts at a gap in the seqs', () => {
    const tiny = lengths(Array.from({ length: 3 * MAX_RUN }, (_, i) => entry(i + 1, 0)));
    expect(Math.max(...tiny)).toBeLessThanOrEqual(MAX_RUN);
    expect(tiny.reduce((a, b) => a + b)).toBe(3 * MAX_RUN);
    expect(lengths([entry(1, 10), entry(2, 10), entry(4, 10)])).toEqual([2, 1]);
  });

  it('gives an entry larger than the budget a run of its own', () => {
    expect(lengths([entry(1, 10), entry(2, MAX_RUN_BYTES + 1), entry(3, 10)])).toEqual([1, 1, 1]);
  });
});
