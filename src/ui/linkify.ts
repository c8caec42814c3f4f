/**
 * Splits text into plain pieces and web links, so a component can render links as anchors and
 * everything else as text: no HTML is ever built from what people write.
 */

/** A piece of text, or a link to show with its own text. */
export type Piece = { readonly text: string } | { readonly text: string; readonly href: string };

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;
// Punctuation that ends a sentence rather than the link.
const TRAILING = /[.,;:!?)\]}'"]+$/;

/** Splits `text` into pieces; only http(s) URLs become links. */
export function linkify(text: string): Piece[] {
  const pieces: Piece[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const start = match.index;
    const url = match[0].replace(TRAILING, '');
    if (start > last) pieces.push({ text: text.slice(last, start) });
    pieces.push({ text: url, href: safeHref(url) ?? '' });
    last = start + url.length;
  }
  if (last < text.length) pieces.push({ text: text.slice(last) });
  return pieces.map((p) => ('href' in p && p.href === '' ? { text: p.text } : p));
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
