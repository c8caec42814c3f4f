/**
 * The Yjs docs this device has open, rebuilt on demand from their stored entries and kept in a
 * small least-recently-used cache. Nothing loads every doc: the timeline is drawn from views,
 * and a doc is opened only to edit it or to update its view when an entry for it arrives.
 *
 * Every update goes through the doc's caps (its kind's, applied by `docs/doc-caps.ts`): one that would put the doc
 * over its bytes or entries, or add a field its schema does not know, is refused with a typed
 * reason, logged once per doc and reason, and the doc keeps its last valid state.
 */
import { CappedDoc, type DocRefusal } from '../docs/doc-caps.ts';
import { docCaps, parseDocRef } from '../kinds/registry.ts';
import { newDoc } from '../docs/yjs-change.ts';
import type * as Y from 'yjs';
import { decodeEntry } from '../feed/entry-codec.ts';
import type { DocId, EntryHash, PersonId } from '../ids.ts';
import { createLogger } from '../log.ts';
import type { StoredEntry } from '../store/storage-adapter.ts';
import type { PayloadOpener } from './payloads.ts';

const log = createLogger('kith:docs');

/** Reads the stored entries of one doc (all devices of its owner). */
export type DocEntriesReader = (author: PersonId, docId: DocId) => Promise<StoredEntry[]>;

/** What a doc that is not open may be rebuilt from, instead of reading and opening it anew. */
export interface DocSource {
  /** The doc's stored entries, read ahead (for a whole batch at once); omitted: read now. */
  readonly entries?: readonly StoredEntry[];
  /** Updates already opened, by entry hash: neither decoded nor decrypted again. */
  readonly opened: ReadonlyMap<EntryHash, Uint8Array>;
}

/**
 * The client id a doc is rebuilt under. Nothing is written while it is set, and it is replaced
 * once the rebuild is done, so a device that happens to write as 0 changes nothing.
 */
const REBUILD_CLIENT_ID = 0;

/** Most docs whose last refusal is remembered (so each is logged once). */
const MAX_REMEMBERED_REFUSALS = 1_024;

/** Open docs by (owner, doc id). */
export class DocCache {
  private readonly docs = new Map<string, CappedDoc>();
  private readonly refusals = new Map<string, DocRefusal>();

  constructor(
    private readonly readEntries: DocEntriesReader,
    private readonly opener: PayloadOpener,
    /** This device's Yjs client id, used for the docs it writes (its owner's). */
    private readonly clientId: number,
    private readonly capacity = 256,
  ) {}

  /** The doc, rebuilt from its entries (or from `source`) if it is not open. */
  async get(author: PersonId, docId: DocId, source?: DocSource): Promise<Y.Doc> {
    const key = `${author} ${docId}`;
    const open = this.docs.get(key);
    if (open) {
      this.docs.delete(key);
      this.docs.set(key, open);
      return open.doc;
    }
    const ref = parseDocRef(docId);
    // Rebuilt under a throwaway id, then given this device's: applying this device's own
    // earlier updates under its own id reads to Yjs as another client using that id, and Yjs
    // would draw a new random one for the doc. Once the doc holds them, a local edit continues
    // the device's own clock after them.
    const capped = new CappedDoc(newDoc(REBUILD_CLIENT_ID), docCaps(ref));
    for (const stored of source?.entries ?? (await this.readEntries(author, docId))) {
      const known = source?.opened.get(stored.hash);
      if (known) {
        this.applyCapped(capped, key, known);
        continue;
      }
      const opened = await this.opener.open(decodeEntry(stored.bytes), ref);
      if (opened.kind === 'update') this.applyCapped(capped, key, opened.update);
    }
    capped.doc.clientID = this.clientId;
    this.docs.set(key, capped);
    while (this.docs.size > this.capacity) {
      const oldest = this.docs.keys().next().value as string;
      this.docs.get(oldest)?.doc.destroy();
      this.docs.delete(oldest);
    }
    return capped.doc;
  }

  /** Whether the doc is open (a `get` then reads nothing). */
  isOpen(author: PersonId, docId: DocId): boolean {
    return this.docs.has(`${author} ${docId}`);
  }

  /** Closes the doc if it is open: the next `get` rebuilds it from what the store gives out. */
  forget(author: PersonId, docId: DocId): void {
    const key = `${author} ${docId}`;
    this.docs.get(key)?.doc.destroy();
    this.docs.delete(key);
  }

  /** Applies an opened update to the doc if it is open (otherwise the next `get` rebuilds it). */
  applyIfOpen(author: PersonId, docId: DocId, update: Uint8Array): void {
    const key = `${author} ${docId}`;
    const open = this.docs.get(key);
    if (open) this.applyCapped(open, key, update);
  }

  /** Why the last update refused for this doc was refused, if one was (of the last docs). */
  refusal(author: PersonId, docId: DocId): DocRefusal | undefined {
    return this.refusals.get(`${author} ${docId}`);
  }

  private applyCapped(capped: CappedDoc, key: string, update: Uint8Array): void {
    const outcome = capped.apply(update);
    if (outcome.kind !== 'refused') return;
    if (this.refusals.get(key) === outcome.reason) return;
    this.refusals.delete(key);
    this.refusals.set(key, outcome.reason);
    if (this.refusals.size > MAX_REMEMBERED_REFUSALS) {
      this.refusals.delete(this.refusals.keys().next().value as string);
    }
    log.warn('refused an update to a doc', { doc: key, reason: outcome.reason });
  }
}
