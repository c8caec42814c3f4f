/**
 * The requesting side of a sync session: what to ask the remote, and what its answers and pushes
 * bring.
 *
 * First the newest-first request of each log met for the first time and the entries above the
 * newest held seq of each log already held, then, when nothing recent is pending or in flight,
 * the older gaps of logs replicated in full, newest first, one budget page at a time (idle-time
 * backfill). Requests are pipelined: each is a page of seqs not asked yet, cut to about one
 * budget from the size of the entries answered so far, and several are in flight at once (up to
 * `maxOutstandingRequests`, their budgets within half the inbox and half the remote person's
 * memory budget), so the answerer always has the next page queued and no round trip is waited
 * between pages. A page cut short by its budget leaves its rest to a later page.
 *
 * What arrives is held to what was asked: an answer past its request's budget disconnects the
 * peer, live pushes pass within an allowance (`push-allowance.ts`; beyond it they are refused
 * unverified and pulled instead), and a window log is trimmed to its quota whenever it grows.
 * Entry messages are ingested a few at a time (`ingest-queue.ts`), their outcomes taken in order.
 */
import type { SeqRange } from '../feed/seq-ranges.ts';
import { SeqRanges } from '../feed/seq-ranges.ts';
import { EntryDecodeError, MAX_SEQ, decodeAnyEntry } from '../feed/entry-codec.ts';
import { EntryVerifyError } from '../feed/entry-verifier.ts';
import { logKey, type DeviceId, type PersonId } from '../ids.ts';
import { createLogger } from '../log.ts';
import type { StoredEntry } from '../store/storage-adapter.ts';
import { UnwantedEntryError, type IngestReport } from './ingest.ts';
import { IngestQueue } from './ingest-queue.ts';
import {
  encodeRequest,
  type EntriesMessage,
  type HaveMessage,
  type RequestMessage,
} from './messages.ts';
import { PushAllowance } from './push-allowance.ts';
import {
  countRanges,
  newestRanges,
  newestSeqs,
  oldestSeqs,
  rangesFrom,
  rangesUpTo,
  subtractRanges,
  unionRanges,
} from './range-math.ts';
import type { SessionContext } from './session-context.ts';
import type { LogProgress } from './sync-session.ts';

const log = createLogger('sync:session');

/**
 * Entry messages ingested at once per session: one being written, one being verified, one
 * decoded; more would only hold memory while verification is the bottleneck.
 */
const INGESTS_IN_FLIGHT = 3;

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
  /** Frees the message's place in the inbox. */
  readonly release: () => void;
}

/** The requester of one session. */
export class SessionRequester {
  private readonly remoteLogs = new Map<string, RemoteLog>();
  private readonly inflight = new Map<number, OutgoingRequest>();
  private readonly planQueue = new Set<string>();
  private readonly backfillQueue = new Set<string>();
  /** Authors whose pins this session asked for, or whose profile it found held here. */
  private readonly pinsKnown = new Set<PersonId>();
  private pumping = false;
  private pumpAgain = false;
  private nextReqId = 1;
  /** Bytes and count of answered entries (pins apart): the size a page of seqs is cut to. */
  private answeredBytes = 0;
  private answeredEntries = 0;
  private readonly ingesting: IngestQueue<Ingesting>;
  private readonly pushAllowance: PushAllowance;

  constructor(
    private readonly ctx: SessionContext,
    /** Bytes the remote person may make this replica hold, all connections together. */
    private readonly memoryLimit: number,
  ) {
    const { pushBurstBytes, pushBytesPerSecond } = ctx.host.config;
    this.pushAllowance = new PushAllowance(pushBurstBytes, pushBytesPerSecond, ctx.host.clock);
    this.ingesting = new IngestQueue<Ingesting>(
      ctx.host.ingestor,
      INGESTS_IN_FLIGHT,
      (report, { request, message, release }) => {
        release();
        if (!ctx.closed) this.ingested(report, request, message);
        ctx.changed();
      },
      (err) => ctx.fail(err),
    );
  }

  /** Whether anything is asked, planned or being ingested. */
  get busyAtAll(): boolean {
    return (
      this.ingesting.size > 0 ||
      this.inflight.size > 0 ||
      this.planQueue.size > 0 ||
      (this.backfillQueue.size > 0 && this.ctx.host.config.backfill) ||
      this.pumping
    );
  }

