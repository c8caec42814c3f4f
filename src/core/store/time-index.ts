/**
 * A sorted in-memory index of `(createdAt, id)` keys: the memory adapter's stand-in for an
 * IndexedDB index, so its pages are read the same way (seek, then walk one page) and agree
 * with IndexedDB's order (numbers, then strings by UTF-16 code units, as `<` compares them).
 */
import type { PageCursor } from './storage-adapter.ts';

function compare(a: PageCursor, b: PageCursor): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  if (a.id === b.id) return 0;
  return a.id < b.id ? -1 : 1;
}

/** Keys sorted ascending by time, then id. */
export class TimeIndex {
  private readonly keys: PageCursor[] = [];

  /** Adds a key (the caller removes an older key of the same id first). */
  insert(key: PageCursor): void {
    this.keys.splice(this.lowerBound(key), 0, { createdAt: key.createdAt, id: key.id });
  }

  /** Removes a key if present. */
  remove(key: PageCursor): void {
    const i = this.lowerBound(key);
    const found = this.keys[i];
    if (found && compare(found, key) === 0) this.keys.splice(i, 1);
  }

  /** Up to `limit` keys strictly older than `before` (or the newest), newest first. */
  newestFirst(before: PageCursor | undefined, limit: number): PageCursor[] {
    const out: PageCursor[] = [];
    let i = before ? this.lowerBound(before) - 1 : this.keys.length - 1;
    for (; i >= 0 && out.length < limit; i--) out.push(this.keys[i]!);
    return out;
  }

  private lowerBound(key: PageCursor): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(this.keys[mid]!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
