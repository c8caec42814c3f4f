/**
 * The views owed to stored entries (docs/storage.md "Views owed"), kept per log as seq ranges:
 * a batch of 500 entries of one log costs one small record write beside its runs, not 500 (one
 * record per entry cost IndexedDB ingest about a quarter of its rate). Both whole adapters keep
 * them through these functions.
 */
import { SeqRanges, type SeqRange } from '../feed/seq-ranges.ts';
import type { DeviceId, PersonId } from '../ids.ts';
import type { LogPosition, StoredEntry } from './storage-adapter.ts';

/** The seqs of one log whose entries are stored and whose views are not written yet. */
export interface OwedRecord {
  readonly author: PersonId;
  readonly device: DeviceId;
  readonly ranges: readonly SeqRange[];
}

/** Positions grouped by log, in the order their logs first appear. */
export function seqsByLog(
  positions: readonly LogPosition[],
): { author: PersonId; device: DeviceId; seqs: number[] }[] {
  const logs = new Map<string, { author: PersonId; device: DeviceId; seqs: number[] }>();
  for (const { author, device, seq } of positions) {
    const key = `${author}\u0000${device}`;
    const log = logs.get(key) ?? { author, device, seqs: [] };
    log.seqs.push(seq);
    logs.set(key, log);
  }
  return [...logs.values()];
}

/** `record` (none: an empty one) with `seqs` owed as well. */
export function owedAdding(
  record: OwedRecord | undefined,
  author: PersonId,
  device: DeviceId,
  seqs: readonly number[],
): OwedRecord {
  const set = SeqRanges.of(...(record?.ranges ?? []));
  for (const seq of seqs) set.add(seq);
  return { author, device, ranges: [...set.ranges()] };
}

/** `record` without `seqs`; null when its log owes nothing any more. */
export function owedRemoving(record: OwedRecord, seqs: readonly number[]): OwedRecord | null {
  const set = SeqRanges.of(...record.ranges);
  for (const seq of seqs) set.delete(seq);
  return set.count === 0 ? null : { ...record, ranges: [...set.ranges()] };
}

/** Log order of two logs: by author, then device. */
export function compareLogs(
  a: { author: PersonId; device: DeviceId },
  b: { author: PersonId; device: DeviceId },
): number {
  if (a.author !== b.author) return a.author < b.author ? -1 : 1;
  if (a.device !== b.device) return a.device < b.device ? -1 : 1;
  return 0;
}

/**
 * Up to `limit` owed entries in log order from just past `after`, read range by range through
 * `getEntries`, from `records` in log order. Owed seqs whose entry is no longer held (pruned,
 * dropped whole by a cover) come back as `gone`, for the caller to forget.
 */
export async function readOwed(
  records: readonly OwedRecord[],
  limit: number,
  after: LogPosition | undefined,
  getEntries: (
    author: PersonId,
    device: DeviceId,
    fromSeq: number,
    toSeq: number,
  ) => Promise<StoredEntry[]>,
): Promise<{ entries: StoredEntry[]; gone: LogPosition[] }> {
  const entries: StoredEntry[] = [];
  const gone: LogPosition[] = [];
  for (const record of records) {
    const order = after ? compareLogs(record, after) : 1;
    if (order < 0) continue;
    const lowest = order === 0 ? after!.seq + 1 : 1;
    for (const range of record.ranges) {
      let from = Math.max(range.start, lowest);
      while (from <= range.end) {
        if (entries.length >= limit) return { entries, gone };
        const to = Math.min(range.end, from + (limit - entries.length) - 1);
        const held = await getEntries(record.author, record.device, from, to);
        const heldSeqs = new Set(held.map((e) => e.seq));
        for (let seq = from; seq <= to; seq++) {
          if (!heldSeqs.has(seq)) gone.push({ author: record.author, device: record.device, seq });
        }
        entries.push(...held);
        from = to + 1;
      }
    }
  }
  return { entries, gone };
}
