/**
 * An `EntryChecker` over Web Workers (issue 23): decoding and Ed25519 verification run off the
 * page's main thread, where WebCrypto's `verify` is synchronous in Chromium (14,200/s on the
 * page whatever the concurrency; the page stays free while workers verify). A batch is split
 * across the workers in contiguous slices (a slice's entries of one device share a certificate
 * check), and the outcomes come back as plain data (`entry-checker.ts`).
 *
 * Flow: the page posts `{ id, list }` to a worker (`entry-check.worker.ts`), which answers
 * `{ id, outcomes }` or `{ id, error }` (a bug on its side, never bad input: bad input is an
 * outcome). A worker that fails outright (its script did not load) rejects what it holds.
 */
import { createLogger } from '../log.ts';
import { InlineEntryChecker, type EntryCheckOutcome, type EntryChecker } from './entry-checker.ts';

const log = createLogger('feed:worker-checker');

/** A request to a checking worker. */
export interface CheckRequest {
  readonly id: number;
  readonly list: readonly Uint8Array[];
}

/** A checking worker's answer. */
export type CheckReply =
  | { readonly id: number; readonly outcomes: EntryCheckOutcome[] }
  | { readonly id: number; readonly error: string };

/** What the checker needs of a worker (the DOM's `Worker`, or a test's stand-in). */
export interface CheckWorker {
  postMessage(message: CheckRequest): void;
  onmessage: ((event: MessageEvent<CheckReply>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
  terminate(): void;
}

/** Thrown when a checking worker fails (its script, or a bug inside it). */
export class CheckWorkerError extends Error {
  override readonly name = 'CheckWorkerError';
}

/** Fewest entries worth a slice of their own: below it one worker takes the whole batch. */
export const MIN_SLICE = 32;

interface Pending {
  resolve(outcomes: EntryCheckOutcome[]): void;
  reject(error: Error): void;
}

/** Checks entries in a pool of workers (module doc). */
export class WorkerEntryChecker implements EntryChecker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private turn = 0;

  /** A checker over `workers` (at least one), which it owns and terminates on `close`. */
  constructor(private readonly workers: readonly CheckWorker[]) {
    if (workers.length === 0) throw new Error('a worker checker needs at least one worker');
    for (const worker of workers) {
      worker.onmessage = (event) => this.settle(event.data);
      worker.onerror = (event) => {
        log.error('checking worker failed', { message: event.message });
        this.failAll(new CheckWorkerError(`checking worker failed: ${event.message}`));
      };
    }
  }

  /** See `EntryChecker`. */
  async check(list: readonly Uint8Array[]): Promise<EntryCheckOutcome[]> {
    if (list.length === 0) return [];
    const slices = Math.max(1, Math.min(this.workers.length, Math.floor(list.length / MIN_SLICE)));
    const size = Math.ceil(list.length / slices);
    const parts: Promise<EntryCheckOutcome[]>[] = [];
    for (let i = 0; i < list.length; i += size) parts.push(this.send(list.slice(i, i + size)));
    return (await Promise.all(parts)).flat();
  }

  /** Terminates the workers; checks still pending reject. */
  close(): void {
    for (const worker of this.workers) worker.terminate();
    this.failAll(new CheckWorkerError('checker closed'));
  }

  private send(list: readonly Uint8Array[]): Promise<EntryCheckOutcome[]> {
    const id = this.nextId++;
    // Round robin: concurrent batches (one verifying while the previous one is written) spread
    // over the pool.
    const worker = this.workers[this.turn++ % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, list });
    });
  }

  private settle(reply: CheckReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if ('error' in reply) pending.reject(new CheckWorkerError(reply.error));
    else pending.resolve(reply.outcomes);
  }

  private failAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

/** The worker's side of the channel: its global scope, or a `MessagePort` in tests. */
export interface CheckScope {
  onmessage: ((event: MessageEvent<CheckRequest>) => void) | null;
  postMessage(reply: CheckReply): void;
}

/**
 * Answers check requests arriving at `scope` with an `InlineEntryChecker` of its own (its own
 * certificate cache): what `entry-check.worker.ts` runs.
 */
export function serveChecks(scope: CheckScope, checker = new InlineEntryChecker()): void {
  scope.onmessage = (event) => {
    const { id, list } = event.data;
    checker.check(list).then(
      (outcomes) => scope.postMessage({ id, outcomes }),
      (err: unknown) => scope.postMessage({ id, error: String(err) }),
    );
  };
}
