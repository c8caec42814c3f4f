/**
 * What an entry holding a post's whole state covers (entries v2, docs/protocol.md "Covers").
 *
 * Every write of one's own post signs the doc's whole, garbage-collected state (a deletion: the
 * tombstone, its text gone), so it makes each earlier entry of the doc redundant: it names them,
 * and every honest store then drops their payloads (`store/covers.ts`), so an edited-away or
 * deleted text is never served again. Only entries whose updates the signed state holds may be
 * named (a Yjs update builds on the ones before it): the entries are read first and the doc is
 * rebuilt from the store after, so it holds at least every entry named, even one another device
 * of this person wrote that reached the store but not yet the open doc.
 */
import { MAX_COVERS, type EntryPosition } from '../feed/entry-codec.ts';
import type { DocId, PersonId } from '../ids.ts';
import type { StorageAdapter } from '../store/storage-adapter.ts';
import type { DocCache } from './doc-cache.ts';

/**
 * The entries of `author`'s doc still holding a payload, to be covered by the next write of it;
 * closes the open doc so that the write rebuilds it from the store. Beyond `MAX_COVERS` the
 * oldest stay uncovered (kept, never lost).
 */
export async function coversForWholeState(
  store: StorageAdapter,
  docs: DocCache,
  author: PersonId,
  docId: DocId,
): Promise<EntryPosition[]> {
  const held = await store.getDocEntries(author, docId);
  if (held.length === 0) return [];
  docs.forget(author, docId);
  return held
    .sort((a, b) => a.timestamp - b.timestamp)
    .slice(-MAX_COVERS)
    .map((e) => ({ device: e.device, seq: e.seq }));
}
