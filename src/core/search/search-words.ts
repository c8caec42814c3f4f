/**
 * How texts and queries are cut into words, for the search index (`search-index.ts`) and for
 * marking in a result what a query matched (`match-spans.ts`): one encoder for both, so what is
 * marked is what was found.
 */
import { Encoder } from 'flexsearch';

/** Longest query looked up (a pasted page is cut; nobody types more). */
export const MAX_QUERY_LENGTH = 200;
/** Longest word kept (a longer one is found by its first letters). */
const MAX_WORD = 40;
/** Most distinct words kept of one text (a 10,000-character post has far fewer). */
const MAX_WORDS = 2_000;
/** Query words read at most (the rest of a long query is ignored). */
const MAX_TERMS = 8;

/**
 * Han and kana are written without spaces between words: each character becomes a word of its
 * own (a unigram index, the usual answer for CJK without a dictionary), so `東京` finds
 * `東京で会いましょう`. Hangul is spaced and stays whole words.
 */
export const UNSPACED_CHAR = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/u;
const UNSPACED = new RegExp(`(${UNSPACED_CHAR.source})`, 'gu');

/**
 * Lower case, compatibility forms folded and accents dropped (`normalize`: NFKD without
 * combining marks, so `é` matches `e` and `ｆｕｌｌ` matches `full`), unspaced scripts cut per
 * character, numbers kept whole. The same encoder reads texts and queries.
 */
const encoder = new Encoder({
  normalize: true,
  dedupe: false,
  numeric: false,
  prepare: (text) => text.replace(UNSPACED, ' $1 '),
});

/** The distinct words of `text` as the index keeps them. */
export function wordsOf(text: string): string[] {
  const words = new Set<string>();
  for (const word of encoder.encode(text)) {
    if (word === '') continue;
    words.add(word.slice(0, MAX_WORD));
    if (words.size === MAX_WORDS) break;
  }
  return [...words];
}

/**
 * The words a query looks for: each finds the indexed words it begins (the last one may be a
 * part typed so far). None for an empty query.
 */
export function queryTerms(query: string): string[] {
  return wordsOf(query.slice(0, MAX_QUERY_LENGTH)).slice(0, MAX_TERMS);
}
