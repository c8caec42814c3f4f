/**
 * The blobs this replica wants (photos shown but not held) and which peer each is asked of.
 *
 * A wanted blob is asked of one open session at a time, never of one that already failed it
 * (answered `blob-missing`, sent bytes that are not the blob, or closed mid-transfer), each
 * session taking at most `maxBlobRequests` at once; when a session fails, the blob is asked of
 * the next. A transfer cut short starts again from its first byte with the next peer (blobs are
 * at most 8 MiB and photos far smaller, so resuming at an offset is not worth its protocol).
 * A blob every open session failed waits for a new session. Verified blobs go to the app's
 * `receive` (the peer's `blobs.receive`), then leave the wanted set.
 */
import { fromBase64Url } from '../bytes.ts';
import { BlobError, type BlobId } from '../crypto/blobs.ts';
import { createLogger } from '../log.ts';
import type { LogStore } from '../store/storage-adapter.ts';
import type { BlobFailure, SyncSession } from './sync-session.ts';

const log = createLogger('sync:blobs');

/** Where a wanted blob stands, for the UI's progress display. */
export interface BlobProgress {
  readonly id: BlobId;
  /**
   * `waiting`: no peer is being asked (none is connected, or every connected one lacks it);
   * `fetching`: a peer is asked or sending; `done`: stored (the last report for this id).
   */
  readonly state: 'waiting' | 'fetching' | 'done';
  /** Bytes received from the peer now sending it (0 again when another peer takes over). */
  readonly bytesReceived: number;
  /** The blob's size, once a peer started sending it. */
  readonly total?: number;
  /** The peer asked (its session label), while `fetching`. */
  readonly from?: string;
}

/** What the fetcher needs from its engine. */
export interface BlobFetcherDeps {
  readonly store: LogStore;
  /** Stores a verified blob (the app passes the peer's `blobs.receive`). */
  readonly receive: (id: BlobId, bytes: Uint8Array) => Promise<unknown>;
  /** The open sessions, in the order they are asked. */
  readonly sessions: () => Iterable<SyncSession>;
}

interface Wanted {
  readonly id: BlobId;
  /** Sessions that failed this blob. */
  readonly failed: WeakSet<SyncSession>;
  /** Still checking whether the store holds it already. */
  checking: boolean;
  session?: SyncSession;
  bytesReceived: number;
  total?: number;
}

/** Fetches wanted blobs from whichever connected peers hold them. */
export class BlobFetcher {
  private readonly wanted = new Map<BlobId, Wanted>();
  private readonly listeners = new Set<(progress: BlobProgress) => void>();
  private checks = 0;
  private stopped = false;

  /** A fetcher over its engine's store and sessions. */
  constructor(private readonly deps: BlobFetcherDeps) {}

  /**
   * Adds blobs to fetch; ids already wanted are left as they are. Throws `BlobError('bad-id')`,
   * wanting none of them, when an id does not name a blob (ids come from peers' posts).
   */
  want(ids: Iterable<string>): void {
    const list = [...ids];
    for (const id of list) {
      let hash: Uint8Array;
      try {
        hash = fromBase64Url(id);
      } catch {
        throw new BlobError('bad-id');
      }
      if (hash.length !== 32) throw new BlobError('bad-id');
    }
    for (const id of list as BlobId[]) {
      if (this.wanted.has(id)) continue;
      const entry: Wanted = { id, failed: new WeakSet(), checking: true, bytesReceived: 0 };
      this.wanted.set(id, entry);
      this.checks++;
      void this.checkHeld(entry).finally(() => {
        this.checks--;
      });
    }
  }

  /** Where a wanted blob stands; undefined when it is not wanted (never, or stored since). */
  progress(id: string): BlobProgress | undefined {
    const entry = this.wanted.get(id as BlobId);
    return entry && this.report(entry);
  }

  /** The blobs wanted and not stored yet. */
  get ids(): BlobId[] {
    return [...this.wanted.keys()];
  }

  /** Subscribes to progress of every wanted blob; returns the unsubscribe function. */
  onProgress(listener: (progress: BlobProgress) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** True while checking the store for newly wanted blobs (transfers count in their sessions). */
  get busy(): boolean {
    return this.checks > 0;
  }

  /** Stops asking (the engine is closing). */
  stop(): void {
    this.stopped = true;
  }

  /** Asks sessions with room for the wanted blobs no session is asked for. */
  schedule(): void {
    if (this.stopped) return;
    for (const session of this.deps.sessions()) {
      let room = session.blobCapacity;
      if (room === 0) continue;
      const ids: BlobId[] = [];
      for (const entry of this.wanted.values()) {
        if (room === 0) break;
        if (entry.checking || entry.session || entry.failed.has(session)) continue;
        entry.session = session;
        ids.push(entry.id);
        room--;
      }
      if (ids.length === 0) continue;
      session.requestBlobs(ids);
      for (const id of ids) this.emit(this.wanted.get(id)!);
    }
  }

  /** A session's chunk arrived. */
  chunk(session: SyncSession, id: BlobId, received: number, total: number): void {
    const entry = this.wanted.get(id);
    if (!entry || entry.session !== session) return;
    entry.bytesReceived = received;
    entry.total = total;
    this.emit(entry);
  }

  /** A session delivered a verified blob: hand it to the app, then forget it. */
  async received(session: SyncSession, id: BlobId, bytes: Uint8Array): Promise<void> {
    const entry = this.wanted.get(id);
    try {
      await this.deps.receive(id, bytes);
    } catch (err) {
      // Not stored (quota full ...): another peer may be asked; the session reports the error.
      if (entry) this.failed(session, id, 'closed');
      throw err;
    }
    if (!entry) return;
    this.wanted.delete(id);
    this.done(id, bytes.length);
    this.schedule();
  }

  /** A session will not deliver `id`: ask the next one. */
  failed(session: SyncSession, id: BlobId, why: BlobFailure): void {
    const entry = this.wanted.get(id);
    if (!entry || entry.session !== session) return;
    log.info('blob not fetched from peer', { id, remote: session.remote, why });
    entry.failed.add(session);
    delete entry.session;
    entry.bytesReceived = 0;
    delete entry.total;
    this.schedule();
    if (!entry.session) this.emit(entry);
  }

  private async checkHeld(entry: Wanted): Promise<void> {
    let size: number | undefined;
    try {
      size = await this.deps.store.blobSize(entry.id);
    } catch (err) {
      // Then it is fetched; storing it again is harmless (content-addressed).
      log.warn('could not check the store for a blob', { id: entry.id, error: String(err) });
    }
    entry.checking = false;
    if (size !== undefined) {
      this.wanted.delete(entry.id);
      this.done(entry.id, size);
      return;
    }
    this.schedule();
    if (!entry.session) this.emit(entry);
  }

  private report(entry: Wanted): BlobProgress {
    return {
      id: entry.id,
      state: entry.session ? 'fetching' : 'waiting',
      bytesReceived: entry.bytesReceived,
      ...(entry.total !== undefined ? { total: entry.total } : {}),
      ...(entry.session ? { from: entry.session.remote } : {}),
    };
  }

  private done(id: BlobId, size: number): void {
    for (const listener of this.listeners) {
      listener({ id, state: 'done', bytesReceived: size, total: size });
    }
  }

  private emit(entry: Wanted): void {
    if (this.listeners.size === 0) return;
    const progress = this.report(entry);
    for (const listener of this.listeners) listener(progress);
  }
}
