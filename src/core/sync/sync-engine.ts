/**
 * The replica's replication: one `Ingestor` (the only way entries enter the store), the
 * interest (which authors are replicated, and how), and the sync sessions, one per transport.
 *
 * Interest (design guide section 4): this person and their friends in full; friends' friends as
 * a recent window, within `windowQuotaBytes` per log and `maxWindowAuthors` authors. Friend
 * lists are never published: a peer learns its friends' friends from the `full` wants in its
 * friends' `hello` (connections are only between friends, own devices and chosen relays). What
 * is learned is kept (least recently heard of dropped first), so a relay keeps fetching for a
 * friend who went offline; it is memory only and is learned again after a restart.
 *
 * Blobs are fetched on demand (`wantBlobs`) from whichever connected peer holds them
 * (`blob-fetcher.ts`); progress is observable per blob for the UI.
 */
import type { BlobId } from '../crypto/blobs.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { EntryVerifier } from '../feed/entry-verifier.ts';
import { EntryVerifier as DefaultEntryVerifier } from '../feed/entry-verifier.ts';
import { logKey, type DeviceId, type PersonId } from '../ids.ts';
import { createLogger } from '../log.ts';
import type { LogStore } from '../store/storage-adapter.ts';
import { BlobFetcher, type BlobProgress } from './blob-fetcher.ts';
import { Ingestor } from './ingest.ts';
import { SYNC_LIMITS, type Want, type WantMode } from './messages.ts';
import { DocIndexPinSource, type PinSource } from './pins.ts';
import { SyncSession, type SessionHost, type SyncConfig } from './sync-session.ts';
import type { Transport } from './transport.ts';

/** Where a wanted blob stands (`blobProgress`, `onBlobProgress`), for the UI. */
export type { BlobProgress } from './blob-fetcher.ts';

const log = createLogger('sync:engine');

/** The values Kith uses. */
export const DEFAULT_SYNC_CONFIG: SyncConfig = {
  firstBudgetBytes: 256 * 1024,
  pageBudgetBytes: 256 * 1024,
  rangeBudgetBytes: 1024 * 1024,
  windowQuotaBytes: 1024 * 1024,
  maxWindowAuthors: 1000,
  backfill: true,
  maxBatchBytes: 128 * 1024,
  maxOutstandingRequests: 8,
  maxQueuedRequests: 64,
  maxInvalidEntries: 32,
  maxUnwantedEntries: 4096,
  // 3,000 authors at most (2,000 friends, 1,000 friends of friends), a few devices each.
  maxRemoteLogs: 16_384,
  maxInboxBytes: 16 * 1024 * 1024,
  pushBurstBytes: 4 * 1024 * 1024,
  pushBytesPerSecond: 1024 * 1024,
  blobChunkBytes: 64 * 1024,
  maxBlobRequests: 2,
  maxQueuedBlobWants: 64,
  stallMs: 15_000,
  // Long, because every restart is a new RTCPeerConnection (Chromium refuses a page's 500th):
  // a stall without progress is `stallMs`'s to catch.
  busyMs: 5 * 60_000,
  limits: SYNC_LIMITS,
};

/** Friends that change while the engine runs (the device's friend book): followed until `close`. */
export interface FriendSource {
  persons(): Iterable<PersonId>;
  onChange(listener: () => void): () => void;
}

function isFriendSource(friends: Iterable<PersonId> | FriendSource): friends is FriendSource {
  return 'onChange' in friends;
}

/** What a sync engine is made of. */
export interface SyncEngineOptions {
  /** The replica's store. */
  readonly store: LogStore;
  /** This person. */
  readonly self: PersonId;
  /** This person's friends (replicated in full): a fixed list, or a source followed as it changes. */
  readonly friends?: Iterable<PersonId> | FriendSource;
  /** Default: a new `EntryVerifier`. */
  readonly verifier?: EntryVerifier;
  /** Default: an ingestor over `store` and `verifier` (pass one to share it with the docs layer). */
  readonly ingestor?: Ingestor;
  /** Default: `DocIndexPinSource` over `store` (reads only pinned docs, through the doc index). */
  readonly pins?: PinSource;
  /** Overrides of `DEFAULT_SYNC_CONFIG`. */
  readonly config?: Partial<SyncConfig>;
  /** Time, for the push allowance (default: the system clock). */
  readonly clock?: Clock;
  /**
   * Stores a blob fetched from a peer, already checked against its id. Default: the store's
   * `putBlob`; the app passes `(id, bytes) => peer.blobs.receive(id, bytes)` so that the UI
   * hears of it.
   */
  readonly receiveBlob?: (id: BlobId, bytes: Uint8Array) => Promise<unknown>;
}