  /** Progress of each log the remote holds. */
  get logs(): LogProgress[] {
    return [...this.remoteLogs.values()].map(({ author, device, received, pending }) => ({
      author,
      device,
      received,
      pending,
    }));
  }

  /** The session closed: requests in flight end with what they brought. */
  finish(): void {
    for (const request of this.inflight.values()) request.done?.(request.accepted);
    this.inflight.clear();
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
    if (!remote || this.ctx.closed || this.busy(key)) return undefined;
    return new Promise((resolve) => {
      this.ctx.spawn(
        (async () => {
          const held = await this.ctx.host.store.heldRanges(author, device);
          const wanted = olderThanNewest(remote.ranges, held);
          if (wanted.length === 0 || this.busy(key)) {
            resolve(0);
            return;
          }
          const budget = Math.min(budgetBytes, this.ctx.host.config.limits.maxBudgetBytes);
          await this.sendRequest(remote, wanted, 'descending', budget, false, 'older', resolve);
        })(),
        () => resolve(0),
      );
    });
  }

  /** The remote said what it holds: plans what to ask. */
  onHave(have: HaveMessage): void {
    for (const l of have.logs) {
      // A `have` for an author no longer wanted here (interest changed meanwhile) is stale.
      if (this.ctx.host.modeOf(l.author) === undefined) continue;
      const key = keyOf(l.author, l.device);
      const known = this.remoteLogs.get(key);
      if (known) known.ranges = [...l.ranges];
      else if (!this.remember(key, l.author, l.device, [...l.ranges])) return;
      this.ctx.holds.add(key, l.ranges);
      this.planQueue.add(key);
    }
    this.ctx.spawn(this.pump());
  }

  /**
   * Remembers a log the remote holds, unless that makes more than `maxRemoteLogs`: the session
   * then closes (a peer naming devices that do not exist would grow what is kept and asked for
   * without end).
   */
  private remember(key: string, author: PersonId, device: DeviceId, ranges: SeqRange[]): boolean {
    const max = this.ctx.host.config.maxRemoteLogs;
    if (this.remoteLogs.size >= max) {
      this.ctx.close('too-many-logs', `more than ${max} logs`);
      return false;
    }
    this.remoteLogs.set(key, { author, device, ranges, received: 0, pending: 0 });
    return true;
  }

  /**
   * Checks an `entries` message against what was asked and starts its ingest; waits only while
   * `INGESTS_IN_FLIGHT` are being ingested, so the next batch is verified while the previous one
   * is written and the inbox keeps draining. Outcomes are taken in arrival order.
   */
  async onEntries(message: EntriesMessage, release: () => void): Promise<void> {
    const request = message.reqId === 0 ? undefined : this.inflight.get(message.reqId);
    if (message.reqId !== 0 && (!request || request.answered)) {
      this.ctx.close('unexpected-answer', `no request ${message.reqId}`);
      return;
    }
    if (request) {
      if (message.pins && !request.pins) {
        this.ctx.close('unexpected-answer', `pins for request ${request.id}, which asked for none`);
        return;
      }
      const over = this.overBudget(request, message);
      if (over) {
        this.ctx.close('answer-over-budget', over);
        return;
      }
      if (message.last) request.answered = true;
    } else if (!this.pushAllowance.take(sizeOf(message.entries))) {
      release();
      this.refusePush(message.entries);
      return;
    }
    const accept = (author: PersonId) => this.ctx.host.modeOf(author) !== undefined;
    await this.ingesting.add(
      message.entries,
      { origin: this.ctx.session, accept },
      { request, message, release },
    );
  }

