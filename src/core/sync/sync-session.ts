/**
 * One sync session: the protocol of `messages.ts` run over one `Transport` to one remote peer.
 *
 * Three loops share the session, so that none waits for another:
 * - the inbox: every incoming message, in order; entries are ingested one message at a time, so
 *   what this side buffers is bounded by what it asked for (budgets) plus live pushes, and an
 *   inbox over `maxInboxBytes`, or over the remote person's `MemoryBudget` shared with their
 *   other connections (`transport.memory`), disconnects the peer. What arrives is held to what
 *   was asked: an answer past its request's budget disconnects the peer, live pushes pass within
 *   an allowance (`push-allowance.ts`; beyond it they are refused unverified and pulled instead),
 *   and a window log is trimmed to its quota whenever it grows;
 * - the requester (`pump`): at most `maxOutstandingRequests` requests in flight, one per log;
 *   first the newest-first request of each log met for the first time and the entries above the
 *   newest held seq of each log already held, then, when nothing else is pending, the older gaps
 *   of logs replicated in full, newest first, one budget page at a time (idle-time backfill);
 * - the answerer: the remote's requests one after the other, each send awaited (the transport's
 *   backpressure), forwarding the stored original bytes (blind relay: never re-encoded).
 * Live pushes go out as the ingestor stores entries of authors the remote wants, except to the
 * peer that delivered them.
 *
 * Blobs (photos) ride the same transport. The host (the engine) decides which blobs to ask of
 * this peer (`requestBlobs`, at most `maxBlobRequests` in flight); the session reassembles the
 * chunks in order, checks the whole blob against its address and hands it to the host, or tells
 * the host the blob will not come from here (`blob-missing`, a blob failing its check, a close),
 * so that it can ask another peer. The blob answerer serves the remote's `blob-want`s one blob
 * at a time, any blob this replica holds (blind relay of ciphertext), in chunks of
 * `blobChunkBytes`, each send awaited. Entries go first: while an entry answer or push is being
 * sent, the blob answerer sends one chunk per `entries` message, so a photo in transfer slows
 * entry sync by at most one chunk per batch and never stops it.
 *
 * Everything a session knows is rebuilt from `hello` and `have`, so a new session after a drop
 * continues where the old one stopped: sync is idempotent (duplicates are counted, never stored
 * twice) and resumable. A malformed message, too many invalid or unwanted entries, too many
 * queued requests or an inbox overflow closes the session with a typed reason (`SyncSessionError`).
 */
import { BlobError, MAX_BLOB_BYTES, checkBlob, type BlobId } from '../crypto/blobs.ts';
import type { SeqRange } from '../feed/seq-ranges.ts';
import { SeqRanges } from '../feed/seq-ranges.ts';
import { MAX_SEQ } from '../feed/entry-codec.ts';
import { logKey, type DeviceId, type PersonId } from '../ids.ts';
import { createLogger } from '../log.ts';
import { StoreError } from '../store/errors.ts';
import type { StorageAdapter, StoredEntry } from '../store/storage-adapter.ts';
import { EntryDecodeError, decodeAnyEntry } from '../feed/entry-codec.ts';
import type { Clock } from '../clock.ts';
import { EntryVerifyError } from '../feed/entry-verifier.ts';
import { BlobAssembly, BlobChunkError } from './blob-assembly.ts';
import { UnwantedEntryError, type IngestReport, type Ingestor } from './ingest.ts';
import { IngestQueue } from './ingest-queue.ts';
import {
  BLOB_CHUNK_OVERHEAD_BYTES,
  ENTRIES_OVERHEAD_BYTES,
  ENTRY_FRAMING_BYTES,
  SyncMessageError,
  decodeSyncMessage,
  encodeBlobChunk,
  encodeBlobMissing,
  encodeBlobWant,
  encodeBye,
  encodeEntries,
  encodeHave,
  SYNC_PROTOCOL_VERSION,
  encodeHello,
  encodeRequest,
  type BlobChunkMessage,
  type BlobMissingMessage,
  type BlobWantMessage,
  type EntriesMessage,
  type HaveMessage,
  type HelloMessage,
  type LogHave,
  type RequestMessage,
  type SyncLimits,
  type Want,
  type WantMode,
} from './messages.ts';
import type { MemoryAccount } from './memory-budget.ts';
import type { PinSource } from './pins.ts';
import { PushAllowance } from './push-allowance.ts';
import {
  countRanges,
  intersectRanges,
  newestRanges,
  newestSeqs,
  oldestSeqs,
  rangesFrom,
  rangesUpTo,
  subtractRanges,
  unionRanges,
} from './range-math.ts';
import { TransportClosedError, type CloseInfo, type Transport } from './transport.ts';

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
  /** Decoder limits. */
  readonly limits: SyncLimits;
}

/** Why a session closed. */
export type SessionCloseReason =
  | 'malformed-message'
  | 'too-many-invalid-entries'
  | 'too-many-unwanted-entries'
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
  | 'peer-outdated';

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
  readonly store: StorageAdapter;
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

interface RemoteLog {
  readonly author: PersonId;
  readonly device: DeviceId;
  /** What the remote holds and has not yet been asked for in vain. */
  ranges: SeqRange[];
  received: number;
  pending: number;
}

