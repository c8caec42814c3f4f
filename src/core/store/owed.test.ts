import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { owedAdding, owedRemoving, readOwed, type OwedRecord } from './owed.ts';
import type { LogPosition, StoredEntry } from './storage-adapter.ts';
import { ALICE, BOB, PHONE, testEntry } from './store-test-helpers.ts';

describe('views owed, per log as ranges', () => {
  it('adds and takes out seqs as a set does, dropping a log that owes nothing', () => {
    const record = owedAdding(undefined, ALICE, PHONE, [3, 1, 2, 7]);
    expect(record.ranges).toEqual([
      { start: 1, end: 3 },
      { start: 7, end: 7 },
    ]);
    expect(owedRemoving(record, [2])?.ranges).toEqual([
      { start: 1, end: 1 },
      { start: 3, end: 3 },
      { start: 7, end: 7 },
    ]);
    expect(owedRemoving(record, [1, 2, 3, 7, 9])).toBeNull();
  });

  it('reads every owed entry once, in log order, page by page, whatever is gone', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { minLength: 1 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 60 })),
        fc.integer({ min: 1, max: 9 }),
        async (owedSeqs, goneSeqs, limit) => {
          const gone = new Set(goneSeqs);
          const records: OwedRecord[] = [
            owedAdding(undefined, ALICE, PHONE, owedSeqs),
            owedAdding(undefined, BOB, PHONE, [1, 2]),
          ];
          const held = (author: typeof ALICE, from: number, to: number): StoredEntry[] => {
            const out: StoredEntry[] = [];
            for (let seq = from; seq <= to; seq++) {
              if (author === BOB || !gone.has(seq)) out.push(testEntry(author, PHONE, seq));
            }
            return out;
          };
          const read: string[] = [];
          const forgotten: LogPosition[] = [];
          let after: LogPosition | undefined;
          for (;;) {
            const page = await readOwed(records, limit, after, async (author, _d, from, to) =>
              held(author, from, to),
            );
            expect(page.entries.length).toBeLessThanOrEqual(limit);
            forgotten.push(...page.gone);
            if (page.entries.length === 0) break;
            read.push(...page.entries.map((e) => `${e.author}/${e.seq}`));
            after = page.entries.at(-1);
          }
          const expected = [
            ...[...owedSeqs]
              .sort((a, b) => a - b)
              .filter((s) => !gone.has(s))
              .map((s) => `${ALICE}/${s}`),
            `${BOB}/1`,
            `${BOB}/2`,
          ];
          expect(read).toEqual(expected);
          expect(forgotten.map((p) => p.seq).sort((a, b) => a - b)).toEqual(
            owedSeqs.filter((s) => gone.has(s)).sort((a, b) => a - b),
          );
        },
      ),
    );
  });
});
