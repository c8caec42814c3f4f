/**
 * Where a query's words are in a text, so a search result can mark them. A word of the text is
 * marked when a form the index keeps of it begins with a query word, read with the index's own
 * encoder (`search-words.ts`): what is marked is what was found (`Café` for `cafe`, the `東` of
 * `東京` for `東`).
 */
import { UNSPACED_CHAR, queryTerms, wordsOf } from './search-words.ts';

/** A part of a text: `start` included, `end` excluded (UTF-16 offsets). */
export interface Span {
  readonly start: number;
  readonly end: number;
}

// A character of a script written without spaces is a word of its own, as the index cuts it;
// any other word is a run of letters, combining marks and digits.
const WORD = new RegExp(
  `${UNSPACED_CHAR.source}|(?:(?!${UNSPACED_CHAR.source})[\\p{L}\\p{M}\\p{N}])+`,
  'gu',
);

/** The words of `text` that `query` matches, in order, `limit` at most. */
export function matchSpans(text: string, query: string, limit = Infinity): Span[] {
  const terms = queryTerms(query);
  const spans: Span[] = [];
  if (terms.length === 0) return spans;
  for (const found of text.matchAll(WORD)) {
    const word = found[0];
    if (wordsOf(word).some((form) => terms.some((term) => form.startsWith(term)))) {
      spans.push({ start: found.index, end: found.index + word.length });
      if (spans.length >= limit) break;
    }
  }
  return spans;
}
