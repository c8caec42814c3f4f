import { describe, expect, it } from 'vitest';
import { countRanges, newestSeqs, oldestSeqs } from './range-math.ts';

const gappy = [
  { start: 1, end: 3 },
  { start: 10, end: 12 },
  { start: 20, end: 29 },
];

describe('pages of seqs', () => {
  it('takes the newest seqs across gaps, keeping ranges ascending', () => {
    expect(newestSeqs(gappy, 5)).toEqual([{ start: 25, end: 29 }]);
    expect(newestSeqs(gappy, 12)).toEqual([
      { start: 11, end: 12 },
      { start: 20, end: 29 },
    ]);
    expect(countRanges(newestSeqs(gappy, 100))).toBe(16);
  });

  it('takes the oldest seqs across gaps', () => {
    expect(oldestSeqs(gappy, 2)).toEqual([{ start: 1, end: 2 }]);
    expect(oldestSeqs(gappy, 5)).toEqual([
      { start: 1, end: 3 },
      { start: 10, end: 11 },
    ]);
    expect(oldestSeqs(gappy, 100)).toEqual(gappy);
  });

  it('takes nothing of nothing', () => {
    expect(newestSeqs([], 5)).toEqual([]);
    expect(oldestSeqs([], 5)).toEqual([]);
  });
});
