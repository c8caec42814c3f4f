/**
 * The Yjs docs this device has open, rebuilt on demand from their stored entries and kept in a
 * small least-recently-used cache. Nothing loads every doc: the timeline is drawn from views,
 * and a doc is opened only to edit it or to update its view when an entry for it arrives.
 */
import type * as Y from 'yjs';
import { parseDocRef } from '../docs/doc-ref.ts';
import { applyOwnerUpdate, newDoc, UpdateApplyError } from '../docs/yjs-change.ts';
import { decodeEntry } from '../feed/entry-codec.ts';
import type { DocId, PersonId } from '../ids.ts';
import { createLogger } from '../log.ts';
import type { StoredEntry } from '../store/storage-adapter.ts';
import type { PayloadOpener } from './payloads.ts';

const log = createLogger('kith:docs');

/** Reads the stored entries of one doc (all devices of its owner). */
export type DocEntriesReader = (author: PersonId, docId: DocId) => Promise<StoredEntry[]>;

/** Open docs by (owner, doc id). */
export class DocCache {
  private readonly docs = new Map<string, Y.Doc>();

  constructor(
    private readonly readEntries: DocEntriesReader,
    private readonly opener: PayloadOpener,
    /** This device's Yjs client id, used for the docs it writes (its owner's). */
    private readonly clientId: number,
    private readonly capacity = 256,
  ) {}

  /** The doc, rebuilt from its entries if it is not open. */
  async get(author: PersonId, docId: DocId): Promise<Y.Doc> {
    const key = `${author} ${docId}`;
    const open = this.docs.get(key);
    if (open) {
      this.docs.delete(key);
      this.docs.set(key, open);
      return open;
    }
    const doc = newDoc(this.clientId);
    const ref = parseDocRef(docId);
    for (const stored of await this.readEntries(author, docId)) {
      const opened = await this.opener.open(decodeEntry(stored.bytes), ref);
      if (opened.kind === 'update') this.applySafely(doc, opened.update, docId);
    }
    this.docs.set(key, doc);
    while (this.docs.size > this.capacity) {
      const oldest = this.docs.keys().next().value as string;
      this.docs.get(oldest)?.destroy();
      this.docs.delete(oldest);
    }
    return doc;
  }

  /** Closes the doc if it is open: the next `get` rebuilds it from what the store gives out. */
  forget(author: PersonId, docId: DocId): void {
    const key = `${author} ${docId}`;
    this.docs.get(key)?.destroy();
    this.docs.delete(key);
  }

  /** Applies an opened update to the doc if it is open (otherwise the next `get` rebuilds it). */
  applyIfOpen(author: PersonId, docId: DocId, update: Uint8Array): void {
    const doc = this.docs.get(`${author} ${docId}`);
    if (doc) this.applySafely(doc, update, docId);
  }

  private applySafely(doc: Y.Doc, update: Uint8Array, docId: DocId): void {
    try {
      applyOwnerUpdate(doc, update);
    } catch (error) {
      if (!(error instanceof UpdateApplyError)) throw error;
      log.warn('skipped a malformed update', { docId, error: error.message });
    }
  }
}