/** Options of one attached transport. */
export interface AttachOptions {
  /** Learn window authors from this peer's `full` wants (default true: a friend or own device). */
  readonly learnWants?: boolean;
  /**
   * The person whose device the remote is: entries of theirs that came by another peer are
   * acknowledged to them (a `have`), so their device knows them delivered here.
   */
  readonly remotePerson?: PersonId;
}

/** Replication of one replica over any number of transports. */
export class SyncEngine {
  /** The door entries come in by; the docs layer subscribes to its `onStored`. */
  readonly ingestor: Ingestor;
  /** The tunables in force. */
  readonly config: SyncConfig;
  private readonly store: LogStore;
  private readonly self: PersonId;
  private readonly pins: PinSource;
  private full = new Set<PersonId>();
  /** Window authors in least-recently-heard-of order (Map keeps insertion order). */
  private readonly window = new Map<PersonId, true>();
  private readonly live = new Set<SyncSession>();
  private readonly learners = new WeakSet<SyncSession>();
  private readonly sessionListeners = new Set<(sessions: readonly SyncSession[]) => void>();
  private readonly outdated = new Set<string>();
  /** Window logs being trimmed, and whether they grew again meanwhile. */
  private readonly trimming = new Map<string, boolean>();
  private readonly host: SessionHost;
  private readonly blobs: BlobFetcher;
  private readonly stopFollowing: () => void;

  /** An engine over `options.store`. */
  constructor(options: SyncEngineOptions) {
    this.store = options.store;
    this.self = options.self;
    this.config = { ...DEFAULT_SYNC_CONFIG, ...options.config };
    this.ingestor =
      options.ingestor ??
      new Ingestor(options.store, options.verifier ?? new DefaultEntryVerifier());
    this.pins = options.pins ?? new DocIndexPinSource(options.store);
    const store = options.store;
    this.blobs = new BlobFetcher({
      store,
      receive: options.receiveBlob ?? ((id, bytes) => store.putBlob(id, bytes)),
      sessions: () => this.live,
    });
    this.host = {
      store: this.store,
      ingestor: this.ingestor,
      pins: this.pins,
      config: this.config,
      clock: options.clock ?? systemClock,
      wants: () => this.wants(),
      modeOf: (author) => this.modeOf(author),
      remoteWants: (session, wants) => {
        // A hello of this version: that remote runs a current Kith (again).
        if (this.outdated.delete(session.remote)) this.sessionsChanged();
        this.learn(session, wants);
      },
      windowStored: (author, device) => this.trimWindow(author, device),
      closed: (session) => {
        const wasOutdated = session.progress.closed?.reason === 'peer-outdated';
        if (wasOutdated) this.outdated.add(session.remote);
        if (this.live.delete(session) || wasOutdated) this.sessionsChanged();
      },
      blobProgress: (session, id, received, total) =>
        this.blobs.chunk(session, id, received, total),
      blobReceived: (session, id, bytes) => this.blobs.received(session, id, bytes),
      blobFailed: (session, id, why) => this.blobs.failed(session, id, why),
    };
    const friends = options.friends ?? [];
    if (isFriendSource(friends)) {
      this.setFriends(friends.persons());
      this.stopFollowing = friends.onChange(() => this.setFriends(friends.persons()));
    } else {
      this.setFriends(friends);
      this.stopFollowing = () => undefined;
    }
  }

  /** The open sessions. */
  get sessions(): readonly SyncSession[] {
    return [...this.live];
  }

  /**
   * The remotes (by the label given to `attach`) whose last session closed because they run an
   * older Kith, whose sync protocol version is below this one's: the UI says "<name> needs to
   * update Kith". Told through `onSessions`; a remote leaves the set once it says a current hello.
   */
  get outdatedRemotes(): ReadonlySet<string> {
    return new Set(this.outdated);
  }

  /** True when every session is idle (tests wait for it; the UI shows "up to date"). */
  get idle(): boolean {
    return this.trimming.size === 0 && !this.blobs.busy && [...this.live].every((s) => s.idle);
  }

  /** Subscribes to the set of sessions changing; returns the unsubscribe function. */
  onSessions(listener: (sessions: readonly SyncSession[]) => void): () => void {
    this.sessionListeners.add(listener);
    return () => this.sessionListeners.delete(listener);
  }

  /** Replaces the friends replicated in full (an engine following a source is told by it). */
  setFriends(friends: Iterable<PersonId>): void {
    this.full = new Set([this.self, ...friends]);
    for (const author of this.full) this.window.delete(author);
    this.interestChanged();
  }

  /** The authors replicated, as said in `hello`. */
  wants(): Want[] {
    const out: Want[] = [...this.full].map((author) => ({ author, mode: 'full' as const }));
    for (const author of this.window.keys()) {
      // Someone blocked since they were learnt: not asked for (their entries are refused).
      if (!this.ingestor.refuses(author)) out.push({ author, mode: 'window' });
    }
    return out;
  }

