import { describe, expect, it } from 'vitest';
import { plainExcerpt, searchExcerpt } from './search-excerpt.ts';

const joined = (parts: { text: string }[]) => parts.map((p) => p.text).join('');
const marks = (parts: { text: string; marked: boolean }[]) =>
  parts.filter((p) => p.marked).map((p) => p.text);

describe('searchExcerpt', () => {
  it('shows a short text whole, on one line, its matched words marked', () => {
    const parts = searchExcerpt('Café by the river\nthen cake', 'cafe cake');
    expect(joined(parts)).toBe('Café by the river then cake');
    expect(marks(parts)).toEqual(['Café', 'cake']);
  });

  it('starts a little before a match that the first line would not show', () => {
    const text = `${'Words before the point, '.repeat(12)}and here is the thermos at last. The end.`;
    const parts = searchExcerpt(text, 'thermos');
    const shown = joined(parts);
    expect(shown.startsWith('…')).toBe(true);
    expect(shown.length).toBeLessThanOrEqual(160);
    expect(marks(parts)).toEqual(['thermos']);
    // Cut at a space, not inside a word.
    expect(shown.slice(1)).toMatch(/^[A-Za-z]/);
    expect(text).toContain(shown.slice(1).replace(/…$/, ''));
  });

  it('keeps the start when the match is on the first line, and folds what is past it', () => {
    const text = `The thermos is here. ${'More words follow. '.repeat(20)}`;
    const parts = searchExcerpt(text, 'thermos');
    const shown = joined(parts);
    expect(shown.startsWith('The thermos')).toBe(true);
    expect(shown.endsWith('…')).toBe(true);
    expect(shown.length).toBeLessThanOrEqual(160);
  });

  it('marks nothing without a query, and never starts inside a surrogate pair', () => {
    expect(marks(searchExcerpt('Anything at all', ''))).toEqual([]);
    const emoji = `${'😀'.repeat(120)} thermos`;
    const shown = joined(searchExcerpt(emoji, 'thermos'));
    expect(shown).not.toMatch(/^…[\uDC00-\uDFFF]/);
    expect(shown).toContain('thermos');
  });
});

describe('plainExcerpt', () => {
  it('is the start of the text on one line, cut at a space with "…"', () => {
    const text = 'A picnic by the lake with everyone who can come along this weekend';
    expect(plainExcerpt(text, 30)).toBe('A picnic by the lake with…');
    expect(plainExcerpt('Short one', 30)).toBe('Short one');
  });
});