interface OutgoingRequest {
  readonly id: number;
  readonly key: string;
  /** Recent entries (first meeting, above the newest held) or older history (backfill, on demand). */
  readonly kind: 'recent' | 'older';
  readonly author: PersonId;
  readonly device: DeviceId;
  readonly ranges: readonly SeqRange[];
  readonly order: RequestMessage['order'];
  readonly budgetBytes: number;
  readonly pins: boolean;
  /** Bytes received of the answer, pins apart. */
  bytes: number;
  /** Bytes of pins received. */
  pinBytes: number;
  minSeq: number;
  maxSeq: number;
  accepted: number;
  /** Set when the answer's last message arrived (it may still be being ingested). */
  answered: boolean;
  readonly done?: (accepted: number) => void;
}

/** An `entries` message being ingested: what its outcome is counted against. */
interface Ingesting {
  readonly request: OutgoingRequest | undefined;
  readonly message: EntriesMessage;
  /** Its size in the inbox, held until it is ingested. */
  readonly size: number;
}

/**
 * Entry messages ingested at once per session: one being written, one being verified, one
 * decoded; more would only hold memory while verification is the bottleneck.
 */
const INGESTS_IN_FLIGHT = 3;

function keyOf(author: PersonId, device: DeviceId): string {
  return logKey(author, device);
}

/** One replication session over one transport. */
export class SyncSession {
  private readonly progressListeners = new Set<(p: SyncProgress) => void>();
  private readonly remoteWanted = new Map<PersonId, WantMode>();
  private readonly remoteLogs = new Map<string, RemoteLog>();
  /** Seqs the remote is known to hold (sent either way): pushes skip them. */
  private readonly remoteHolds = new Map<string, SeqRanges>();
  private readonly inbox: Uint8Array[] = [];
  private inboxBytes = 0;
  private draining = false;
  /** Entry messages being ingested, their outcomes taken in arrival order (`ingest-queue.ts`). */
  private readonly ingesting: IngestQueue<Ingesting>;
  private readonly inflight = new Map<number, OutgoingRequest>();
  private readonly planQueue = new Set<string>();
  private readonly backfillQueue = new Set<string>();
  private pumping = false;
  private pumpAgain = false;
  private nextReqId = 1;
  /** Bytes and count of answered entries (pins apart): the size a page of seqs is cut to. */
  private answeredBytes = 0;
  private answeredEntries = 0;
  private readonly answers: RequestMessage[] = [];
  private answering = false;
  private tasks = 0;
  private helloReceived = false;
  private readonly rejections: Record<string, number> = {};
  private counts = {
    received: 0,
    sent: 0,
    invalid: 0,
    unwanted: 0,
    skippedTooLarge: 0,
    blobsReceived: 0,
    blobsSent: 0,
  };
  /** Blobs asked of the remote, by id. */
  private readonly blobsIn = new Map<BlobId, BlobAssembly>();
  /** Set once the remote sent a blob that is not what its id names. */
  private blobsRefused = false;
  /** Blobs the remote asked for, not yet answered. */
  private readonly blobWants: BlobId[] = [];
  private sendingBlobs = false;
  /** Entry answers and pushes being sent: blob chunks give way to them. */
  private entryWork = 0;
  /** `entries` messages sent, and their count when the last blob chunk went out. */
  private entryMessages = 0;
  private entryMessagesAtChunk = 0;
  private readonly blobWaiters: (() => void)[] = [];
  private closedWith: SyncSessionError | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly pushAllowance: PushAllowance;
  /** The inbox's share of the remote person's budget (all their connections together). */
  private readonly inboxMemory: MemoryAccount | undefined;

  /** Starts the session: subscribes to the transport at once (no message is missed) and says hello. */
  constructor(
    private readonly transport: Transport,
    private readonly host: SessionHost,
    readonly remote: string,
  ) {
    const { pushBurstBytes, pushBytesPerSecond } = host.config;
    this.pushAllowance = new PushAllowance(pushBurstBytes, pushBytesPerSecond, host.clock);
    this.inboxMemory = transport.memory?.account();
    this.ingesting = new IngestQueue<Ingesting>(
      host.ingestor,
      INGESTS_IN_FLIGHT,
      (report, { request, message, size }) => {
        this.release(size);
        if (!this.closedWith) this.ingested(report, request, message);
        this.changed();
      },
      (err) => this.failed(err),
    );
    this.unsubscribe.push(
      transport.onMessage((m) => this.receive(m)),
      transport.onClose((info) => this.transportClosed(info)),
      host.ingestor.onStored((entries, origin) => this.pushLive(entries, origin)),
    );
    if (!transport.open) {
      this.transportClosed({ by: 'error', reason: 'closed before the session started' });
      return;
    }
    this.sendHello();
  }