  /** How `author` is replicated here, if at all. */
  modeOf(author: PersonId): WantMode | undefined {
    if (this.full.has(author)) return 'full';
    return this.window.has(author) && !this.ingestor.refuses(author) ? 'window' : undefined;
  }

  /** Starts a session over `transport`. */
  attach(transport: Transport, remoteLabel: string, options: AttachOptions = {}): SyncSession {
    const session = new SyncSession(transport, this.host, remoteLabel, options.remotePerson);
    const learns = options.learnWants ?? true;
    if (learns) this.learners.add(session);
    if (!session.closed) {
      this.live.add(session);
      this.sessionsChanged();
      this.blobs.schedule();
    }
    // A hello that came with the connection's first bytes was read as the session started,
    // before it was known as one to learn from: its friends become window authors now (and
    // every live session, this one too, hears the new interest).
    if (learns) {
      this.learn(
        session,
        [...session.remoteWants].map(([author, mode]) => ({ author, mode })),
      );
    }
    return session;
  }

  /**
   * Fetches blobs not held here (photos being shown), each from one connected peer at a time
   * until one delivers it, then hands it to `receiveBlob`. Idempotent; a blob held already is
   * reported done at once. Throws `BlobError('bad-id')`, wanting none, for an id that names no
   * blob.
   */
  wantBlobs(ids: Iterable<string>): void {
    this.blobs.want(ids);
  }

  /** Blobs wanted and not stored yet. */
  get wantedBlobs(): BlobId[] {
    return this.blobs.ids;
  }

  /** Where a wanted blob stands, or undefined when it is not wanted (never, or stored since). */
  blobProgress(id: string): BlobProgress | undefined {
    return this.blobs.progress(id);
  }

  /** Subscribes to the progress of every wanted blob (per chunk, and `done`); returns unsubscribe. */
  onBlobProgress(listener: (progress: BlobProgress) => void): () => void {
    return this.blobs.onProgress(listener);
  }

  /**
   * Fetches one page of older history of a log (scrolling back) from the first session whose
   * peer holds some; resolves with the number of entries stored (0 when no peer could help).
   */
  async requestOlder(
    author: PersonId,
    device: DeviceId,
    budgetBytes = this.config.pageBudgetBytes,
  ): Promise<number> {
    // One peer may know the log and hold nothing older than this device: the next may.
    for (const session of [...this.live]) {
      const stored = await session.requestOlder(author, device, budgetBytes);
      if (stored) return stored;
    }
    return 0;
  }

  /** Closes every session. */
  close(): void {
    this.stopFollowing();
    this.blobs.stop();
    for (const session of [...this.live]) session.close('local');
  }

  private learn(session: SyncSession, wants: readonly Want[]): void {
    if (!this.learners.has(session)) return;
    let changed = false;
    for (const w of wants) {
      if (w.mode !== 'full' || this.full.has(w.author) || this.ingestor.refuses(w.author)) continue;
      if (!this.window.has(w.author)) changed = true;
      this.window.delete(w.author);
      this.window.set(w.author, true);
    }
    while (this.window.size > this.config.maxWindowAuthors) {
      this.window.delete(this.window.keys().next().value!);
      changed = true;
    }
    if (changed) this.interestChanged();
  }

  private interestChanged(): void {
    for (const session of this.live) session.sendHello();
  }

  private sessionsChanged(): void {
    const sessions = this.sessions;
    for (const listener of this.sessionListeners) listener(sessions);
  }

  /** Keeps a window log within its quota: the newest entries stay, the oldest go. */
  private trimWindow(author: PersonId, device: DeviceId): void {
    const key = logKey(author, device);
    // Entries stored while a trim runs may pass the quota again: one more trim follows it.
    if (this.trimming.has(key)) {
      this.trimming.set(key, true);
      return;
    }
    this.trimming.set(key, false);
    void (async () => {
      try {
        do {
          this.trimming.set(key, false);
          await this.trimOnce(author, device);
        } while (this.trimming.get(key));
      } finally {
        this.trimming.delete(key);
      }
    })().catch((err: unknown) => {
      // Housekeeping: a failed trim is retried when the log next grows.
      log.warn('window trim failed', { author, device, error: String(err) });
    });
  }

  private async trimOnce(author: PersonId, device: DeviceId): Promise<void> {
    const ranges = await this.store.heldRanges(author, device);
    let bytes = 0;
    for (let i = ranges.length - 1; i >= 0; i--) {
      const { start, end } = ranges[i]!;
      for (let to = end; to >= start; to -= 256) {
        const list = await this.store.getEntries(author, device, Math.max(start, to - 255), to);
        for (const e of list.reverse()) {
          bytes += e.bytes.byteLength;
          if (bytes > this.config.windowQuotaBytes) {
            await this.ingestor.pruneLog(author, device, e.seq + 1);
            return;
          }
        }
      }
    }
  }
}
