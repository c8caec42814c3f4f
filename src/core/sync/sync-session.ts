/**
 * One sync session: the protocol of `messages.ts` run over one `Transport` to one remote peer,
 * split by job around one outbox (`outbox.ts`: an entries lane ahead of a blobs lane):
 * - the inbox (here): every incoming message, in order, dispatched to the part it concerns; an
 *   inbox over `maxInboxBytes`, or over the remote person's `MemoryBudget` shared with their
 *   other connections (`transport.memory`), disconnects the peer. Entry messages stay counted
 *   until ingested;
 * - requesting (`session-requester.ts`): pipelined requests, recent first, then older history;
 *   answers held to their budgets, pushes to an allowance, and ingested a few at a time;
 * - answering (`session-answerer.ts`): the `have`, and the remote's requests one after the other,
 *   forwarding the stored original bytes (blind relay: never re-encoded);
 * - live push (`live-push.ts`): entries the ingestor stores go to the remote if it wants them,
 *   except to the peer that delivered them;
 * - blobs (`session-blobs.ts`): photos asked of the remote for the host, and the remote's wants;
 * - peer scoring (`peer-score.ts`): refusals by reason; too many invalid or unwanted entries
 *   disconnect the peer.
 *
 * Everything a session knows is rebuilt from `hello` and `have`, so a new session after a drop
 * continues where the old one stopped: sync is idempotent (duplicates are counted, never stored
 * twice) and resumable. A malformed message, too many invalid or unwanted entries, too many
 * queued requests or an inbox overflow closes the session with a typed reason (`SyncSessionError`).
 */
import type { BlobId } from '../crypto/blobs.ts';
import { logKey, type DeviceId, type PersonId } from '../ids.ts';
import { createLogger } from '../log.ts';
import { StoreError } from '../store/errors.ts';
import type { LogStore, StoredEntry } from '../store/storage-adapter.ts';
import type { Clock } from '../clock.ts';
import type { Ingestor } from './ingest.ts';
import { pushLive } from './live-push.ts';
import {
  SyncMessageError,
  decodeSyncMessage,
  encodeBye,
  encodeEntries,
  SYNC_PROTOCOL_VERSION,
  encodeHello,
  type EntriesMessage,
  type HelloMessage,
  type SyncLimits,
  type Want,
  type WantMode,
} from './messages.ts';
import type { MemoryAccount } from './memory-budget.ts';
import { Outbox } from './outbox.ts';
import { PeerScore } from './peer-score.ts';
import type { PinSource } from './pins.ts';
import { SessionAnswerer } from './session-answerer.ts';
import { StallWatch, stallCheckMs } from './stall-watch.ts';
import { SessionBlobs } from './session-blobs.ts';
import { RemoteHolds, type SessionContext, type SessionCounts } from './session-context.ts';
import { SessionRequester } from './session-requester.ts';
import type { CloseInfo, Transport } from './transport.ts';

const log = createLogger('sync:session');

/** Tunables of replication; `DEFAULT_SYNC_CONFIG` holds the values Kith uses. */
export interface SyncConfig {
  /** Budget of the newest-first answer for a log met for the first time. */
  readonly firstBudgetBytes: number;
  /** Budget of one page of older history (backfill, `requestOlder`). */
  readonly pageBudgetBytes: number;
  /** Budget of one request for the entries above the newest held. */
  readonly rangeBudgetBytes: number;
  /** Bytes kept of each friend-of-friend (window) log. */
  readonly windowQuotaBytes: number;
  /** Most friend-of-friend authors replicated as a window. */
  readonly maxWindowAuthors: number;
  /** Fill older gaps of logs replicated in full when idle. */
  readonly backfill: boolean;
  /** Target size of one `entries` message (the transport's limit caps it further). */
  readonly maxBatchBytes: number;
  /** Requests this side keeps in flight per session. */
  readonly maxOutstandingRequests: number;
  /** Requests of the remote queued before it is disconnected. */
  readonly maxQueuedRequests: number;
  /** Invalid entries (forged, tampered, mis-chained ...) a peer may send before it is dropped. */
  readonly maxInvalidEntries: number;
  /** Entries of unwanted authors a peer may push before it is dropped. */
  readonly maxUnwantedEntries: number;
  /**
   * Logs a peer may say it holds (in `have`, or by pushing), each remembered and asked for,
   * before it is dropped: every device of every author this side replicates, with room to spare.
   */
  readonly maxRemoteLogs: number;
  /** Bytes of received, unprocessed messages before the peer is dropped. */
  readonly maxInboxBytes: number;
  /** Bytes of live pushes a peer may send at once (`push-allowance.ts`). */
  readonly pushBurstBytes: number;
  /** Bytes per second of live pushes a peer may send in the long run. */
  readonly pushBytesPerSecond: number;
  /** Size of the chunks this side sends a blob in (the transport's limit caps it further). */
  readonly blobChunkBytes: number;
  /** Blobs this side asks of one peer at a time. */
  readonly maxBlobRequests: number;
  /** Blobs the remote may have asked for and not yet received before it is disconnected. */
  readonly maxQueuedBlobWants: number;
  /**
   * A session with work in flight and nothing moving for this long is closed (`stalled`): the
   * connection is made again and a fresh session continues where it stopped (`stall-watch.ts`).
   */
  readonly stallMs: number;
  /** A session never idle for this long is closed too (progress that never completes). */
  readonly busyMs: number;
  /** Decoder limits. */
  readonly limits: SyncLimits;
}

