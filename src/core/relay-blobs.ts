/**
 * The photos a relay carries. A relay reads no post, but a private post's entries list, in
 * clear, the ciphertext blobs its state references (`feed/entry-codec.ts`, `blobIdsOf`): each
 * entry the relay stores makes it want the blobs it lists, and the sync engine fetches them from
 * whichever device holds them (the writer's first of all), so that the relay serves photos to
 * friends as it serves entries. What it still waits for is kept in the store's settings, so a
 * restart asks again.
 *
 * A photo goes with the payload of the entries that list it (`store/covers.ts`: the store deletes
 * it when a covering entry arrives): an entry held without its payload makes nothing wanted, the
 * photos a covering entry releases are wanted no more, and one arriving after it was released
 * (asked before) is not stored.
 */
import type { BlobId } from './crypto/blobs.ts';
import { blobIdsOf, entryHasPayload } from './feed/entry-codec.ts';
import { createLogger } from './log.ts';
import type { BlobPort } from './mesh/ports.ts';
import type { LogStore, StoredEntry } from './store/storage-adapter.ts';
import type { Ingestor } from './sync/ingest.ts';

const log = createLogger('kith:relay-blobs');

/** Setting: the blob ids listed by entries held and not fetched yet. */
const WAITING = 'relay/blobs-waiting';
/** Most blobs waited for at once (the oldest wish goes first). */
const MAX_WAITING = 4096;

/** A relay's photos (module doc). */
export class RelayBlobs implements BlobPort {
  private readonly listeners = new Set<(id: string) => void>();
  private readonly changeListeners = new Set<() => void>();
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    private readonly store: LogStore,
    private readonly waiting: Set<string>,
  ) {}

  /** The relay's photos over `store`, following what `ingestor` stores. */
  static async open(store: LogStore, ingestor: Ingestor): Promise<RelayBlobs> {
    const saved = await store.getSetting(WAITING);
    const ids = Array.isArray(saved) ? saved.filter((id) => typeof id === 'string') : [];
    const blobs = new RelayBlobs(store, new Set(ids));
    ingestor.onStored((entries) => void blobs.listed(entries));
    return blobs;
  }

  /** How many listed photos are not here yet. */
  get waitingCount(): number {
    return this.waiting.size;
  }

  wanted(): string[] {
    return [...this.waiting];
  }

  onWant(listener: (id: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls `listener` when a photo is wanted or arrives. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  async receive(id: string, bytes: Uint8Array): Promise<void> {
    if (!this.waiting.has(id)) return;
    await this.store.putBlob(id, bytes);
    if (this.waiting.delete(id)) this.changed();
  }

  private async listed(entries: readonly StoredEntry[]): Promise<void> {
    try {
      const released = await this.releasedBy(entries);
      for (const id of released) this.waiting.delete(id);
      const fresh: string[] = [];
      for (const entry of entries) {
        if (!entryHasPayload(entry.bytes)) continue;
        for (const id of listedBlobs(entry)) {
          if (this.waiting.has(id) || fresh.includes(id) || (await this.store.hasBlob(id)))
            continue;
          fresh.push(id);
        }
      }
      if (fresh.length === 0) {
        if (released.length > 0) this.changed();
        return;
      }
      for (const id of fresh) this.waiting.add(id);
      for (const oldest of [...this.waiting].slice(0, Math.max(0, this.waiting.size - MAX_WAITING)))
        this.waiting.delete(oldest);
      this.changed();
      for (const id of fresh) for (const listener of this.listeners) listener(id);
    } catch (error) {
      log.error('could not note the photos of stored entries', { error: String(error) });
    }
  }

  /**
   * The photos listed by entries `entries` cover and not by the covering entry itself: the store
   * deleted those it held; those not fetched yet are not to be.
   */
  private async releasedBy(entries: readonly StoredEntry[]): Promise<string[]> {
    const released: string[] = [];
    for (const entry of entries) {
      const kept = new Set(entryHasPayload(entry.bytes) ? listedBlobs(entry) : []);
      for (const c of entry.covers ?? []) {
        const covered = await this.store.getEntry(entry.author, c.device, c.seq);
        // A cover naming another doc drops nothing (`store/covers.ts`).
        if (covered?.docId !== entry.docId) continue;
        for (const id of blobIdsOf(covered.bytes)) if (!kept.has(id)) released.push(id);
      }
    }
    return released.filter((id) => this.waiting.has(id));
  }

  private changed(): void {
    const ids = [...this.waiting];
    this.saving = this.saving
      .then(() => this.store.setSetting(WAITING, ids))
      .catch((error: unknown) =>
        log.error('could not save waited photos', { error: String(error) }),
      );
    for (const listener of this.changeListeners) listener();
  }
}

/** The blobs an entry lists: from the decoded entry the ingestor announces, else its bytes. */
function listedBlobs(entry: StoredEntry): readonly BlobId[] {
  const decoded = (entry as { readonly blobs?: readonly BlobId[] }).blobs;
  return decoded ?? blobIdsOf(entry.bytes);
}
