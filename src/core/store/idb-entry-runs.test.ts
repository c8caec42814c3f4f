import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import {
  MAX_RUN,
  MAX_RUN_BYTES,
  cutIntoRuns,
  readRuns,
  runFromDisk,
  runOf,
  type PackedRun,
} from './idb-entry-runs.ts';
import type { HeldRecord } from './covers.ts';
import { StoreCorruptError } from './errors.ts';
import { ALICE, PHONE, recordsRun, testEntries, testEntry } from './store-test-helpers.ts';
import type { DocId, DeviceId, PersonId } from '../ids.ts';

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
  const lengths = (records: HeldRecord[]) => cutIntoRuns(records).map((r) => r.sizes.length);
  const seqsOf = (run: PackedRun) => Array.from(run.sizes, (_, i) => run.seq + i);

  it('keeps every run below the bytes Chromium would store as a separate blob', () => {
    const records = Array.from({ length: MAX_RUN }, (_, i) => entry(i + 1, 540));
    const runs = cutIntoRuns(records);
    expect(runs.length).toBeGreaterThan(1);
    for (const run of runs) expect(run.bytes.length).toBeLessThanOrEqual(MAX_RUN_BYTES);
    // Consecutive, nothing lost, each run keyed by its first seq.
    expect(runs.flatMap(seqsOf)).toEqual(records.map((r) => r.seq));
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

describe('the stored form of a run', () => {
  /** What a record reads back as: exactly its fields, covers only when there are some. */
  const expected = (records: readonly HeldRecord[]) =>
    records.map((r) => {
      const { covers, ...rest } = r as HeldRecord & { covers?: unknown[] };
      return covers && covers.length > 0 ? { ...rest, covers } : rest;
    });

  it('is columns and one buffer of entry bytes, not an object per record', () => {
    const records = testEntries(ALICE, PHONE, 1, 40);
    const run = runOf(records);
    expect('records' in run).toBe(false);
    expect(run.bytes.length).toBe(records.reduce((n, r) => n + r.bytes.length, 0));
    expect(run.sizes).toEqual(Int32Array.from(records, (r) => r.bytes.length));
    expect(run.docs).toEqual(['alice\u0000post/1', 'alice\u0000post/2', 'alice\u0000post/0']);
    expect(runFromDisk(structuredClone(run)).records).toEqual(records);
  });

  it('reads back every record it was given: entries of any size, covers, placeholders', () => {
    const record = fc
      .tuple(
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom('entry', 'covers', 'short', 'empty', 'placeholder'),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
      )
      .map(([doc, shape, timestamp]) => ({ doc, shape, timestamp }));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.array(record, { minLength: 1, maxLength: 80 }),
        (first, shapes) => {
          const records: HeldRecord[] = shapes.map(({ doc, shape, timestamp }, i) => {
            const e = { ...testEntry(ALICE, PHONE, first + i), timestamp };
            const entry = { ...e, docId: `post/${doc}` as DocId };
            if (shape === 'covers') return { ...entry, covers: [{ device: PHONE, seq: i + 9 }] };
            // Entries of other sizes (a payload dropped), down to none at all.
            if (shape === 'short') return { ...entry, bytes: entry.bytes.slice(0, 7) };
            if (shape === 'empty') return { ...entry, bytes: new Uint8Array(0) };
            if (shape !== 'placeholder') return entry;
            const { author, device, seq, hash, prev, docId } = entry;
            return { author, device, seq, hash, prev, docId, timestamp, placeholder: true };
          });
          const back = runFromDisk(structuredClone(runOf(records))).records;
          expect(back).toEqual(expected(records));
          // Each entry has a buffer of its own: sent on or stored again, it carries no more.
          for (const r of back) {
            if ('bytes' in r) expect(r.bytes.buffer.byteLength).toBe(r.bytes.length);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads a run written before session 17, its records as objects, as before', () => {
    const records = testEntries(ALICE, PHONE, 5, 9);
    expect(runFromDisk(structuredClone(recordsRun(records))).records).toEqual(records);
  });

  it('refuses a packed run whose columns do not agree as StoreCorruptError', () => {
    const run = runOf(testEntries(ALICE, PHONE, 1, 4));
    const spoiled: Record<string, Partial<Record<keyof PackedRun, unknown>>> = {
      'sizes adding up to more bytes': { sizes: Int32Array.from([...run.sizes, 5]) },
      'sizes adding up to fewer bytes': { bytes: run.bytes.subarray(1) },
      'a negative size': { sizes: Int32Array.from([-5, ...run.sizes.subarray(1)]) },
      'a hash too few': { hashes: run.hashes.slice(43) },
      'a hash that is none': { hashes: `${'!'.repeat(43)}${run.hashes.slice(43)}` },
      'a prev too many': { prevs: run.prevs + run.prevs.slice(0, 43) },
      'a doc it does not list': { docOf: Uint16Array.from([9, 0, 0, 0]) },
      "another author's doc": { docs: ['bob\u0000post/1', ...run.docs.slice(1)] },
      'times of the wrong type': { times: Array.from(run.times) },
      'covers naming no record': { covers: [[7, [{ device: PHONE, seq: 1 }]]] },
      'covers of the wrong shape': { covers: [[0, [{ device: 3 }]]] },
      'no records': { sizes: new Int32Array(0), hashes: '', prevs: '', docOf: new Uint16Array(0) },
    };
    for (const [what, change] of Object.entries(spoiled)) {
      expect(() => runFromDisk({ ...run, ...change }), what).toThrow(StoreCorruptError);
    }
  });
});
