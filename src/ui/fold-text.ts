/**
 * "See more": a long post shows its beginning until the reader unfolds it. The fold falls at a
 * space (a word, a link or an `@Name` is never cut in two when a space is near) and never
 * inside a UTF-16 surrogate pair.
 */

/** How much of a text shows folded. */
export interface FoldLimits {
  /** Characters (UTF-16 code units) shown at most. */
  readonly chars: number;
  /** Lines shown at most. */
  readonly lines: number;
}

/** What a post shows folded: the text itself, or its beginning when `folded`. */
export interface Folded {
  readonly shown: string;
  readonly folded: boolean;
}

/** A post's text folds past 600 characters or 8 lines. */
export const POST_FOLD: FoldLimits = { chars: 600, lines: 8 };

/** The end of the `lines`-th line of `text` (the index of its line break), or -1. */
function endOfLine(text: string, lines: number): number {
  let at = -1;
  for (let i = 0; i < lines; i++) {
    at = text.indexOf('\n', at + 1);
    if (at === -1) return -1;
  }
  return at;
}

/** Folds `text` to what `limits` allow. */
export function foldText(text: string, limits: FoldLimits = POST_FOLD): Folded {
  const lineEnd = endOfLine(text, limits.lines);
  let cut = Math.min(text.length, limits.chars, lineEnd === -1 ? Infinity : lineEnd);
  if (cut >= text.length) return { shown: text, folded: false };
  // Back to the last space if one is near (within the last fifth); else cut where it is.
  const space = text.slice(0, cut + 1).search(/\s\S*$/);
  if (space > cut * 0.8) cut = space;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return { shown: text.slice(0, cut).trimEnd(), folded: true };
}