/** Why a session closed. */
export type SessionCloseReason =
  | 'malformed-message'
  | 'too-many-invalid-entries'
  | 'too-many-unwanted-entries'
  /** More logs announced than `maxRemoteLogs`: devices that do not exist, most likely. */
  | 'too-many-logs'
  | 'too-many-requests'
  | 'inbox-overflow'
  | 'memory-budget'
  | 'unexpected-answer'
  | 'answer-over-budget'
  | 'bad-blob-chunk'
  | 'store-error'
  | 'internal-error'
  | 'local'
  | 'transport-closed'
  /** The remote's `hello` has an older protocol version: it runs an older Kith. */
  | 'peer-outdated'
  /** Work in flight and nothing moving, or never idle, for too long (`stall-watch.ts`). */
  | 'stalled';

/** Why a session closed, with detail (the malformed message's reason, the store's error ...). */
export class SyncSessionError extends Error {
  override readonly name = 'SyncSessionError';

  constructor(
    readonly reason: SessionCloseReason,
    readonly detail: string = '',
  ) {
    super(`sync session: ${reason}${detail ? ` (${detail})` : ''}`);
  }
}

/** Progress of one log in a session, for the UI's sync status. */
export interface LogProgress {
  readonly author: PersonId;
  readonly device: DeviceId;
  /** Entries of this log newly stored from this peer. */
  readonly received: number;
  /** Entries this peer holds that are not held here yet (as of the last plan). */
  readonly pending: number;
}

/** What a session is doing, observable by the UI. */
export interface SyncProgress {
  /** The remote's label (person or device name). */
  readonly remote: string;
  readonly state: 'syncing' | 'idle' | 'closed';
  readonly logs: readonly LogProgress[];
  /** Entries newly stored from this peer. */
  readonly received: number;
  /** Entries sent to this peer (answers and pushes). */
  readonly sent: number;
  /** Forged, tampered or malformed entries this peer sent (what no honest relay forwards). */
  readonly invalid: number;
  /** Refused entries from this peer by reason (`bad-signature`, `mis-chained-prev` ...). */
  readonly rejections: Readonly<Record<string, number>>;
  /** Entries not sent because no message of this transport can hold them (logged). */
  readonly skippedTooLarge: number;
  /** Blobs received whole from this peer and matching their address. */
  readonly blobsReceived: number;
  /** Blobs sent whole to this peer. */
  readonly blobsSent: number;
  /** Set once closed. */
  readonly closed?: SyncSessionError;
}

/** What a session needs from the replica that owns it (the sync engine). */
export interface SessionHost {
  readonly store: LogStore;
  readonly ingestor: Ingestor;
  readonly pins: PinSource;
  readonly config: SyncConfig;
  /** Time, for the push allowance. */
  readonly clock: Clock;
  /** The authors this replica replicates (its `hello`). */
  wants(): readonly Want[];
  /** How this replica replicates `author`, if at all. */
  modeOf(author: PersonId): WantMode | undefined;
  /** The remote said what it replicates. */
  remoteWants(session: SyncSession, wants: readonly Want[]): void;
  /** Entries of a window log were stored (the host trims it to its quota). */
  windowStored(author: PersonId, device: DeviceId): void;
  /** The session closed. */
  closed(session: SyncSession): void;
  /** Bytes of a blob asked of this session arrived (`total` is the blob's size). */
  blobProgress(session: SyncSession, id: BlobId, received: number, total: number): void;
  /** A blob asked of this session arrived whole and matches its address: store it. */
  blobReceived(session: SyncSession, id: BlobId, bytes: Uint8Array): Promise<void>;
  /** A blob asked of this session will not come from it. */
  blobFailed(session: SyncSession, id: BlobId, why: BlobFailure): void;
}

