/**
 * The one door through which entries enter a replica (design guide section 1, invariant 1).
 *
 * `ingest` takes untrusted entry bytes from a peer and:
 * 1. decodes and verifies them all at once (`EntryVerifier.verifyMany`: in Web Workers in the
 *    browser), outside any lock, since that is the expensive part: a caller with several batches
 *    in flight (pipelined sync) has the next one verified while this one is written; each entry
 *    is decoded once, by the verifier (the `accept` filter reads only the header);
 * 2. inside the ingestor's lock, groups them per (author, device) log, sorts each group by seq
 *    and checks each entry with the feed layer's `checkChain` against what is held plus what this
 *    batch has accepted so far (`StoreHeldLog`), so a contiguous run chains entry by entry and a
 *    scattered entry is judged on its own, and one bad entry never takes honest neighbours down;
 * 3. writes every accepted entry with one `putEntries` (one transaction: the batch lands whole or
 *    not at all), then keeps fork evidence (`putForkEvidence`), never applying a fork;
 * 4. tells `onStored` subscribers (live push to peers, the docs layer) what is new, and `onFork`
 *    subscribers which logs forked.
 *
 * A forked log is not continued: once its device signed two entries at seq s, every later entry
 * of it is refused (`ForkedLogError`, reason `past-fork`), found earlier or in the same batch,
 * and the store leaves its entries from s on out of every doc (`getDocEntries`), so no view is
 * built from either history past the fork. Below s the log still fills in as usual.
 *
 * It never throws for bad input: each refused entry is in the report with its typed error. A
 * store failure (quota full, store closed) propagates as the store's typed error and nothing of
 * the batch is stored or announced.
 *
 * The lock is global, not per log: the check-and-write step is short next to verification, and a
 * single queue makes it impossible for two batches racing on one log to both pass the chain
 * check and then conflict.
 *
 * The feed layer's `acceptRun` is not used: it verifies its bytes itself, and entries arrive
 * here already verified (a second pass would double the cost of sync). Checking a sorted run
 * entry by entry against held + staged entries applies exactly the same rules.
 */
import { checkChain, type ChainError, type ChainErrorReason } from '../feed/log-chain.ts';
import { EntryDecodeError, peekEntryAuthor, type EntryDecodeReason } from '../feed/entry-codec.ts';
import type {
  EntryVerifier,
  EntryVerifyError,
  EntryVerifyReason,
  VerifiedEntry,
} from '../feed/entry-verifier.ts';
import type { DeviceId, PersonId } from '../ids.ts';
import { createLogger } from '../log.ts';
import type { ForkedLog } from '../store/forks.ts';
import type { LogStore, StoredEntry } from '../store/storage-adapter.ts';
import { StoreHeldLog } from './store-held-log.ts';

const log = createLogger('sync:ingest');

/** An entry of an author this replica does not replicate (neither in full nor as a window). */
export class UnwantedEntryError extends Error {
  override readonly name = 'UnwantedEntryError';
  /** Machine-readable cause, as on the other entry errors. */
  readonly reason = 'unwanted-author';

  constructor(readonly author: PersonId) {
    super(`entry of an author not replicated here: ${author}`);
  }
}

/** An entry past a fork of its log: its device signed two histories, neither is continued. */
export class ForkedLogError extends Error {
  override readonly name = 'ForkedLogError';
  /** Machine-readable cause, as on the other entry errors. */
  readonly reason = 'past-fork';

  constructor(
    readonly seq: number,
    /** The lowest seq at which the log forked. */
    readonly forkSeq: number,
  ) {
    super(`entry #${seq} of a log that forked at #${forkSeq}`);
  }
}

/** This device's own entry does not fit its own log: a bug in our own code, never a peer's. */
export class OwnEntryError extends Error {
  override readonly name = 'OwnEntryError';
}

/** Why an entry was refused. */
export type IngestRejectReason =
  EntryDecodeReason | EntryVerifyReason | ChainErrorReason | 'unwanted-author' | 'past-fork';

/** One refused entry of a batch. */
export interface IngestRejection {
  /** Its index in the batch. */
  readonly index: number;
  /** Machine-readable cause (the error's own `reason`). */
  readonly reason: IngestRejectReason;
  /** The typed error. */
  readonly error:
    EntryDecodeError | EntryVerifyError | ChainError | UnwantedEntryError | ForkedLogError;
}

/** Two different entries signed at one (author, device, seq): kept as evidence, never applied. */
export interface IngestFork {
  /** The log's author. */
  readonly author: PersonId;
  /** The log's device. */
  readonly device: DeviceId;
  /** The seq signed twice. */
  readonly seq: number;
  /** The entry held (or accepted earlier in the same batch). */
  readonly held: StoredEntry;
  /** The other one, signature intact. */
  readonly incoming: VerifiedEntry;
}