  /** Current progress. */
  get progress(): SyncProgress {
    const logs = [...this.remoteLogs.values()].map(({ author, device, received, pending }) => ({
      author,
      device,
      received,
      pending,
    }));
    const { received, sent, invalid, skippedTooLarge, blobsReceived, blobsSent } = this.counts;
    return {
      remote: this.remote,
      state: this.closedWith ? 'closed' : this.idle ? 'idle' : 'syncing',
      logs,
      received,
      sent,
      invalid,
      rejections: { ...this.rejections },
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
        this.ingesting.size === 0 &&
        this.inflight.size === 0 &&
        this.planQueue.size === 0 &&
        (this.backfillQueue.size === 0 || !this.host.config.backfill) &&
        !this.pumping &&
        this.answers.length === 0 &&
        !this.answering &&
        this.blobsIn.size === 0 &&
        this.blobWants.length === 0 &&
        !this.sendingBlobs &&
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
    this.spawn(this.send(encodeHello(this.host.wants())));
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
    const key = keyOf(author, device);
    const remote = this.remoteLogs.get(key);
    if (!remote || this.closed || this.busy(key)) return undefined;
    return new Promise((resolve) => {
      this.spawn(
        (async () => {
          const held = await this.host.store.heldRanges(author, device);
          const wanted = olderThanNewest(remote.ranges, held);
          if (wanted.length === 0 || this.busy(key)) {
            resolve(0);
            return;
          }
          const budget = Math.min(budgetBytes, this.host.config.limits.maxBudgetBytes);
          await this.sendRequest(remote, wanted, 'descending', budget, false, 'older', resolve);
        })(),
        () => resolve(0),
      );
    });
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
        let message;
        try {
          message = decodeSyncMessage(bytes, this.host.config.limits);
        } catch (err) {
          if (!(err instanceof SyncMessageError)) throw err;
          this.close('malformed-message', err.reason);
          return;
        }
        // Entries stay counted until ingested; the rest is handled at once.
        if (message.type !== 'entries') this.release(bytes.byteLength);
        switch (message.type) {
          case 'hello':
            this.onHello(message);
            break;
          case 'have':
            this.onHave(message);
            break;
          case 'request':
            this.onRequest(message);
            break;
          case 'entries':
            await this.onEntries(message, bytes.byteLength);
            break;
          case 'bye':
            log.info('peer said bye', { remote: this.remote, reason: message.reason });
            break;
          case 'blob-want':
            this.onBlobWant(message);
            break;
          case 'blob-chunk':
            await this.onBlobChunk(message);
            break;
          case 'blob-missing':
            this.onBlobMissing(message);
            break;
        }
      }
    } finally {
      this.draining = false;
      this.changed();
    }
  }

  private onHello(hello: HelloMessage): void {
    if (hello.version < SYNC_PROTOCOL_VERSION) {
      // An older Kith cannot read v2 entries (and refuses this side's hello): nothing more is
      // sent to it but the `bye`, which every version reads, and the UI asks for an update.
      this.close('peer-outdated', `version ${hello.version}`);
      return;
    }
    this.helloReceived = true;
    this.remoteWanted.clear();
    for (const w of hello.wants) this.remoteWanted.set(w.author, w.mode);
    this.host.remoteWants(this, hello.wants);
    this.spawn(this.sendHave(hello.wants));
  }

  private onHave(have: HaveMessage): void {
    for (const l of have.logs) {
      // A `have` for an author no longer wanted here (interest changed meanwhile) is stale.
      if (this.host.modeOf(l.author) === undefined) continue;
      const key = keyOf(l.author, l.device);
      const known = this.remoteLogs.get(key);
      if (known) known.ranges = [...l.ranges];
      else {
        this.remoteLogs.set(key, {
          author: l.author,
          device: l.device,
          ranges: [...l.ranges],
          received: 0,
          pending: 0,
        });
      }
      this.holds(key, l.ranges);
      this.planQueue.add(key);
    }
    this.spawn(this.pump());
  }

  private onRequest(request: RequestMessage): void {
    if (this.answers.length >= this.host.config.maxQueuedRequests) {
      this.close('too-many-requests', `${this.answers.length} queued`);
      return;
    }
    this.answers.push(request);
    if (!this.answering) this.spawn(this.answerAll());
  }

  /** Inbox bytes handled: no longer held for the remote. */
  private release(bytes: number): void {
    if (this.closedWith) return;
    this.inboxBytes -= bytes;
    this.inboxMemory?.release(bytes);
  }

  /**
   * Checks an `entries` message against what was asked and starts its ingest; waits only while
   * `INGESTS_IN_FLIGHT` are being ingested, so the next batch is verified while the previous one
   * is written and the inbox keeps draining. Outcomes are taken in arrival order.
   */
  private async onEntries(message: EntriesMessage, size: number): Promise<void> {
    const request = message.reqId === 0 ? undefined : this.inflight.get(message.reqId);
    if (message.reqId !== 0 && (!request || request.answered)) {
      this.close('unexpected-answer', `no request ${message.reqId}`);
      return;
    }
    if (request) {
      if (message.pins && !request.pins) {
        this.close('unexpected-answer', `pins for request ${request.id}, which asked for none`);
        return;
      }
      const over = this.overBudget(request, message);
      if (over) {
        this.close('answer-over-budget', over);
        return;
      }
      if (message.last) request.answered = true;
    } else if (!this.pushAllowance.take(sizeOf(message.entries))) {
      this.release(size);
      this.refusePush(message.entries);
      return;
    }
    const accept = (author: PersonId) => this.host.modeOf(author) !== undefined;
    await this.ingesting.add(message.entries, { origin: this, accept }, { request, message, size });
  }

  /** Takes the outcome of an `entries` message: counts it, and completes its request. */
  private ingested(
    report: IngestReport,
    request: OutgoingRequest | undefined,
    message: EntriesMessage,
  ): void {
    this.account(report, request, message);
    if (this.closedWith) return;
    this.trimWindows(report.accepted);
    if (request && message.last) {
      this.inflight.delete(request.id);
      this.spawn(this.complete(request));
    }
  }

  /**
   * Counts an answer's bytes against the budget of its request; says why when the peer sent
   * more than asked. An honest answerer stops after the entry that reaches the budget, so an
   * entry arriving once the budget is reached is one too many (pins and entries each).
   */
  private overBudget(request: OutgoingRequest, message: EntriesMessage): string | undefined {
    for (const bytes of message.entries) {
      const sofar = message.pins ? request.pinBytes : request.bytes;
      if (sofar >= request.budgetBytes) {
        return `${message.pins ? 'pins' : 'entries'} beyond ${request.budgetBytes} bytes`;
      }
      if (message.pins) request.pinBytes += bytes.byteLength;
      else {
        request.bytes += bytes.byteLength;
        this.answeredBytes += bytes.byteLength;
        this.answeredEntries++;
      }
    }
    return undefined;
  }

  /**
   * Refuses a push beyond the allowance without verifying it. The logs it names are asked of
   * this peer instead (pulled within a budget), so an honest relay's burst is delayed, not lost.
   */
  private refusePush(list: readonly Uint8Array[]): void {
    const claimed = new Map<string, { author: PersonId; device: DeviceId; seqs: SeqRanges }>();
    for (const bytes of list) {
      let entry;
      try {
        entry = decodeAnyEntry(bytes);
      } catch (err) {
        if (!(err instanceof EntryDecodeError)) throw err;
        this.reject(err.reason);
        this.counts.invalid++;
        continue;
      }
      if (this.host.modeOf(entry.author) === undefined) {
        this.reject('unwanted-author');
        this.counts.unwanted++;
        continue;
      }
      this.reject('push-over-allowance');
      const key = keyOf(entry.author, entry.device);
      const log = claimed.get(key) ?? { ...entry, seqs: new SeqRanges() };
      log.seqs.add(entry.seq);
      claimed.set(key, log);
    }
    log.warn('refused pushes beyond the allowance', { remote: this.remote, entries: list.length });
    for (const [key, { author, device, seqs }] of claimed) {
      // One range per log and push, so scattered claims cannot grow what is remembered.
      const range = { start: seqs.ranges()[0]!.start, end: seqs.max };
      const remote = this.remoteLogs.get(key);
      if (remote) remote.ranges = unionRanges(remote.ranges, [range]);
      else this.remoteLogs.set(key, { author, device, ranges: [range], received: 0, pending: 0 });
      this.planQueue.add(key);
    }
    this.checkPenalties();
    if (!this.closedWith && claimed.size > 0) this.spawn(this.pump());
  }

  /** Keeps every window log that grew within its quota, whether answered or pushed. */
  private trimWindows(accepted: readonly StoredEntry[]): void {
    const grown = new Map<string, StoredEntry>();
    for (const e of accepted) grown.set(keyOf(e.author, e.device), e);
    for (const e of grown.values()) {
      if (this.host.modeOf(e.author) === 'window') this.host.windowStored(e.author, e.device);
    }
  }

  private reject(reason: string): void {
    this.rejections[reason] = (this.rejections[reason] ?? 0) + 1;
  }

  private account(
    report: IngestReport,
    request: OutgoingRequest | undefined,
    message: EntriesMessage,
  ): void {
    this.counts.received += report.accepted.length;
    for (const e of report.accepted) {
      const remote = this.remoteLogs.get(keyOf(e.author, e.device));
      if (!remote) continue;
      remote.received++;
      remote.pending = Math.max(0, remote.pending - 1);
    }
    for (const e of [...report.accepted, ...report.duplicates]) {
      const key = keyOf(e.author, e.device);
      this.holds(key, [{ start: e.seq, end: e.seq }]);
      if (request && !message.pins && key === request.key) {
        request.minSeq = Math.min(request.minSeq, e.seq);
        request.maxSeq = Math.max(request.maxSeq, e.seq);
      }
    }
    if (request && !message.pins) {
      request.accepted += report.accepted.filter(
        (e) => keyOf(e.author, e.device) === request.key,
      ).length;
    }
    for (const r of report.rejected) {
      this.reject(r.reason);
      // Only what no honest relay forwards counts against the peer: every relay verified what
      // it stored. A validly signed entry that does not chain is its author's doing (like a
      // fork), so it is refused without blaming the peer that carried it.
      if (r.error instanceof UnwantedEntryError) this.counts.unwanted++;
      else if (r.error instanceof EntryDecodeError || r.error instanceof EntryVerifyError) {
        this.counts.invalid++;
      }
    }
    if (report.rejected.length > 0) {
      log.warn('refused entries from peer', {
        remote: this.remote,
        reasons: [...new Set(report.rejected.map((r) => r.reason))],
      });
    }
    this.checkPenalties();
  }

  /** Disconnects a peer that sent too many invalid or unwanted entries. */
  private checkPenalties(): void {
    if (this.counts.invalid > this.host.config.maxInvalidEntries) {
      this.close('too-many-invalid-entries', `${this.counts.invalid} invalid entries`);
    } else if (this.counts.unwanted > this.host.config.maxUnwantedEntries) {
      this.close('too-many-unwanted-entries', `${this.counts.unwanted} unwanted entries`);
    }
  }

  private async complete(request: OutgoingRequest): Promise<void> {
    const remote = this.remoteLogs.get(request.key);
    if (remote) {
      // What the answer covered is not asked of this peer again, whether or not it was valid:
      // a peer that lies in `have` or answers with garbage cannot make this side loop.
      let covered: readonly SeqRange[] = request.ranges;
      if (request.bytes >= request.budgetBytes && request.minSeq <= request.maxSeq) {
        covered =
          request.order === 'ascending'
            ? rangesUpTo(request.ranges, request.maxSeq)
            : rangesFrom(request.ranges, request.minSeq);
      }
      remote.ranges = subtractRanges(remote.ranges, covered);
    }
    request.done?.(request.accepted);
    this.planQueue.add(request.key);
    await this.pump();
  }

  // ---- requester ----

  /** Whether a request for the log `key` is in flight. */
  private busy(key: string): boolean {
    for (const r of this.inflight.values()) if (r.key === key) return true;
    return false;
  }

  /** The seqs of the log `key` asked for and not yet answered. */
  private asked(key: string): SeqRange[] {
    let out: SeqRange[] = [];
    for (const r of this.inflight.values()) if (r.key === key) out = unionRanges(out, r.ranges);
    return out;
  }

  /** Whether a request of `budgetBytes` more fits beside those in flight. */
  private roomFor(budgetBytes: number): boolean {
    if (this.inflight.size >= this.host.config.maxOutstandingRequests) return false;
    // What the answers in flight may still bring is held in the inbox at worst: half of it,
    // and half of the remote person's memory budget, leave room for pushes and blobs.
    const memory = this.transport.memory?.limitBytes ?? Infinity;
    const cap = Math.min(this.host.config.maxInboxBytes, memory) / 2;
    let bytes = budgetBytes;
    for (const r of this.inflight.values()) bytes += r.budgetBytes;
    return this.inflight.size === 0 || bytes <= cap;
  }

  /** Seqs per page of `budgetBytes`, from the size of the entries answered so far. */
  private pageSeqs(budgetBytes: number): number {
    // Before any answer, a guess: a short post. Too many seqs only leave the rest of the page to
    // the next request (the answer stops at the budget); too few only make pages smaller.
    const average = this.answeredEntries > 0 ? this.answeredBytes / this.answeredEntries : 400;
    return Math.max(1, Math.ceil(budgetBytes / average));
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        while (!this.closedWith && (await this.requestNext()));
      } while (this.pumpAgain && !this.closedWith);
    } finally {
      this.pumping = false;
      this.changed();
    }
  }

  /**
   * Sends the next request; false when there is nothing to ask now or no room for it. Each
   * request is one page of seqs not asked yet, so several pages of one log are in flight
   * together and the answerer always has the next one queued (no round trip between pages).
   */
  private async requestNext(): Promise<boolean> {
    for (const key of this.planQueue) {
      this.planQueue.delete(key);
      const sent = await this.planRecent(key);
      if (sent === 'no-room') {
        this.planQueue.add(key);
        return false;
      }
      if (sent) {
        // Its next page, after the other logs' (round robin).
        this.planQueue.add(key);
        return true;
      }
    }
    // Older history only once nothing recent is pending or in flight: recent first.
    if (!this.host.config.backfill || this.planQueue.size > 0 || this.recentInFlight()) {
      return false;
    }
    for (const key of this.backfillQueue) {
      this.backfillQueue.delete(key);
      const sent = await this.planOlder(key);
      if (sent === 'no-room') {
        this.backfillQueue.add(key);
        return false;
      }
      if (sent) {
        this.backfillQueue.add(key);
        return true;
      }
    }
    return false;
  }

  private recentInFlight(): boolean {
    for (const r of this.inflight.values()) if (r.kind === 'recent') return true;
    return false;
  }

  private async planRecent(key: string): Promise<boolean | 'no-room'> {
    const remote = this.remoteLogs.get(key);
    const mode = remote && this.host.modeOf(remote.author);
    if (!remote || !mode) return false;
    const held = await this.host.store.heldRanges(remote.author, remote.device);
    const missing = subtractRanges(remote.ranges, held);
    remote.pending = countRanges(missing);
    const { firstBudgetBytes, rangeBudgetBytes, windowQuotaBytes } = this.host.config;
    const asked = this.asked(key);
    const wanted = subtractRanges(missing, asked);
    if (wanted.length === 0) return false;
    const known = unionRanges(held, asked);
    if (known.length === 0) {
      // A log met for the first time: newest first within a budget, with the author's pins.
      const budget =
        mode === 'window' ? Math.min(firstBudgetBytes, windowQuotaBytes) : firstBudgetBytes;
      if (!this.roomFor(budget)) return 'no-room';
      // Not cut to a page: its budget alone is what "recent" means for this log.
      await this.sendRequest(remote, wanted, 'descending', budget, true, 'recent');
      return true;
    }
    const above = rangesFrom(wanted, known.at(-1)!.end + 1);
    if (above.length > 0) {
      // A window log keeps only its newest entries, so it never asks for a long run oldest first.
      if (mode === 'window') {
        if (this.busy(key)) return false;
        if (!this.roomFor(windowQuotaBytes)) return 'no-room';
        await this.sendRequest(remote, above, 'descending', windowQuotaBytes, false, 'recent');
      } else {
        if (!this.roomFor(rangeBudgetBytes)) return 'no-room';
        const page = oldestSeqs(above, this.pageSeqs(rangeBudgetBytes));
        await this.sendRequest(remote, page, 'ascending', rangeBudgetBytes, false, 'recent');
      }
      return true;
    }
    if (mode === 'full') this.backfillQueue.add(key);
    return false;
  }

  private async planOlder(key: string): Promise<boolean | 'no-room'> {
    const remote = this.remoteLogs.get(key);
    if (!remote || this.host.modeOf(remote.author) !== 'full') return false;
    const held = await this.host.store.heldRanges(remote.author, remote.device);
    const asked = this.asked(key);
    const wanted = subtractRanges(olderThanNewest(remote.ranges, unionRanges(held, asked)), asked);
    if (wanted.length === 0) return false;
    const budget = this.host.config.pageBudgetBytes;
    if (!this.roomFor(budget)) return 'no-room';
    const page = newestSeqs(wanted, this.pageSeqs(budget));
    await this.sendRequest(remote, page, 'descending', budget, false, 'older');
    return true;
  }

  private async sendRequest(
    remote: RemoteLog,
    wanted: readonly SeqRange[],
    order: RequestMessage['order'],
    budgetBytes: number,
    pins: boolean,
    kind: OutgoingRequest['kind'],
    done?: (accepted: number) => void,
  ): Promise<void> {
    const max = this.host.config.limits.maxRangesPerLog;
    const ranges = order === 'descending' ? newestRanges(wanted, max) : wanted.slice(0, max);
    const request: OutgoingRequest = {
      id: this.nextReqId++,
      key: keyOf(remote.author, remote.device),
      kind,
      author: remote.author,
      device: remote.device,
      ranges,
      order,
      budgetBytes,
      pins,
      bytes: 0,
      pinBytes: 0,
      minSeq: MAX_SEQ,
      maxSeq: 0,
      accepted: 0,
      answered: false,
      ...(done ? { done } : {}),
    };
    this.inflight.set(request.id, request);
    await this.send(encodeRequest({ ...request, reqId: request.id }));
  }

  // ---- answerer ----

  private async sendHave(wants: readonly Want[]): Promise<void> {
    const wanted = new Set(wants.map((w) => w.author));
    const { maxLogsPerMessage, maxRangesPerLog, maxRangesPerMessage } = this.host.config.limits;
    const logs: LogHave[] = [];
    let ranges = 0;
    const flush = async () => {
      if (logs.length > 0) await this.send(encodeHave(logs.splice(0)));
      ranges = 0;
    };
    for (const summary of await this.host.store.listLogs()) {
      if (!wanted.has(summary.author) || summary.ranges.length === 0) continue;
      const capped = newestRanges(summary.ranges, Math.min(maxRangesPerLog, 64));
      if (
        logs.length >= Math.min(maxLogsPerMessage, 256) ||
        ranges + capped.length > maxRangesPerMessage
      ) {
        await flush();
      }
      logs.push({ author: summary.author, device: summary.device, ranges: capped });
      ranges += capped.length;
    }
    await flush();
  }

  private async answerAll(): Promise<void> {
    this.answering = true;
    this.entryWork++;
    try {
      while (this.answers.length > 0 && !this.closedWith) await this.answer(this.answers.shift()!);
    } finally {
      this.answering = false;
      this.entryWork--;
      this.wakeBlobs();
      this.changed();
    }
  }

  private async answer(request: RequestMessage): Promise<void> {
    const { author, device } = request;
    const batch = new Batcher(this, request.reqId);
    // The requester counts what arrives against its budget (`overBudget`): pins and entries each
    // stop at the entry that reaches it.
    const budget = Math.min(request.budgetBytes, this.host.config.limits.maxBudgetBytes);
    if (request.pins) {
      batch.pins = true;
      let bytes = 0;
      for (const pin of await this.host.pins.pins(author)) {
        if (bytes >= budget) break;
        if (await batch.add(pin)) bytes += pin.bytes.byteLength;
      }
      await batch.flush(false);
      batch.pins = false;
    }
    const held = intersectRanges(await this.host.store.heldRanges(author, device), request.ranges);
    let sent = 0;
    const chunk = 256;
    const ordered = request.order === 'ascending' ? held : [...held].reverse();
    outer: for (const r of ordered) {
      if (request.order === 'ascending') {
        for (let from = r.start; from <= r.end; from += chunk) {
          const list = await this.host.store.getEntries(
            author,
            device,
            from,
            Math.min(r.end, from + chunk - 1),
          );
          for (const e of list) {
            if (await batch.add(e)) sent += e.bytes.byteLength;
            if (sent >= budget || this.closedWith) break outer;
          }
        }
      } else {
        for (let to = r.end; to >= r.start; to -= chunk) {
          const list = await this.host.store.getEntries(
            author,
            device,
            Math.max(r.start, to - chunk + 1),
            to,
          );
          for (const e of list.reverse()) {
            if (await batch.add(e)) sent += e.bytes.byteLength;
            if (sent >= budget || this.closedWith) break outer;
          }
        }
      }
    }
    await batch.flush(true);
  }

  /** Sends one `entries` message of an answer or a push; counts what the remote now holds. */
  async sendEntries(message: EntriesMessage, entries: readonly StoredEntry[]): Promise<void> {
    for (const e of entries) this.holds(keyOf(e.author, e.device), [{ start: e.seq, end: e.seq }]);
    this.counts.sent += entries.length;
    await this.send(encodeEntries(message));
    this.entryMessages++;
    this.wakeBlobs();
  }

  /** Largest `entries` message this transport carries. */
  get messageCapacity(): number {
    return Math.min(this.transport.maxMessageSize, this.host.config.limits.maxMessageBytes);
  }

  /** Target size of a batch. */
  get batchCapacity(): number {
    return Math.min(this.messageCapacity, this.host.config.maxBatchBytes);
  }

  /** An entry no message of this transport can hold: logged and counted, never dropped silently. */
  skipTooLarge(entry: StoredEntry): void {
    this.counts.skippedTooLarge++;
    log.warn('entry larger than the transport can carry, not sent', {
      remote: this.remote,
      author: entry.author,
      device: entry.device,
      seq: entry.seq,
      bytes: entry.bytes.byteLength,
      limit: this.messageCapacity,
    });
  }

  // ---- live push ----

  private pushLive(entries: readonly StoredEntry[], origin: unknown): void {
    if (this.closedWith || origin === this || !this.helloReceived) return;
    const fresh = entries.filter(
      (e) =>
        this.remoteWanted.has(e.author) &&
        !this.remoteHolds.get(keyOf(e.author, e.device))?.has(e.seq),
    );
    if (fresh.length === 0) return;
    // Marked before sending, so that two pushes racing cannot both send an entry.
    for (const e of fresh) this.holds(keyOf(e.author, e.device), [{ start: e.seq, end: e.seq }]);
    this.entryWork++;
    this.spawn(
      (async () => {
        try {
          const batch = new Batcher(this, 0);
          for (const e of fresh) await batch.add(e);
          await batch.flush(false);
        } finally {
          this.entryWork--;
          this.wakeBlobs();
        }
      })(),
    );
  }

  // ---- blobs: requester ----

  /** How many more blobs this session can be asked for now (0 once closed or after a bad blob). */
  get blobCapacity(): number {
    if (this.closedWith || this.blobsRefused) return 0;
    return Math.max(0, this.host.config.maxBlobRequests - this.blobsIn.size);
  }

  /**
   * Asks the remote for blobs (at most `blobCapacity`, none already asked of it); the host hears
   * back through `blobProgress`, `blobReceived` and `blobFailed`.
   */
  requestBlobs(ids: readonly BlobId[]): void {
    if (ids.length === 0) return;
    if (ids.length > this.blobCapacity || ids.some((id) => this.blobsIn.has(id))) {
      throw new RangeError('more blobs than the session takes, or a blob asked twice');
    }
    for (const id of ids) this.blobsIn.set(id, new BlobAssembly());
    this.spawn(this.send(encodeBlobWant(ids)));
    this.changed();
  }

  private async onBlobChunk(chunk: BlobChunkMessage): Promise<void> {
    const assembly = this.blobsIn.get(chunk.id);
    if (!assembly) {
      this.close('unexpected-answer', `blob ${chunk.id} was not asked for`);
      return;
    }
    let whole: Uint8Array | undefined;
    try {
      whole = assembly.add(chunk);
    } catch (err) {
      if (!(err instanceof BlobChunkError)) throw err;
      this.close('bad-blob-chunk', err.message);
      return;
    }
    this.host.blobProgress(this, chunk.id, assembly.received, chunk.total);
    if (!whole) return;
    this.blobsIn.delete(chunk.id);
    try {
      checkBlob(chunk.id, whole);
    } catch (err) {
      if (!(err instanceof BlobError)) throw err;
      // No honest relay forwards such bytes: blobs are checked before they are stored. Counted
      // like an invalid entry, and since a bad blob costs up to 8 MiB, this peer is not asked for
      // blobs again in this session (entries, each checked on its own, still flow).
      const reason = `blob-${err.reason}`;
      this.reject(reason);
      this.counts.invalid++;
      this.blobsRefused = true;
      log.warn('refused a blob from peer', { remote: this.remote, id: chunk.id, reason });
      this.host.blobFailed(this, chunk.id, 'invalid');
      if (this.counts.invalid > this.host.config.maxInvalidEntries) {
        this.close('too-many-invalid-entries', `${this.counts.invalid} invalid entries and blobs`);
      }
      return;
    }
    this.counts.blobsReceived++;
    await this.host.blobReceived(this, chunk.id, whole);
  }

  private onBlobMissing(message: BlobMissingMessage): void {
    if (!this.blobsIn.delete(message.id)) {
      this.close('unexpected-answer', `blob ${message.id} was not asked for`);
      return;
    }
    this.host.blobFailed(this, message.id, 'missing');
  }

  // ---- blobs: answerer ----

  private onBlobWant(message: BlobWantMessage): void {
    if (this.blobWants.length + message.ids.length > this.host.config.maxQueuedBlobWants) {
      this.close('too-many-requests', `${this.blobWants.length + message.ids.length} blobs queued`);
      return;
    }
    this.blobWants.push(...message.ids);
    if (!this.sendingBlobs) this.spawn(this.answerBlobs());
  }

  private async answerBlobs(): Promise<void> {
    this.sendingBlobs = true;
    try {
      while (this.blobWants.length > 0 && !this.closedWith) {
        await this.answerBlob(this.blobWants.shift()!);
      }
    } finally {
      this.sendingBlobs = false;
      this.changed();
    }
  }

  /** Sends a held blob in chunks (whoever it belongs to, readable here or not), or `blob-missing`. */
  private async answerBlob(id: BlobId): Promise<void> {
    const bytes = await this.host.store.getBlob(id);
    // An empty blob has no chunk to carry it (no photo is empty); an oversized one no peer takes.
    if (!bytes || bytes.length === 0 || bytes.length > MAX_BLOB_BYTES) {
      await this.send(encodeBlobMissing(id));
      return;
    }
    const size = Math.min(
      this.host.config.blobChunkBytes,
      this.host.config.limits.maxBlobChunkBytes,
      this.messageCapacity - BLOB_CHUNK_OVERHEAD_BYTES,
    );
    if (size < 1) throw new RangeError('the transport’s messages cannot hold a blob chunk');
    for (let offset = 0; offset < bytes.length; offset += size) {
      await this.entriesFirst();
      if (this.closedWith) return;
      const piece = bytes.subarray(offset, offset + size);
      await this.send(encodeBlobChunk({ id, offset, total: bytes.length, bytes: piece }));
      this.entryMessagesAtChunk = this.entryMessages;
    }
    this.counts.blobsSent++;
  }

  /** Waits, while entries are being sent, until one `entries` message went out since the last chunk. */
  private async entriesFirst(): Promise<void> {
    while (
      this.entryWork > 0 &&
      this.entryMessages === this.entryMessagesAtChunk &&
      !this.closedWith
    ) {
      await new Promise<void>((resolve) => this.blobWaiters.push(resolve));
    }
  }

  private wakeBlobs(): void {
    for (const wake of this.blobWaiters.splice(0)) wake();
  }

  // ---- plumbing ----

  private holds(key: string, ranges: readonly SeqRange[]): void {
    if (ranges.length === 0) return;
    let set = this.remoteHolds.get(key);
    if (!set) {
      set = new SeqRanges();
      this.remoteHolds.set(key, set);
    }
    for (const r of ranges) set.addRange(r.start, r.end);
  }

  private async send(message: Uint8Array): Promise<void> {
    if (this.closedWith) return;
    try {
      await this.transport.send(message);
    } catch (err) {
      // The close handler ends the session; a send racing with it has nothing left to do.
      if (err instanceof TransportClosedError) return;
      throw err;
    }
  }

  /** Runs a task of this session; its failure closes the session, never the app. */
  private spawn(task: Promise<void>, onError?: () => void): void {
    this.tasks++;
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

  private finish(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    for (const request of this.inflight.values()) request.done?.(request.accepted);
    this.inflight.clear();
    this.inbox.length = 0;
    this.inboxBytes = 0;
    this.inboxMemory?.releaseAll();
    this.answers.length = 0;
    this.blobWants.length = 0;
    this.wakeBlobs();
    this.host.closed(this);
    // After `closed`, so that the host asks its other sessions, not this one.
    const unfinished = [...this.blobsIn.keys()];
    this.blobsIn.clear();
    for (const id of unfinished) this.host.blobFailed(this, id, 'closed');
    this.changed();
  }

  private changed(): void {
    if (this.progressListeners.size === 0) return;
    const progress = this.progress;
    for (const listener of this.progressListeners) listener(progress);
  }
}