/**
 * Why a blob will not come from a session: the peer does not hold it, sent bytes that are not
 * the blob (it is not asked for blobs again), or the session closed before the blob was whole.
 */
export type BlobFailure = 'missing' | 'invalid' | 'closed';

/** One replication session over one transport. */
export class SyncSession {
  private readonly progressListeners = new Set<(p: SyncProgress) => void>();
  private readonly remoteWanted = new Map<PersonId, WantMode>();
  private readonly inbox: Uint8Array[] = [];
  private inboxBytes = 0;
  private draining = false;
  private tasks = 0;
  private helloReceived = false;
  private readonly counts: SessionCounts = {
    received: 0,
    sent: 0,
    skippedTooLarge: 0,
    blobsReceived: 0,
    blobsSent: 0,
    blobChunks: 0,
  };
  /** Watches the session while it is busy (`stall-watch.ts`); no timer runs while it is idle. */
  private stallWatch: { watch: StallWatch; timer: ReturnType<typeof setInterval> } | undefined;
  private closedWith: SyncSessionError | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  /** The inbox's share of the remote person's budget (all their connections together). */
  private readonly inboxMemory: MemoryAccount | undefined;
  private readonly outbox: Outbox;
  private readonly score: PeerScore;
  private readonly ctx: SessionContext;
  private readonly requester: SessionRequester;
  private readonly answerer: SessionAnswerer;
  private readonly blobs: SessionBlobs;

  /** Starts the session: subscribes to the transport at once (no message is missed) and says hello. */
  constructor(
    private readonly transport: Transport,
    private readonly host: SessionHost,
    readonly remote: string,
    /** The person whose device the remote is, when known (a friend's, or one's own). */
    private readonly remotePerson?: PersonId,
  ) {
    this.inboxMemory = transport.memory?.account();
    this.outbox = new Outbox(transport);
    this.score = new PeerScore(host.config);
    this.ctx = this.context();
    this.requester = new SessionRequester(this.ctx, transport.memory?.limitBytes ?? Infinity);
    this.answerer = new SessionAnswerer(this.ctx);
    this.blobs = new SessionBlobs(this.ctx);
    this.unsubscribe.push(
      transport.onMessage((m) => this.receive(m)),
      transport.onClose((info) => this.transportClosed(info)),
      host.ingestor.onStored((entries, origin) => {
        if (this.closedWith || origin === this || !this.helloReceived) return;
        // Entries of the remote's own person that came by another peer: the remote holds them
        // (nothing is pushed), but would never learn they reached this device.
        const theirs = entries.filter(
          (e) =>
            e.author === this.remotePerson && this.ctx.holds.has(logKey(e.author, e.device), e.seq),
        );
        pushLive(this.ctx, (author) => this.remoteWanted.has(author), entries);
        if (theirs.length > 0) {
          const logs = new Map(theirs.map((e) => [logKey(e.author, e.device), e]));
          this.spawn(this.answerer.tellHeld([...logs.values()]));
        }
      }),
    );
    if (!transport.open) {
      this.transportClosed({ by: 'error', reason: 'closed before the session started' });
      return;
    }
    this.sendHello();
  }

  /** Current progress. */
  get progress(): SyncProgress {
    const { received, sent, skippedTooLarge, blobsReceived, blobsSent } = this.counts;
    return {
      remote: this.remote,
      state: this.closedWith ? 'closed' : this.idle ? 'idle' : 'syncing',
      logs: this.requester.logs,
      received,
      sent,
      invalid: this.score.invalid,
      rejections: { ...this.score.rejections },
      skippedTooLarge,
      blobsReceived,
      blobsSent,
      ...(this.closedWith ? { closed: this.closedWith } : {}),
    };
  }

  /** Subscribes to progress changes; returns the unsubscribe function. */
  onProgress(listener: (p: SyncProgress) => void): () => void {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }

  /** True when nothing is in flight either way and nothing is left to ask this peer now. */
  get idle(): boolean {
    return (
      this.closedWith !== undefined ||
      (this.helloReceived &&
        this.inbox.length === 0 &&
        !this.draining &&
        !this.requester.busyAtAll &&
        !this.answerer.busy &&
        !this.blobs.busy &&
        this.tasks === 0)
    );
  }

