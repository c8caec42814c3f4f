/**
 * How much each person's data takes on this device, for Settings: the entry bytes of every log
 * held, summed per author over all their devices. Read through `listLogs`, whose summaries carry
 * each log's byte count, so it costs one small read per log rather than a scan of the entries.
 * Photos are content-addressed blobs shared between posts and are counted apart (`usage()`).
 */
import type { PersonId } from '../ids.ts';
import type { LogSummary, LogStore } from './storage-adapter.ts';

/** One person's share of the store. */
export interface PersonUsage {
  /** Whose logs these are. */
  readonly person: PersonId;
  /** Sum of the held entries' encoded sizes. */
  readonly bytes: number;
}

/** Sums log summaries per author; largest first, ties by person id so the order is stable. */
export function usageByPerson(logs: readonly LogSummary[]): PersonUsage[] {
  const totals = new Map<PersonId, number>();
  for (const log of logs) totals.set(log.author, (totals.get(log.author) ?? 0) + log.bytes);
  return [...totals]
    .map(([person, bytes]) => ({ person, bytes }))
    .sort((a, b) => b.bytes - a.bytes || (a.person < b.person ? -1 : a.person > b.person ? 1 : 0));
}

/** Reads every log summary of `store` and sums them per person. */
export async function readUsageByPerson(store: Pick<LogStore, 'listLogs'>): Promise<PersonUsage[]> {
  return usageByPerson(await store.listLogs());
}