/** What became of a batch. */
export interface IngestReport {
  /** Entries newly stored, ascending by seq within each log. */
  readonly accepted: StoredEntry[];
  /** Entries already held (or repeated within the batch): harmless, not stored again. */
  readonly duplicates: VerifiedEntry[];
  /** Entries refused, each with its typed error. */
  readonly rejected: IngestRejection[];
  /** Forks found (evidence stored). */
  readonly forks: IngestFork[];
}

/** Options of one `ingest` call. */
export interface IngestOptions {
  /** Who delivered the batch (a sync session); passed to `onStored` so it is not echoed back. */
  readonly origin?: unknown;
  /** Which authors to keep; others are refused with `UnwantedEntryError` before verification. */
  readonly accept?: (author: PersonId) => boolean;
}

/** Receives every batch of newly stored entries and who delivered it (`undefined`: own). */
export type StoredListener = (entries: readonly StoredEntry[], origin: unknown) => void;

/**
 * What was stored, each entry as the decoded `VerifiedEntry` it was stored from when stored in
 * that same form (not reduced by a cover): subscribers (the docs layer) can use its decoded
 * fields instead of decoding the bytes again (`'verified' in entry`).
 */
function asDecoded(stored: readonly StoredEntry[], from: readonly VerifiedEntry[]): StoredEntry[] {
  const byHash = new Map(from.map((e) => [e.hash, e]));
  return stored.map((s) => {
    const decoded = byHash.get(s.hash);
    return decoded && decoded.bytes.length === s.bytes.length ? decoded : s;
  });
}

/** Verifies, chain-checks and stores entries; announces what is new. */
export class Ingestor {
  private readonly listeners = new Set<StoredListener>();
  private readonly forkListeners = new Set<(fork: ForkedLog) => void>();
  private readonly pruneListeners = new Set<(author: PersonId) => void>();
  private tail: Promise<unknown> = Promise.resolve();
  /** Authors whose entries are never stored here, whoever delivers them (people blocked). */
  private refused: ((author: PersonId) => boolean) | null = null;

  /** An ingestor writing to `store`, verifying with `verifier`. */
  constructor(
    private readonly store: LogStore,
    private readonly verifier: EntryVerifier,
  ) {}