  /** Whether the session is closed. */
  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** The authors the remote replicates, as its last `hello` said. */
  get remoteWants(): ReadonlyMap<PersonId, WantMode> {
    return this.remoteWanted;
  }

  /** (Re)sends this replica's `hello`; the engine calls it when its interest changes. */
  sendHello(): void {
    this.spawn(this.outbox.send(encodeHello(this.host.wants())));
  }

  /**
   * Asks this peer for one page of `author`'s `device` log below the newest held range, newest
   * first. Resolves with the number of entries stored, or undefined when this peer holds none
   * of it (or a request for that log is already in flight).
   */
  requestOlder(
    author: PersonId,
    device: DeviceId,
    budgetBytes: number,
  ): Promise<number> | undefined {
    return this.requester.requestOlder(author, device, budgetBytes);
  }

  /**
   * How far the remote holds `author`'s `device` log without a gap: the newest seq `s` such that
   * it said it holds, sent here, or was sent seqs 1 to `s` (0 when nothing is known). What the
   * mesh tells delivery by, whatever else the session is busy with.
   */
  remoteHoldsThrough(author: PersonId, device: DeviceId): number {
    return this.ctx.holds.through(logKey(author, device));
  }

  /** How many more blobs this session can be asked for now (0 once closed or after a bad blob). */
  get blobCapacity(): number {
    return this.blobs.capacity;
  }

  /**
   * Asks the remote for blobs (at most `blobCapacity`, none already asked of it); the host hears
   * back through `blobProgress`, `blobReceived` and `blobFailed`.
   */
  requestBlobs(ids: readonly BlobId[]): void {
    this.blobs.request(ids);
  }

  /** Closes the session (and its transport) for `reason`. */
  close(reason: SessionCloseReason = 'local', detail = ''): void {
    if (this.closedWith) return;
    this.closedWith = new SyncSessionError(reason, detail);
    if (reason !== 'local' && reason !== 'transport-closed') {
      log.warn('closing sync session', { remote: this.remote, reason, detail });
      // Best effort: the transport may close before the bye is delivered.
      this.transport.send(encodeBye(`${reason}${detail ? `: ${detail}` : ''}`)).catch(() => {});
    }
    this.transport.close(reason);
    this.finish();
  }

  /** What the parts of this session share (`session-context.ts`). */
  private context(): SessionContext {
    const isClosed = () => this.closedWith !== undefined;
    const capacity = () =>
      Math.min(this.transport.maxMessageSize, this.host.config.limits.maxMessageBytes);
    return {
      host: this.host,
      session: this,
      remote: this.remote,
      outbox: this.outbox,
      score: this.score,
      holds: new RemoteHolds(),
      counts: this.counts,
      get closed() {
        return isClosed();
      },
      get messageCapacity() {
        return capacity();
      },
      spawn: (task, onError) => this.spawn(task, onError),
      changed: () => this.changed(),
      fail: (err) => this.failed(err),
      close: (reason, detail) => this.close(reason, detail),
      checkScore: () => {
        const verdict = this.score.verdict();
        if (verdict) this.close(verdict.reason, verdict.detail);
      },
      sendEntries: (message, entries) => this.sendEntries(message, entries),
    };
  }

  // ---- inbox ----

