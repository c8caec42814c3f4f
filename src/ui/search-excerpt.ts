/**
 * What a search result shows of a text: one line of about `length` characters, from the
 * text's start, or from a little before the first word the query matched when that word would
 * not show from the start; the matched words marked. A long post found by a word near its end
 * used to show its first line only, without the word it was found by.
 */
import { matchSpans } from '../core/search/match-spans.ts';
import { foldText } from './fold-text.ts';

/** A piece of an excerpt: marked when the query matched it. */
export interface ExcerptPart {
  readonly text: string;
  readonly marked: boolean;
}

/** Characters kept before the first match when the excerpt cannot start at the beginning. */
const LEAD = 30;

/** The excerpt of `text` for `query` (an empty query marks nothing). */
export function searchExcerpt(text: string, query: string, length = 160): ExcerptPart[] {
  const flat = text.replace(/\s+/g, ' ').trim();
  const start = excerptStart(flat, matchSpans(flat, query, 1)[0]?.start, length);
  const lead = start > 0 ? '…' : '';
  const { shown, folded } = foldText(flat.slice(start), {
    chars: length - 1 - lead.length,
    lines: 1,
  });
  const parts: ExcerptPart[] = lead ? [{ text: lead, marked: false }] : [];
  let at = 0;
  for (const span of matchSpans(shown, query)) {
    if (span.start > at) parts.push({ text: shown.slice(at, span.start), marked: false });
    parts.push({ text: shown.slice(span.start, span.end), marked: true });
    at = span.end;
  }
  if (at < shown.length) parts.push({ text: shown.slice(at), marked: false });
  if (folded) parts.push({ text: '…', marked: false });
  return parts;
}

/** The excerpt of `text` as plain text, from its start: a line that says which post. */
export function plainExcerpt(text: string, length: number): string {
  return searchExcerpt(text, '', length)
    .map((part) => part.text)
    .join('');
}

/**
 * Where the excerpt starts: 0 when the first match (if any) ends within the line, else after a
 * space about {@link LEAD} characters before it (or right there when no space is near), never
 * inside a surrogate pair.
 */
function excerptStart(flat: string, match: number | undefined, length: number): number {
  if (match === undefined || match + LEAD < length - LEAD) return 0;
  const from = match - LEAD;
  const space = flat.lastIndexOf(' ', from);
  let start = space >= from - LEAD ? space + 1 : from;
  if (/[\uDC00-\uDFFF]/.test(flat[start] ?? '')) start++;
  return start;
}
