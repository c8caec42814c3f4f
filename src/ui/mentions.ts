/**
 * The logic of `@` mentions, pure so that it is tested without a browser: which `@query` the
 * caret is in, which friends match it, what choosing one does to the text, which chosen mentions
 * the text still holds after edits, and where a text's `@Name`s are (for rendering them as links).
 *
 * A mention lives in two places: the visible `@Name` in the text, and the person's id in the
 * post's or comment's `mentions`. The text is the truth for what survives an edit: a recorded
 * mention whose `@Name` was deleted is not sent.
 */
import { MAX_MENTIONS } from '../core/docs/content-limits.ts';
import type { PersonId } from '../core/ids.ts';

/** Someone who can be mentioned (or was): their id and the name the text shows. */
export interface MentionCandidate {
  readonly id: PersonId;
  readonly name: string;
}

/** The `@query` being typed: `start` is the `@`, `end` the caret. */
export interface MentionQuery {
  readonly start: number;
  readonly end: number;
  /** What follows the `@`, up to the caret. */
  readonly query: string;
}

/** Longest query looked at: past it, the person is typing something else. */
export const MAX_QUERY = 40;
/** Most suggestions shown at once. */
export const MAX_SUGGESTIONS = 8;

// Characters a query (and a name's word) is made of: letters, marks, digits and a few joiners.
const QUERY_CHAR = /[\p{L}\p{M}\p{N}'’._-]/u;
const NAME_CHAR = /[\p{L}\p{M}\p{N}_]/u;

/** The `@query` that ends at `caret`, or `null` when the caret is not in one. */
export function mentionQuery(text: string, caret: number): MentionQuery | null {
  if (caret < 0 || caret > text.length) return null;
  let at = caret;
  while (at > 0 && caret - at <= MAX_QUERY && QUERY_CHAR.test(text.charAt(at - 1))) at--;
  if (at === 0 || text.charAt(at - 1) !== '@' || caret - at > MAX_QUERY) return null;
  const start = at - 1;
  // `a@b` is an address, not a mention: the `@` must begin a word.
  if (start > 0 && !isBoundary(text.charAt(start - 1))) return null;
  const query = text.slice(at, caret);
  if (!/^\p{L}/u.test(query)) return null;
  return { start, end: caret, query };
}

/**
 * The candidates whose name, or a word of it, starts with `query` (case-insensitive), those
 * whose whole name starts with it first, then by name; at most `limit`.
 */
export function matchCandidates(
  candidates: readonly MentionCandidate[],
  query: string,
  limit = MAX_SUGGESTIONS,
): MentionCandidate[] {
  const q = fold(query);
  if (!q) return [];
  const scored: { candidate: MentionCandidate; rank: number }[] = [];
  for (const candidate of candidates) {
    const name = fold(candidate.name);
    if (name.startsWith(q)) scored.push({ candidate, rank: 0 });
    else if (name.split(/\s+/).some((word) => word.startsWith(q)))
      scored.push({ candidate, rank: 1 });
  }
  return scored
    .sort((a, b) => a.rank - b.rank || a.candidate.name.localeCompare(b.candidate.name))
    .slice(0, limit)
    .map((s) => s.candidate);
}

/**
 * Replaces the `@query` with `@Name ` (one space after it, reusing one already there); returns
 * the text and the caret, after that space.
 */
export function insertMention(
  text: string,
  query: MentionQuery,
  candidate: MentionCandidate,
): { text: string; caret: number } {
  const before = text.slice(0, query.start);
  const after = text.slice(query.end);
  const mention = `@${candidate.name}`;
  const rest = after.startsWith(' ') ? after : ` ${after}`;
  return { text: before + mention + rest, caret: before.length + mention.length + 1 };
}

/** Where one `@Name` of a known person stands in a text. */
export interface MentionSpan {
  readonly start: number;
  readonly end: number;
  readonly person: MentionCandidate;
}

/**
 * The `@Name`s of `people` in `text`, in order. A name matches only as a whole (`@Bob` is not
 * in `@Bobby`) and after a word boundary; where two names match at one place, the longer wins.
 */
export function findMentions(text: string, people: readonly MentionCandidate[]): MentionSpan[] {
  const named = people
    .filter((p) => p.name.trim().length > 0)
    .sort((a, b) => b.name.length - a.name.length);
  if (named.length === 0) return [];
  const spans: MentionSpan[] = [];
  let from = 0;
  for (;;) {
    const at = text.indexOf('@', from);
    if (at < 0) return spans;
    from = at + 1;
    if (at > 0 && !isBoundary(text.charAt(at - 1))) continue;
    const person = named.find((p) => {
      const end = at + 1 + p.name.length;
      return text.startsWith(p.name, at + 1) && !NAME_CHAR.test(text.charAt(end));
    });
    if (!person) continue;
    const end = at + 1 + person.name.length;
    spans.push({ start: at, end, person });
    from = end;
  }
}

/**
 * Which recorded mentions the text still holds (its `@Name` is still there), each person once
 * and at most {@link MAX_MENTIONS}: the list to send with the post or comment.
 */
export function liveMentions(
  text: string,
  recorded: readonly MentionCandidate[],
): MentionCandidate[] {
  const out = new Map<PersonId, MentionCandidate>();
  for (const span of findMentions(text, recorded)) {
    if (!out.has(span.person.id)) out.set(span.person.id, span.person);
  }
  return [...out.values()].slice(0, MAX_MENTIONS);
}

/**
 * People as candidates, named by `nameOf`; those whose name is not known yet (`…` while it
 * loads) are left out, since their `@Name` could not be written.
 */
export function namedCandidates(
  ids: Iterable<string>,
  nameOf: (id: PersonId) => string,
): MentionCandidate[] {
  const out: MentionCandidate[] = [];
  for (const id of ids) {
    const name = nameOf(id as PersonId);
    if (name !== '…') out.push({ id: id as PersonId, name });
  }
  return out;
}

function isBoundary(char: string): boolean {
  return !NAME_CHAR.test(char) && char !== '@';
}

function fold(text: string): string {
  return text.trim().toLocaleLowerCase();
}
