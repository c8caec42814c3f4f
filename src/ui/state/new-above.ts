/**
 * The "New posts" pill: how many posts a list gained above the ones it showed before (news
 * arriving at the top while the reader is further down). Posts that filled in below, or that
 * came back after a re-read, do not count.
 */

/** The ids in `now` before the first one `before` held, that `before` did not hold. */
export function countNewAbove(before: readonly string[], now: readonly string[]): number {
  if (before.length === 0) return 0;
  const held = new Set(before);
  let count = 0;
  for (const id of now) {
    if (held.has(id)) return count;
    count++;
  }
  // None of the earlier posts is left: the list was replaced, not added to.
  return 0;
}
