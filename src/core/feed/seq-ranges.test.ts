import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeqRanges, SeqRangesDecodeError } from './seq-ranges.ts';

describe('SeqRanges', () => {
  it('merges adjacent and overlapping ranges and reports gaps', () => {
    const set = SeqRanges.of({ start: 900, end: 1000 }, { start: 10, end: 20 });
    set.add(21);
    set.addRange(5, 9);
    expect(set.ranges()).toEqual([
      { start: 5, end: 21 },
      { start: 900, end: 1000 },
    ]);
    expect(set.gaps()).toEqual([
      { start: 1, end: 4 },
      { start: 22, end: 899 },
    ]);
    expect(set.has(21)).toBe(true);
    expect(set.has(22)).toBe(false);
    expect(set.max).toBe(1000);
    expect(set.prefixEnd).toBe(0);
    set.addRange(1, 950);
    expect(set.ranges()).toEqual([{ start: 1, end: 1000 }]);
    expect(set.prefixEnd).toBe(1000);
    expect(set.count).toBe(1000);
  });

  it('refuses seqs that cannot exist', () => {
    const set = new SeqRanges();
    expect(() => set.add(0)).toThrow(RangeError);
    expect(() => set.addRange(5, 4)).toThrow(RangeError);
  });

  it('behaves like a set of seqs and round-trips its encoding', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 10 }))),
        (adds) => {
          const set = new SeqRanges();
          const model = new Set<number>();
          for (const [start, len] of adds) {
            set.addRange(start, start + len);
            for (let s = start; s <= start + len; s++) model.add(s);
          }
          for (let s = 1; s <= 215; s++) expect(set.has(s)).toBe(model.has(s));
          expect(set.count).toBe(model.size);
          const back = SeqRanges.decode(set.encode());
          expect(back.ranges()).toEqual(set.ranges());
          const gapSeqs = back
            .gaps()
            .flatMap((g) => Array.from({ length: g.end - g.start + 1 }, (_, i) => g.start + i));
          expect(gapSeqs.every((s) => !model.has(s))).toBe(true);
          expect(gapSeqs.length + model.size).toBe(set.max);
        },
      ),
    );
  });

  it('takes seqs out as a set does, keeping ranges disjoint and non-adjacent', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 10 }))),
        fc.array(fc.integer({ min: 1, max: 115 })),
        (adds, deletes) => {
          const set = new SeqRanges();
          const model = new Set<number>();
          for (const [start, len] of adds) {
            set.addRange(start, start + len);
            for (let s = start; s <= start + len; s++) model.add(s);
          }
          for (const seq of deletes) {
            set.delete(seq);
            model.delete(seq);
          }
          for (let s = 1; s <= 115; s++) expect(set.has(s)).toBe(model.has(s));
          expect(set.count).toBe(model.size);
          expect(SeqRanges.of(...set.ranges()).ranges()).toEqual(set.ranges());
        },
      ),
    );
  });

  it.each([
    ['truncated', new Uint8Array([2, 0, 3]), 'truncated'],
    ['trailing bytes', new Uint8Array([0, 0]), 'trailing-bytes'],
    ['too many ranges', new Uint8Array([0x81, 0x40]), 'too-many-ranges'],
    [
      'a seq past 2^53 - 1',
      new Uint8Array([1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, 1]),
      'seq-out-of-range',
    ],
  ])('refuses %s', (_, bytes, reason) => {
    expect(() => SeqRanges.decode(bytes)).toThrow(SeqRangesDecodeError);
    expect(() => SeqRanges.decode(bytes)).toThrow(expect.objectContaining({ reason }));
  });
});