function sizeOf(list: readonly Uint8Array[]): number {
  return list.reduce((n, bytes) => n + bytes.byteLength, 0);
}

/** The seqs of `remote` below the newest held range that are not held: older history. */
function olderThanNewest(remote: readonly SeqRange[], held: readonly SeqRange[]): SeqRange[] {
  const top = held.at(-1);
  if (!top) return [];
  return subtractRanges(rangesUpTo(remote, top.start - 1), held);
}

/** Collects entries into `entries` messages that fit the transport, and sends them in order. */
class Batcher {
  /** Whether the entries being added are pins. */
  pins = false;
  private entries: StoredEntry[] = [];
  private bytes = ENTRIES_OVERHEAD_BYTES;

  constructor(
    private readonly session: SyncSession,
    private readonly reqId: number,
  ) {}

  /** Adds an entry (sending a full batch first); false when it is too large to ever send. */
  async add(entry: StoredEntry): Promise<boolean> {
    const size = entry.bytes.byteLength + ENTRY_FRAMING_BYTES;
    if (ENTRIES_OVERHEAD_BYTES + size > this.session.messageCapacity) {
      this.session.skipTooLarge(entry);
      return false;
    }
    if (this.entries.length > 0 && this.bytes + size > this.session.batchCapacity) {
      await this.flush(false);
    }
    this.entries.push(entry);
    this.bytes += size;
    return true;
  }

  /** Sends what is collected; `last` marks the final message of an answer (sent even if empty). */
  async flush(last: boolean): Promise<void> {
    if (this.entries.length === 0 && !last) return;
    const entries = this.entries;
    this.entries = [];
    this.bytes = ENTRIES_OVERHEAD_BYTES;
    await this.session.sendEntries(
      {
        type: 'entries',
        reqId: this.reqId,
        last: last && this.reqId !== 0,
        pins: this.pins && this.reqId !== 0,
        entries: entries.map((e) => e.bytes),
      },
      entries,
    );
  }
}