  /** Takes the outcome of an `entries` message: counts it, and completes its request. */
  private ingested(
    report: IngestReport,
    request: OutgoingRequest | undefined,
    message: EntriesMessage,
  ): void {
    this.account(report, request, message);
    if (this.ctx.closed) return;
    this.trimWindows(report.accepted);
    if (request && message.last) {
      this.inflight.delete(request.id);
      this.ctx.spawn(this.complete(request));
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
        this.ctx.score.rejectInvalid(err.reason);
        continue;
      }
      if (this.ctx.host.modeOf(entry.author) === undefined) {
        this.ctx.score.rejectUnwanted();
        continue;
      }
      this.ctx.score.reject('push-over-allowance');
      const key = keyOf(entry.author, entry.device);
      const log = claimed.get(key) ?? { ...entry, seqs: new SeqRanges() };
      log.seqs.add(entry.seq);
      claimed.set(key, log);
    }
    log.warn('refused pushes beyond the allowance', {
      remote: this.ctx.remote,
      entries: list.length,
    });
    for (const [key, { author, device, seqs }] of claimed) {
      // One range per log and push, so scattered claims cannot grow what is remembered.
      const range = { start: seqs.ranges()[0]!.start, end: seqs.max };
      const remote = this.remoteLogs.get(key);
      if (remote) remote.ranges = unionRanges(remote.ranges, [range]);
      else if (!this.remember(key, author, device, [range])) return;
      this.planQueue.add(key);
    }
    this.ctx.checkScore();
    if (!this.ctx.closed && claimed.size > 0) this.ctx.spawn(this.pump());
  }

  /** Keeps every window log that grew within its quota, whether answered or pushed. */
  private trimWindows(accepted: readonly StoredEntry[]): void {
    const grown = new Map<string, StoredEntry>();
    for (const e of accepted) grown.set(keyOf(e.author, e.device), e);
    for (const e of grown.values()) {
      if (this.ctx.host.modeOf(e.author) === 'window')
        this.ctx.host.windowStored(e.author, e.device);
    }
  }

  private account(
    report: IngestReport,
    request: OutgoingRequest | undefined,
    message: EntriesMessage,
  ): void {
    this.ctx.counts.received += report.accepted.length;
    for (const e of report.accepted) {
      const remote = this.remoteLogs.get(keyOf(e.author, e.device));
      if (!remote) continue;
      remote.received++;
      remote.pending = Math.max(0, remote.pending - 1);
    }
    for (const e of [...report.accepted, ...report.duplicates]) {
      const key = keyOf(e.author, e.device);
      this.ctx.holds.add(key, [{ start: e.seq, end: e.seq }]);
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
      // Only what no honest relay forwards counts against the peer (`peer-score.ts`).
      if (r.error instanceof UnwantedEntryError) {
        // Asked for while its author was still wanted here (a friend removed since): not the
        // peer's doing.
        if (request?.author === r.error.author) this.ctx.score.reject(r.reason);
        else this.ctx.score.rejectUnwanted();
      } else if (forgedOrMalformed(r.error)) this.ctx.score.rejectInvalid(r.reason);
      else this.ctx.score.reject(r.reason);
    }
    if (report.rejected.length > 0) {
      log.warn('refused entries from peer', {
        remote: this.ctx.remote,
        reasons: [...new Set(report.rejected.map((r) => r.reason))],
      });
    }
    this.ctx.checkScore();
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
  busy(key: string): boolean {
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
    if (this.inflight.size >= this.ctx.host.config.maxOutstandingRequests) return false;
    // What the answers in flight may still bring is held in the inbox at worst: half of it,
    // and half of the remote person's memory budget, leave room for pushes and blobs.
    const memory = this.memoryLimit;
    const cap = Math.min(this.ctx.host.config.maxInboxBytes, memory) / 2;
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
        while (!this.ctx.closed && (await this.requestNext()));
      } while (this.pumpAgain && !this.ctx.closed);
    } finally {
      this.pumping = false;
      this.ctx.changed();
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
    if (!this.ctx.host.config.backfill || this.planQueue.size > 0 || this.recentInFlight()) {
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
    const mode = remote && this.ctx.host.modeOf(remote.author);
    if (!remote || !mode) return false;
    const held = await this.ctx.host.store.heldRanges(remote.author, remote.device);
    const missing = subtractRanges(remote.ranges, held);
    remote.pending = countRanges(missing);
    const { firstBudgetBytes, rangeBudgetBytes, windowQuotaBytes } = this.ctx.host.config;
    const asked = this.asked(key);
    const wanted = subtractRanges(missing, asked);
    const known = unionRanges(held, asked);
    // A log whose newest entries came pushed before it was ever asked for lacks the pins that
    // come with a first answer (a friend of a friend's name and keys): asked for once.
    const pins = held.length > 0 && (await this.lacksPins(remote.author));
    if (wanted.length === 0) return pins && this.askPins(remote, held);
    if (known.length === 0) {
      // A log met for the first time: newest first within a budget, with the author's pins.
      const budget =
        mode === 'window' ? Math.min(firstBudgetBytes, windowQuotaBytes) : firstBudgetBytes;
      if (!this.roomFor(budget)) return 'no-room';
      // Not cut to a page: its budget alone is what "recent" means for this log.
      await this.sendRequest(remote, wanted, 'descending', budget, true, 'recent');
      return true;
    }
    if (mode === 'window') {
      // A window log keeps only its newest entries, so it never asks for a long run oldest
      // first: newest first, what it lacks among about a quota's worth of seqs below the newest
      // it knows, a gap among them too (entries written while this device was cut off, with
      // newer ones pushed since), but not below its oldest held entry (history it never held)
      // nor down to pins far below (what it fetched there the trim would take again).
      const floor = Math.max(
        (held[0] ?? known[0]!).start,
        known.at(-1)!.end - this.pageSeqs(windowQuotaBytes) + 1,
      );
      const within = rangesFrom(wanted, floor);
      if (within.length === 0) return pins && this.askPins(remote, held);
      if (this.busy(key)) return false;
      if (!this.roomFor(windowQuotaBytes)) return 'no-room';
      await this.sendRequest(remote, within, 'descending', windowQuotaBytes, pins, 'recent');
      return true;
    }
    const above = rangesFrom(wanted, known.at(-1)!.end + 1);
    if (above.length > 0) {
      if (!this.roomFor(rangeBudgetBytes)) return 'no-room';
      const page = oldestSeqs(above, this.pageSeqs(rangeBudgetBytes));
      await this.sendRequest(remote, page, 'ascending', rangeBudgetBytes, pins, 'recent');
      return true;
    }
    this.backfillQueue.add(key);
    return pins && this.askPins(remote, held);
  }

  /** Asks for an author's pins alone, with the newest entry held (a duplicate: a range). */
  private async askPins(
    remote: RemoteLog,
    held: readonly SeqRange[],
  ): Promise<boolean | 'no-room'> {
    const budget = this.ctx.host.config.firstBudgetBytes;
    if (!this.roomFor(budget)) return 'no-room';
    const top = held.at(-1)!.end;
    await this.sendRequest(
      remote,
      [{ start: top, end: top }],
      'descending',
      budget,
      true,
      'recent',
    );
    return true;
  }

  /**
   * Whether `author`'s pins were not asked for in this session yet and their profile is not held
   * here (a pushed entry of another pinned doc, a friend list or key record, is no profile). An
   * author stays "lacking" until a request with pins is sent (one without room comes again).
   */
  private async lacksPins(author: PersonId): Promise<boolean> {
    if (this.pinsKnown.has(author)) return false;
    const held = (await this.ctx.host.pins.pins(author)).some((pin) => pin.docId === 'profile');
    if (held) this.pinsKnown.add(author);
    return !held;
  }

  private async planOlder(key: string): Promise<boolean | 'no-room'> {
    const remote = this.remoteLogs.get(key);
    if (!remote || this.ctx.host.modeOf(remote.author) !== 'full') return false;
    const held = await this.ctx.host.store.heldRanges(remote.author, remote.device);
    const asked = this.asked(key);
    const wanted = subtractRanges(olderThanNewest(remote.ranges, unionRanges(held, asked)), asked);
    if (wanted.length === 0) return false;
    const budget = this.ctx.host.config.pageBudgetBytes;
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
    // Planned across an await: the session may have closed (and settled what was in flight).
    if (this.ctx.closed) {
      done?.(0);
      return;
    }
    const max = this.ctx.host.config.limits.maxRangesPerLog;
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
    if (pins) this.pinsKnown.add(remote.author);
    await this.ctx.outbox.send(encodeRequest({ ...request, reqId: request.id }));
  }
}

/**
 * Whether a refused entry is one no honest relay forwards: undecodable, forged, or signed under a
 * certificate that does not hold. A revoked device's entry is not: a relay that stored it before
 * it heard of the revocation keeps it (docs/protocol.md "Device revocation") and serves it.
 */
function forgedOrMalformed(error: Error): boolean {
  if (error instanceof EntryDecodeError) return true;
  return error instanceof EntryVerifyError && error.reason !== 'device-revoked';
}

function keyOf(author: PersonId, device: DeviceId): string {
  return logKey(author, device);
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
