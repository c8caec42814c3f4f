/**
 * Set arithmetic on sorted, disjoint seq ranges, as sync needs it: what the remote holds minus
 * what is held here, cut above or below a seq. Inputs are the ascending, non-overlapping lists
 * that `SeqRanges.ranges()` and the store's `heldRanges` return; outputs have the same shape.
 */
import type { SeqRange } from '../feed/seq-ranges.ts';

/** The seqs in `a` that are not in `b`. */
export function subtractRanges(a: readonly SeqRange[], b: readonly SeqRange[]): SeqRange[] {
  const out: SeqRange[] = [];
  let j = 0;
  for (const r of a) {
    let start = r.start;
    while (j < b.length && b[j]!.end < start) j++;
    let k = j;
    while (start <= r.end) {
      const cut = b[k];
      if (!cut || cut.start > r.end) {
        out.push({ start, end: r.end });
        break;
      }
      if (cut.start > start) out.push({ start, end: cut.start - 1 });
      start = cut.end + 1;
      k++;
    }
  }
  return out;
}

/** The seqs in both `a` and `b`. */
export function intersectRanges(a: readonly SeqRange[], b: readonly SeqRange[]): SeqRange[] {
  const out: SeqRange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const start = Math.max(x.start, y.start);
    const end = Math.min(x.end, y.end);
    if (start <= end) out.push({ start, end });
    if (x.end < y.end) i++;
    else j++;
  }
  return out;
}

/** The seqs of `ranges` that are >= `from`. */
export function rangesFrom(ranges: readonly SeqRange[], from: number): SeqRange[] {
  const out: SeqRange[] = [];
  for (const r of ranges) {
    if (r.end < from) continue;
    out.push({ start: Math.max(r.start, from), end: r.end });
  }
  return out;
}

/** The seqs of `ranges` that are <= `to`. */
export function rangesUpTo(ranges: readonly SeqRange[], to: number): SeqRange[] {
  const out: SeqRange[] = [];
  for (const r of ranges) {
    if (r.start > to) break;
    out.push({ start: r.start, end: Math.min(r.end, to) });
  }
  return out;
}

/** Number of seqs in `ranges`. */
export function countRanges(ranges: readonly SeqRange[]): number {
  let n = 0;
  for (const r of ranges) n += r.end - r.start + 1;
  return n;
}

/** `ranges` keeping only the newest `max` ranges (lists sent to a peer are capped). */
export function newestRanges(ranges: readonly SeqRange[], max: number): SeqRange[] {
  return ranges.slice(Math.max(0, ranges.length - max));
}

/** The seqs in `a` or `b` (adjacent ranges merged). */
export function unionRanges(a: readonly SeqRange[], b: readonly SeqRange[]): SeqRange[] {
  const out: SeqRange[] = [];
  for (const r of [...a, ...b].sort((x, y) => x.start - y.start)) {
    const last = out.at(-1);
    if (last && r.start <= last.end + 1)
      out[out.length - 1] = { start: last.start, end: Math.max(last.end, r.end) };
    else out.push({ ...r });
  }
  return out;
}

/** The newest `count` seqs of `ranges` (a page of a newest-first request). */
export function newestSeqs(ranges: readonly SeqRange[], count: number): SeqRange[] {
  const out: SeqRange[] = [];
  let left = count;
  for (let i = ranges.length - 1; i >= 0 && left > 0; i--) {
    const r = ranges[i]!;
    const start = Math.max(r.start, r.end - left + 1);
    out.unshift({ start, end: r.end });
    left -= r.end - start + 1;
  }
  return out;
}

/** The oldest `count` seqs of `ranges` (a page of an oldest-first request). */
export function oldestSeqs(ranges: readonly SeqRange[], count: number): SeqRange[] {
  const out: SeqRange[] = [];
  let left = count;
  for (const r of ranges) {
    if (left <= 0) break;
    const end = Math.min(r.end, r.start + left - 1);
    out.push({ start: r.start, end });
    left -= end - r.start + 1;
  }
  return out;
}
