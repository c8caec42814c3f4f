/**
 * An author's pins: the entries a newcomer needs whatever the size of the author's history,
 * sent with the first newest-first answer (design guide section 4): the latest entry of each
 * small mutable doc (`profile`, `friends`; each entry carries its doc's whole state) and the
 * latest entry of every key record (`epoch/<n>`), so a new friend's name and keys arrive with
 * the recent posts.
 */
import type { DocId, PersonId } from '../ids.ts';
import type { StorageAdapter, StoredEntry } from '../store/storage-adapter.ts';

/** Where a replica finds an author's pins; the store's own index implements it. */
export interface PinSource {
  /** The author's pins held here (any order; empty when none). */
  pins(author: PersonId): Promise<StoredEntry[]>;
}

const PINNED_DOC = /^(profile|friends|epoch\/(0|[1-9][0-9]{0,9}))$/;

/** Whether entries of `docId` are pins. */
export function isPinnedDoc(docId: DocId | string): boolean {
  return PINNED_DOC.test(docId);
}

/**
 * Pins found by reading every held entry of the author: correct but proportional to the
 * history held. For tests and until the store keeps a pin index.
 */
export class ScanPinSource implements PinSource {
  /** Scans `store`. */
  constructor(private readonly store: StorageAdapter) {}

  /** See `PinSource`. */
  async pins(author: PersonId): Promise<StoredEntry[]> {
    const latest = new Map<string, StoredEntry>();
    for (const summary of await this.store.listLogs()) {
      if (summary.author !== author) continue;
      for (const { start, end } of summary.ranges) {
        for (let from = start; from <= end; from += 1024) {
          const chunk = await this.store.getEntries(
            author,
            summary.device,
            from,
            Math.min(end, from + 1023),
          );
          for (const e of chunk) {
            if (!isPinnedDoc(e.docId)) continue;
            const seen = latest.get(e.docId);
            if (!seen || e.timestamp > seen.timestamp) latest.set(e.docId, e);
          }
        }
      }
    }
    return [...latest.values()];
  }
}
