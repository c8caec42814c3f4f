import { describe, expect, it } from 'vitest';
import { matchSpans } from './match-spans.ts';

/** The marked words themselves. */
function marked(text: string, query: string): string[] {
  return matchSpans(text, query).map((span) => text.slice(span.start, span.end));
}

describe('matchSpans', () => {
  it('marks the words a query word begins, whatever their case or accents', () => {
    expect(marked('Café by the river, then the CAFETERIA', 'cafe')).toEqual(['Café', 'CAFETERIA']);
    expect(marked('Bringing a thermos!', 'therm')).toEqual(['thermos']);
    expect(marked('Crème brûlée tonight', 'brulee creme')).toEqual(['Crème', 'brûlée']);
  });

  it('does not mark a word the query word is only inside of', () => {
    expect(marked('the weather', 'eat')).toEqual([]);
  });

  it('cuts unspaced scripts per character, as the index does', () => {
    expect(marked('明日は東京で会いましょう', '東京')).toEqual(['東', '京']);
  });

  it('marks nothing for an empty query, and stops at the limit', () => {
    expect(marked('anything at all', '   ')).toEqual([]);
    expect(matchSpans('tea, tea and more tea', 'tea', 2)).toEqual([
      { start: 0, end: 3 },
      { start: 5, end: 8 },
    ]);
  });
});
