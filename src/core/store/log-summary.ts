/**
 * The per-log summary record (ranges held, entry count, bytes) and how a batch of entries
 * changes it. Shared by every adapter so that they agree to the byte; each adapter writes the
 * new summary in the same transaction as the entries it describes.
 */
import { SeqRanges, type SeqRange } from '../feed/seq-ranges.ts';
import type { DeviceId, PersonId } from '../ids.ts';
import { recordBytes, type HeldRecord } from './covers.ts';
import { EntryConflictError } from './errors.ts';
import type { LogSummary, StoredEntry } from './storage-adapter.ts';

/** The entries of one batch that belong to one log, without duplicates. */
export interface LogBatch {
  /** The log's author. */
  readonly author: PersonId;
  /** The log's device. */
  readonly device: DeviceId;
  /** Entries of this log in the batch, one per seq. */
  readonly entries: StoredEntry[];
}

/**
 * Splits a batch by log and drops repeats of an identical entry. Two entries of the batch at
 * one position with different hashes throw `EntryConflictError`.
 */
export function groupByLog(entries: readonly StoredEntry[]): LogBatch[] {
  const logs = new Map<string, { batch: LogBatch; bySeq: Map<number, StoredEntry> }>();
  for (const entry of entries) {
    // Ids are base64url, so a NUL cannot occur inside one and the key is unambiguous.
    const key = `${entry.author}\u0000${entry.device}`;
    let log = logs.get(key);
    if (!log) {
      log = {
        batch: { author: entry.author, device: entry.device, entries: [] },
        bySeq: new Map(),
      };
      logs.set(key, log);
    }
    const seen = log.bySeq.get(entry.seq);
    if (seen) {
      if (seen.hash !== entry.hash) throw new EntryConflictError(entry);
      continue;
    }
    log.bySeq.set(entry.seq, entry);
    log.batch.entries.push(entry);
  }
  return [...logs.values()].map((l) => l.batch);
}

/**
 * The summary after adding `added` (records at positions not held before) to a log, and after
 * held records shrank by `shrunkBytes` (payloads dropped by covers).
 */
export function summaryWith(
  summary: LogSummary | undefined,
  author: PersonId,
  device: DeviceId,
  added: readonly HeldRecord[],
  shrunkBytes = 0,
): LogSummary {
  let bytes = (summary?.bytes ?? 0) - shrunkBytes;
  const held = SeqRanges.of(...(summary?.ranges ?? []));
  for (const e of added) {
    bytes += recordBytes(e);
    held.add(e.seq);
  }
  return {
    author,
    device,
    // Plain objects: the record must survive IndexedDB's structured clone unchanged.
    ranges: held.ranges().map((r) => ({ start: r.start, end: r.end })),
    entries: (summary?.entries ?? 0) + added.length,
    bytes,
  };
}

/**
 * The summary after dropping every entry below `keepFromSeq`, given what was dropped; undefined
 * when nothing of the log is left (the record is then deleted).
 */
export function summaryFrom(
  summary: LogSummary,
  keepFromSeq: number,
  dropped: { entries: number; bytes: number },
): LogSummary | undefined {
  const ranges: SeqRange[] = [];
  for (const r of summary.ranges) {
    if (r.end >= keepFromSeq) ranges.push({ start: Math.max(r.start, keepFromSeq), end: r.end });
  }
  if (ranges.length === 0) return undefined;
  return {
    ...summary,
    ranges,
    entries: summary.entries - dropped.entries,
    bytes: summary.bytes - dropped.bytes,
  };
}
