/**
 * Splits text into plain pieces, web links and mentions, so a component can render links and
 * mentions as anchors and everything else as text: no HTML is ever built from what people write.
 */
import type { PersonId } from '../core/ids.ts';
import { findMentions, type MentionCandidate } from './mentions.ts';

/** A piece of text, a link to show with its own text, or a mention of a person. */
export type Piece =
  | { readonly text: string }
  | { readonly text: string; readonly href: string }
  | { readonly text: string; readonly person: PersonId };

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;
// Punctuation that ends a sentence rather than the link.
const TRAILING = /[.,;:!?)\]}'"]+$/;

/**
 * Splits `text` into pieces: http(s) URLs become links, and the `@Name` of each of `mentions`
 * (the people the post or comment says it mentions, with their names) becomes a mention. An
 * `@Name` inside a URL stays part of the URL.
 */
export function linkify(text: string, mentions: readonly MentionCandidate[] = []): Piece[] {
  const pieces: Piece[] = [];
  let last = 0;
  const plain = (end: number) => {
    if (end > last) pieces.push(...mentionPieces(text.slice(last, end), mentions));
  };
  for (const match of text.matchAll(URL_PATTERN)) {
    const start = match.index;
    const url = match[0].replace(TRAILING, '');
    plain(start);
    const href = safeHref(url);
    pieces.push(href ? { text: url, href } : { text: url });
    last = start + url.length;
  }
  plain(text.length);
  return merge(pieces);
}

function mentionPieces(text: string, mentions: readonly MentionCandidate[]): Piece[] {
  const pieces: Piece[] = [];
  let last = 0;
  for (const span of findMentions(text, mentions)) {
    if (span.start > last) pieces.push({ text: text.slice(last, span.start) });
    pieces.push({ text: text.slice(span.start, span.end), person: span.person.id });
    last = span.end;
  }
  if (last < text.length) pieces.push({ text: text.slice(last) });
  return pieces;
}

// Adjacent plain pieces (a refused URL next to text) read as one.
function merge(pieces: Piece[]): Piece[] {
  const out: Piece[] = [];
  for (const piece of pieces) {
    const prev = out.at(-1);
    if (prev && isPlain(prev) && isPlain(piece))
      out[out.length - 1] = { text: prev.text + piece.text };
    else out.push(piece);
  }
  return out;
}

function isPlain(piece: Piece): boolean {
  return !('href' in piece) && !('person' in piece);
}

function safeHref(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    // Not a URL after all: it stays text.
    return null;
  }
}
