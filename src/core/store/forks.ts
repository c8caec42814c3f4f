/**
 * Which logs are forked: a device that signed two different entries at one seq has signed two
 * histories, and from that seq on neither is content (docs/security.md, "Replication"). The
 * store keeps the evidence; this reads it per log, for the UI ("<name>'s device signed two
 * different histories").
 */
import type { DeviceId, PersonId } from '../ids.ts';
import type { LogStore, StoredFork } from './storage-adapter.ts';

/** A forked log and the lowest seq at which its device signed twice. */
export interface ForkedLog {
  readonly author: PersonId;
  readonly device: DeviceId;
  /** Entries at and past it are evidence only: never applied, never used by a view. */
  readonly seq: number;
}

/** Every forked log held here, once each, with its lowest forked seq. */
export async function forkedLogs(store: LogStore): Promise<ForkedLog[]> {
  const byLog = new Map<string, ForkedLog>();
  for (const { first } of await store.listForks()) {
    const key = `${first.author}\u0000${first.device}`;
    const known = byLog.get(key);
    if (!known || first.seq < known.seq) {
      byLog.set(key, { author: first.author, device: first.device, seq: first.seq });
    }
  }
  return [...byLog.values()];
}

/**
 * The lowest seq at which a log's device signed twice, among fork evidence kept in memory (the
 * memory and folder stores keep theirs so), or `undefined` if it never did.
 */
export function lowestForkSeq(
  forks: Iterable<StoredFork>,
  author: PersonId,
  device: DeviceId,
): number | undefined {
  let lowest: number | undefined;
  for (const { first } of forks) {
    if (first.author !== author || first.device !== device) continue;
    if (lowest === undefined || first.seq < lowest) lowest = first.seq;
  }
  return lowest;
}