  private receive(message: Uint8Array): void {
    if (this.closedWith) return;
    this.inbox.push(message);
    this.inboxBytes += message.byteLength;
    if (this.inboxBytes > this.host.config.maxInboxBytes) {
      this.close('inbox-overflow', `${this.inboxBytes} bytes waiting`);
      return;
    }
    if (this.inboxMemory && !this.inboxMemory.hold(message.byteLength)) {
      this.close('memory-budget', `${this.inboxBytes} bytes waiting, more held for this person`);
      return;
    }
    if (!this.draining) this.spawn(this.drain());
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.inbox.length > 0 && !this.closedWith) {
        const bytes = this.inbox.shift()!;
        const release = () => this.release(bytes.byteLength);
        let message;
        try {
          message = decodeSyncMessage(bytes, this.host.config.limits);
        } catch (err) {
          if (!(err instanceof SyncMessageError)) throw err;
          this.close('malformed-message', err.reason);
          return;
        }
        // Entries stay counted until ingested; the rest is handled at once.
        if (message.type !== 'entries') release();
        switch (message.type) {
          case 'hello':
            this.onHello(message);
            break;
          case 'have':
            this.requester.onHave(message);
            break;
          case 'request':
            this.answerer.onRequest(message);
            break;
          case 'entries':
            await this.requester.onEntries(message, release);
            break;
          case 'bye':
            log.info('peer said bye', { remote: this.remote, reason: message.reason });
            break;
          case 'blob-want':
            this.blobs.onWant(message);
            break;
          case 'blob-chunk':
            await this.blobs.onChunk(message);
            break;
          case 'blob-missing':
            this.blobs.onMissing(message);
            break;
        }
      }
    } finally {
      this.draining = false;
      this.changed();
    }
  }

  /** Inbox bytes handled: no longer held for the remote. */
  private release(bytes: number): void {
    if (this.closedWith) return;
    this.inboxBytes -= bytes;
    this.inboxMemory?.release(bytes);
  }

  private onHello(hello: HelloMessage): void {
    if (hello.version < SYNC_PROTOCOL_VERSION) {
      // An older Kith cannot read this side's entries (and refuses its hello): nothing more is
      // sent to it but the `bye`, which every version reads, and the UI asks for an update.
      this.close('peer-outdated', `version ${hello.version}`);
      return;
    }
    this.helloReceived = true;
    this.remoteWanted.clear();
    for (const w of hello.wants) this.remoteWanted.set(w.author, w.mode);
    this.host.remoteWants(this, hello.wants);
    this.spawn(this.answerer.sendHave(hello.wants));
  }

  // ---- plumbing ----

  /** Sends one `entries` message of an answer or a push; counts what the remote now holds. */
  private async sendEntries(
    message: EntriesMessage,
    entries: readonly StoredEntry[],
  ): Promise<void> {
    for (const e of entries)
      this.ctx.holds.add(logKey(e.author, e.device), [{ start: e.seq, end: e.seq }]);
    this.counts.sent += entries.length;
    await this.outbox.sendEntries(encodeEntries(message));
  }

  /** Runs a task of this session; its failure closes the session, never the app. */
  private spawn(task: Promise<void>, onError?: () => void): void {
    this.tasks++;
    // Every piece of work starts as a task: the session is busy from here.
    this.watchWhileBusy();
    task
      .catch((err: unknown) => {
        onError?.();
        this.failed(err);
      })
      .finally(() => {
        this.tasks--;
        this.changed();
      });
  }

  /** A task failed: a store error or a bug closes the session, never the app. */
  private failed(err: unknown): void {
    if (this.closedWith) return;
    if (err instanceof StoreError) this.close('store-error', `${err.name}: ${err.message}`);
    else {
      log.error('sync session failed', { remote: this.remote, error: String(err) });
      this.close('internal-error', String(err));
    }
  }

  private transportClosed(info: CloseInfo): void {
    if (this.closedWith) return;
    this.closedWith = new SyncSessionError('transport-closed', `${info.by}: ${info.reason}`);
    this.finish();
  }

  /** Entries and blob chunks moved so far either way: what the stall watch calls progress. */
  private get moved(): number {
    const { received, sent, blobsReceived, blobsSent, blobChunks } = this.counts;
    return received + sent + blobsReceived + blobsSent + blobChunks;
  }

  /** Starts watching for a stall when the session is busy and not yet watched. */
  private watchWhileBusy(): void {
    if (this.stallWatch || this.closedWith || this.idle) return;
    const watch = new StallWatch(this.host.config, this.host.clock.now(), this.moved);
    const timer = setInterval(() => this.checkStall(), stallCheckMs(this.host.config));
    this.stallWatch = { watch, timer };
  }

  /** Closes the session if it stalled; stops watching once it is idle. */
  private checkStall(): void {
    if (!this.stallWatch) return;
    const idle = this.idle;
    const stalled = this.stallWatch.watch.check(this.host.clock.now(), idle, this.moved);
    if (idle) this.stopWatching();
    else if (stalled) this.close('stalled', stalled);
  }

  private stopWatching(): void {
    clearInterval(this.stallWatch?.timer);
    this.stallWatch = undefined;
  }

  private finish(): void {
    this.stopWatching();
    for (const off of this.unsubscribe.splice(0)) off();
    this.outbox.close();
    this.requester.finish();
    this.inbox.length = 0;
    this.inboxBytes = 0;
    this.inboxMemory?.releaseAll();
    this.answerer.finish();
    const unfinished = this.blobs.finish();
    this.host.closed(this);
    // After `closed`, so that the host asks its other sessions, not this one.
    for (const id of unfinished) this.host.blobFailed(this, id, 'closed');
    this.changed();
  }

  private changed(): void {
    this.watchWhileBusy();
    if (this.progressListeners.size === 0) return;
    const progress = this.progress;
    for (const listener of this.progressListeners) listener(progress);
  }
}
