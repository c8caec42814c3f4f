/**
 * Turns the rows of a newest-first read into a `Page`. Adapters read one row more than the
 * limit: its presence is how the page knows that something older is left, so the UI never
 * offers a "more" that then turns out empty.
 */
import type { Page, PageCursor } from './storage-adapter.ts';

/** The page made of up to `limit + 1` rows read newest first. */
export function pageOf<T>(
  rows: readonly T[],
  limit: number,
  cursorOf: (row: T) => PageCursor,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
