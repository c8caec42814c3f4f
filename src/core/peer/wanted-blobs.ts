/**
 * The blobs this device waits for: photos a screen asked for that the store does not hold yet.
 *
 * A read that finds no blob wants it (`heldOrWanted`); sync fetches what is wanted from whichever
 * peer holds it (`wanted`, `onWant`: the mesh's `BlobPort`) and hands it back through `receive`,
 * which checks it against its id before storing it. The tabs of one browser profile share one
 * store and their wants (`tabs/tab-link.ts`): a blob another tab stored is no longer wanted here.
 * Each arrival is told to `arrived`, so what waits on it reads it again.
 */
import { checkBlob, isBlobId } from '../crypto/blobs.ts';
import { createLogger } from '../log.ts';
import type { StorageAdapter } from '../store/storage-adapter.ts';

const log = createLogger('peer:blobs');

/** The blob half of the store the wants need. */
export type BlobStore = Pick<StorageAdapter, 'getBlob' | 'putBlob' | 'hasBlob'>;

/** One device's wanted blobs (module doc). */
export class WantedBlobs {
  private readonly ids = new Set<string>();
  private readonly wantListeners = new Set<(id: string) => void>();
  private readonly receivedListeners = new Set<(id: string) => void>();

  /** Wants over `store`; `arrived` is called when a wanted or received blob is stored. */
  constructor(
    private readonly store: BlobStore,
    private readonly arrived: () => void,
  ) {}

  /** A blob's stored bytes, checked against their id; else `null`, and the blob is wanted. */
  async heldOrWanted(id: string): Promise<Uint8Array | null> {
    const stored = await this.store.getBlob(id);
    if (stored) {
      checkBlob(id, stored);
      return stored;
    }
    this.want(id);
    return null;
  }

  /** Adds a blob to the wanted set (sync fetches it from whichever peer holds it). */
  want(id: string): void {
    if (this.ids.has(id)) return;
    // Ids come from other people's docs: one that names no blob is dropped here, before the
    // sync layer (which throws on it) sees it.
    if (!isBlobId(id)) {
      log.warn('a photo reference names no blob', { id: id.slice(0, 64) });
      return;
    }
    this.ids.add(id);
    for (const listener of this.wantListeners) listener(id);
  }

  /** The blobs wanted now (photos shown but not held yet). */
  wanted(): string[] {
    return [...this.ids];
  }

  /** Calls `listener` with each blob id newly wanted; returns the unsubscribe. */
  onWant(listener: (id: string) => void): () => void {
    this.wantListeners.add(listener);
    return () => this.wantListeners.delete(listener);
  }

  /**
   * Stores a blob received from a peer after checking it matches its address; returns whether
   * it was wanted. Throws `BlobError` for bytes that are not what the id names.
   */
  async receive(id: string, bytes: Uint8Array): Promise<boolean> {
    checkBlob(id, bytes);
    const wasWanted = this.ids.delete(id);
    await this.store.putBlob(id, bytes);
    this.arrived();
    for (const listener of this.receivedListeners) listener(id);
    return wasWanted;
  }

  /** Whether the blob `id` is stored on this device (shared by its tabs). */
  holds(id: string): Promise<boolean> {
    return this.store.hasBlob(id);
  }

  /** Calls `listener` with each blob {@link receive} stored; returns the unsubscribe. */
  onReceived(listener: (id: string) => void): () => void {
    this.receivedListeners.add(listener);
    return () => this.receivedListeners.delete(listener);
  }

  /**
   * Another tab of this profile stored `id` in the store they share: it is no longer wanted
   * here, and what waits for it here reads it again.
   */
  storedByAnotherTab(id: string): void {
    if (this.ids.delete(id)) this.arrived();
  }
}
