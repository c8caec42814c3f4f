/**
 * A whole sent in parts: it comes back whole however its parts arrive, and a part that cannot
 * belong (missing, conflicting, extra, oversized, a count that changes or passes the bound) is
 * refused, its whole never used.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from '../bytes.ts';
import { PART_CHARS, PartCollector, PartError, toParts, type Part } from './parts.ts';

const whole = randomBytes(100_000);

function refusal(take: () => unknown): PartError['reason'] | undefined {
  try {
    take();
  } catch (error) {
    if (error instanceof PartError) return error.reason;
    throw error;
  }
  return undefined;
}

describe('a whole in parts', () => {
  it('comes back whole in any order, resent parts changing nothing', () => {
    const parts = toParts(whole, 8);
    expect(parts.length).toBe(Math.ceil(Math.ceil((whole.length * 4) / 3) / PART_CHARS));
    expect(parts.every((p) => p.part.length <= PART_CHARS)).toBe(true);
    const collector = new PartCollector({ maxParts: 8 });
    const [first, ...rest] = [...parts].reverse();
    expect(collector.add('a', first!)).toBeUndefined();
    expect(collector.add('a', first!)).toBeUndefined();
    const results = rest.map((part) => collector.add('a', part));
    expect(results.slice(0, -1).every((r) => r === undefined)).toBe(true);
    expect(results.at(-1)).toEqual(whole);
    expect(() => toParts(whole, parts.length - 1)).toThrow(RangeError);
  });

  it('never gives a whole with a part missing, and says which never came', () => {
    const dropped: [string, readonly number[]][] = [];
    const collector = new PartCollector({
      maxParts: 8,
      maxWholes: 1,
      onIncomplete: (id, missing) => dropped.push([id, missing]),
    });
    const parts = toParts(whole, 8);
    for (const part of parts.filter((p) => p.index !== 2)) {
      expect(collector.add('a', part)).toBeUndefined();
    }
    // A newer whole drops the unfinished one; the missing part then completes nothing.
    expect(collector.add('b', toParts(randomBytes(10), 8)[0]!)).toBeDefined();
    expect(dropped).toEqual([['a', [2]]]);
    expect(collector.add('a', parts[2]!)).toBeUndefined();
  });

  it('refuses a conflicting, extra, oversized or miscounted part, and drops its whole', () => {
    const parts = toParts(whole, 8);
    const fresh = () => {
      const collector = new PartCollector({ maxParts: 8 });
      collector.add('a', parts[0]!);
      return collector;
    };
    const other: Part = {
      ...parts[0]!,
      part: parts[0]!.part.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
    };
    expect(refusal(() => fresh().add('a', other))).toBe('duplicate');
    expect(refusal(() => fresh().add('a', { ...parts[1]!, index: parts.length }))).toBe('extra');
    expect(refusal(() => fresh().add('a', { ...parts[1]!, index: -1 }))).toBe('extra');
    expect(refusal(() => fresh().add('a', { ...parts[1]!, count: parts.length + 1 }))).toBe(
      'count',
    );
    expect(refusal(() => fresh().add('b', { index: 0, count: 9, part: 'AA' }))).toBe('count');
    expect(refusal(() => fresh().add('b', { index: 0, count: 0, part: 'AA' }))).toBe('count');
    expect(
      refusal(() => fresh().add('a', { ...parts[1]!, part: 'A'.repeat(PART_CHARS + 1) })),
    ).toBe('oversized');
    expect(refusal(() => fresh().add('b', { index: 0, count: 1, part: '**' }))).toBe('malformed');

    // The refused part's whole is dropped: the rest of it alone completes nothing.
    const collector = fresh();
    expect(refusal(() => collector.add('a', other))).toBe('duplicate');
    const results = parts.slice(1).map((part) => collector.add('a', part));
    expect(results.every((r) => r === undefined)).toBe(true);
  });
});
