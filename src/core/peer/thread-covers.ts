/**
 * What a re-published reply's thread entry covers (docs/protocol.md "Covers"). A post's author
 * re-publishes each reply it receives by embedding the reply's entry in an entry of its own
 * thread doc. When the reply is edited or deleted, its writer's new whole state covers the
 * reply's earlier entries, but the author's copies of them sit in entries of another log, which
 * those covers cannot reach. So the thread entry embedding the new state covers, in turn, the
 * author's own thread entries that embed entries the new state covers: every honest store then
 * drops those copies too, and the edited-away or deleted text is served by nobody.
 */
import { decodeAnyEntry, MAX_COVERS, type EntryPosition } from '../feed/entry-codec.ts';
import type { DocId, PersonId } from '../ids.ts';
import type { StorageAdapter, StoredEntry } from '../store/storage-adapter.ts';

/** Key of a position of one author's logs. */
function at(device: string, seq: number): string {
  return `${device}/${seq}`;
}

/**
 * The entries of `me`'s thread doc `threadDocId` that embed an entry `reply` covers (same writer),
 * to be covered by the thread entry that embeds `reply`.
 */
export async function threadCovers(
  store: StorageAdapter,
  me: PersonId,
  threadDocId: DocId,
  reply: StoredEntry,
): Promise<EntryPosition[]> {
  const covered = new Set(decodeAnyEntry(reply.bytes).covers.map((c) => at(c.device, c.seq)));
  if (covered.size === 0) return [];
  const found: EntryPosition[] = [];
  for (const held of await store.getDocEntries(me, threadDocId)) {
    // A thread entry already covered holds no payload: nothing left to drop.
    const { payload } = decodeAnyEntry(held.bytes);
    if (payload === undefined) continue;
    const embedded = decodeAnyEntry(payload);
    if (embedded.author === reply.author && covered.has(at(embedded.device, embedded.seq))) {
      found.push({ device: held.device, seq: held.seq });
    }
  }
  // The encoder orders them; beyond its cap the rest keep their payloads (kept, never lost).
  return found.slice(-MAX_COVERS);
}