  /** Subscribes to newly stored entries; returns the unsubscribe function. */
  onStored(listener: StoredListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Subscribes to logs found forked (or forked lower than known); returns the unsubscribe
   * function. The views built from the log's entries at and past `seq` must be rebuilt without
   * them (the store no longer gives them out as doc entries).
   */
  onFork(listener: (fork: ForkedLog) => void): () => void {
    this.forkListeners.add(listener);
    return () => this.forkListeners.delete(listener);
  }

  /**
   * Subscribes to logs pruned (a window log trimmed to its quota); returns the unsubscribe
   * function. The views of docs of `author` no entry of which is held any more must go.
   */
  onPruned(listener: (author: PersonId) => void): () => void {
    this.pruneListeners.add(listener);
    return () => this.pruneListeners.delete(listener);
  }

  /**
   * Refuses, from now on, every entry whose author `refused` names (`UnwantedEntryError`), in
   * any batch: synced, or embedded in someone's thread (`peer/blocking.ts`).
   */
  refuseAuthors(refused: (author: PersonId) => boolean): void {
    this.refused = refused;
  }

  /** Whether entries of `author` are refused here (`refuseAuthors`). */
  refuses(author: PersonId): boolean {
    return this.refused?.(author) ?? false;
  }

  /** Verifies and stores untrusted entry bytes (module doc). Never throws for bad input. */
  async ingest(list: readonly Uint8Array[], options: IngestOptions = {}): Promise<IngestReport> {
    const rejected: IngestRejection[] = [];
    let toVerify: { index: number; bytes: Uint8Array }[] = list.map((bytes, index) => ({
      index,
      bytes,
    }));
    if (options.accept || this.refused)
      toVerify = toVerify.filter((item) => this.wanted(item, options, rejected));
    const checks = await this.verifier.verifyMany(toVerify.map((item) => item.bytes));
    const verified: { index: number; entry: VerifiedEntry }[] = [];
    checks.forEach((check, i) => {
      const index = toVerify[i]!.index;
      if (check instanceof Error) rejected.push({ index, reason: check.reason, error: check });
      else verified.push({ index, entry: check });
    });
    const report = await this.exclusive(() => this.admit(verified, rejected, options.origin));
    rejected.sort((a, b) => a.index - b.index);
    return report;
  }

  /** Stores this device's own freshly signed entry (already verified); idempotent. */
  async addOwn(entry: VerifiedEntry): Promise<void> {
    await this.exclusive(async () => {
      const held = new StoreHeldLog(this.store, entry.author, entry.device);
      const outcome = await checkChain(entry, held);
      if (outcome.kind === 'duplicate') return;
      if (outcome.kind !== 'accepted') {
        throw new OwnEntryError(
          `own entry #${entry.seq} does not fit the own log: ${outcome.kind}`,
        );
      }
      this.emit(asDecoded(await this.store.putEntries([entry]), [entry]), undefined);
    });
  }

  /**
   * Announces entries that another tab of this browser profile stored in the shared store, so
   * this tab's subscribers (views, live push) learn of them as if they had been stored here.
   */
  announce(entries: readonly StoredEntry[], origin: unknown): void {
    if (entries.length > 0) this.emit(entries, origin);
  }

  /** Drops a log's entries below `keepFromSeq` (window quota), never during a batch's check. */
  async pruneLog(author: PersonId, device: DeviceId, keepFromSeq: number): Promise<void> {
    await this.exclusive(() => this.store.pruneLog(author, device, keepFromSeq));
    for (const listener of [...this.pruneListeners]) listener(author);
  }

  private wanted(
    item: { index: number; bytes: Uint8Array },
    options: IngestOptions,
    rejected: IngestRejection[],
  ): boolean {
    // The header alone (no decode, no signature): a flood of foreign entries costs nothing, and
    // a wanted entry is decoded once, by the verifier.
    let author: PersonId;
    try {
      author = peekEntryAuthor(item.bytes);
    } catch (err) {
      if (!(err instanceof EntryDecodeError)) throw err;
      rejected.push({ index: item.index, reason: err.reason, error: err });
      return false;
    }
    if (!this.refused?.(author) && (options.accept?.(author) ?? true)) return true;
    const error = new UnwantedEntryError(author);
    rejected.push({ index: item.index, reason: error.reason, error });
    return false;
  }

  private async admit(
    verified: readonly { index: number; entry: VerifiedEntry }[],
    rejected: IngestRejection[],
    origin: unknown,
  ): Promise<IngestReport> {
    const byLog = new Map<string, { index: number; entry: VerifiedEntry }[]>();
    for (const item of verified) {
      const key = `${item.entry.author}\u0000${item.entry.device}`;
      const group = byLog.get(key);
      if (group) group.push(item);
      else byLog.set(key, [item]);
    }
    const accepted: VerifiedEntry[] = [];
    const forks: IngestFork[] = [];
    const forked: ForkedLog[] = [];
    const duplicates: VerifiedEntry[] = [];
    const refills: VerifiedEntry[] = [];
    for (const group of byLog.values()) {
      // Stable sort: two entries at one seq keep their arrival order, the first one wins.
      group.sort((a, b) => a.entry.seq - b.entry.seq);
      const { author, device } = group[0]!.entry;
      const held = new StoreHeldLog(this.store, author, device);
      // Two independent reads: one round trip instead of two.
      const [, knownFork] = await Promise.all([
        held.preload(group[0]!.entry.seq, group.at(-1)!.entry.seq),
        this.store.forkSeq(author, device),
      ]);
      let forkSeq = knownFork ?? Infinity;
      for (const { index, entry } of group) {
        if (entry.seq > forkSeq) {
          const error = new ForkedLogError(entry.seq, forkSeq);
          rejected.push({ index, reason: error.reason, error });
          continue;
        }
        const outcome = await checkChain(entry, held);
        switch (outcome.kind) {
          case 'accepted':
            held.stage(entry);
            accepted.push(entry);
            break;
          case 'duplicate':
            duplicates.push(entry);
            if (entry.payload !== undefined && (await held.lacksPayloadAt(entry.seq)))
              refills.push(entry);
            break;
          case 'fork': {
            const first = await held.entryAt(entry.seq);
            if (first) forks.push({ author, device, seq: entry.seq, held: first, incoming: entry });
            forkSeq = Math.min(forkSeq, entry.seq);
            break;
          }
          case 'rejected':
            rejected.push({ index, reason: outcome.error.reason, error: outcome.error });
            break;
        }
      }
      if (forkSeq !== (knownFork ?? Infinity)) forked.push({ author, device, seq: forkSeq });
    }
    // A duplicate carrying the payload the copy held lacks (a relay withheld it) goes to the
    // store too, which fills it in unless a cover dropped it. What is announced is what was
    // stored: a covered entry without its payload (a covered v1 entry not at all), a refill.
    const toStore = [...accepted, ...refills];
    const stored = toStore.length > 0 ? await this.store.putEntries(toStore) : [];
    for (const fork of forks) {
      log.warn('fork kept as evidence', {
        author: fork.author,
        device: fork.device,
        seq: fork.seq,
      });
      await this.store.putForkEvidence(fork.held, fork.incoming);
    }
    if (stored.length > 0) this.emit(asDecoded(stored, toStore), origin);
    for (const fork of forked) this.emitFork(fork);
    return { accepted, duplicates, rejected, forks };
  }

  private emit(entries: readonly StoredEntry[], origin: unknown): void {
    for (const listener of this.listeners) {
      try {
        listener(entries, origin);
      } catch (err) {
        // A subscriber's bug must not undo or block a write that already happened.
        log.error('onStored listener failed', { error: String(err) });
      }
    }
  }

  private emitFork(fork: ForkedLog): void {
    for (const listener of this.forkListeners) {
      try {
        listener(fork);
      } catch (err) {
        log.error('onFork listener failed', { error: String(err) });
      }
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
