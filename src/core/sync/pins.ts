/**
 * An author's pins: the entries a newcomer needs whatever the size of the author's history,
 * sent with the first newest-first answer (design guide section 4): the latest entry of each
 * small mutable doc (`profile`, `friends`; each entry carries its doc's whole state) and the
 * latest entry of every key record (`epoch/<n>`), so a new friend's name and keys arrive with
 * the recent posts.
 */
import type { DocId, PersonId } from '../ids.ts';
import type { LogStore, StoredEntry } from '../store/storage-adapter.ts';

/** Where a replica finds an author's pins; the store's own index implements it. */
export interface PinSource {
  /** The author's pins held here (any order; empty when none). */
  pins(author: PersonId): Promise<StoredEntry[]>;
}

const PINNED_DOC =
  /^(profile|friends|revocations|epoch\/(0|[1-9][0-9]{0,9})|certificate\/[A-Za-z0-9_-]{43})$/;

/** Whether entries of `docId` are pins. */
export function isPinnedDoc(docId: DocId | string): boolean {
  return PINNED_DOC.test(docId);
}

/** The newest of `entries` (of one doc) of each device that wrote them. */
export function newestOfEachDevice(entries: readonly StoredEntry[]): StoredEntry[] {
  const latest = new Map<string, StoredEntry>();
  for (const e of entries) {
    const seen = latest.get(e.device);
    if (!seen || e.seq > seen.seq) latest.set(e.device, e);
  }
  return [...latest.values()];
}

/** Most key-record epochs looked up for one author (epochs are numbered 0, 1, 2 ... in order). */
const MAX_EPOCHS = 10_000;

/**
 * Pins read through the store's doc index (`getDocEntries`): cost follows the number of pinned
 * entries, not the length of the author's history. Keeps each device's latest entry per doc.
 */
export class DocIndexPinSource implements PinSource {
  /** Reads `store`. */
  constructor(private readonly store: LogStore) {}

  /** See `PinSource`. */
  async pins(author: PersonId): Promise<StoredEntry[]> {
    const out: StoredEntry[] = [];
    const take = async (docId: string): Promise<boolean> => {
      const entries = await this.store.getDocEntries(author, docId as DocId);
      out.push(...newestOfEachDevice(entries));
      return entries.length > 0;
    };
    await take('profile');
    await take('friends');
    for (let epoch = 0; epoch < MAX_EPOCHS && (await take(`epoch/${epoch}`)); epoch++);
    return out;
  }
}
