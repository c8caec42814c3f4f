/**
 * What the parts of a sync session (`session-requester.ts`, `session-answerer.ts`,
 * `session-blobs.ts`, `live-push.ts`) share: the host, the outbox, the peer's score, what the
 * remote is known to hold, the counts shown as progress, and the session's lifecycle.
 */
import { SeqRanges } from '../feed/seq-ranges.ts';
import type { SeqRange } from '../feed/seq-ranges.ts';
import type { StoredEntry } from '../store/storage-adapter.ts';
import type { EntriesMessage } from './messages.ts';
import type { Outbox } from './outbox.ts';
import type { PeerScore } from './peer-score.ts';
import type { SessionCloseReason, SessionHost, SyncSession } from './sync-session.ts';

/** Counts of one session, shown in its progress. */
export interface SessionCounts {
  received: number;
  sent: number;
  skippedTooLarge: number;
  blobsReceived: number;
  blobsSent: number;
  /** Blob chunks received or sent: a photo in transit is progress before it is whole. */
  blobChunks: number;
}

/** The seqs of each log the remote is known to hold (sent either way, or said in `have`). */
export class RemoteHolds {
  private readonly logs = new Map<string, SeqRanges>();

  /** Adds `ranges` of the log `key`. */
  add(key: string, ranges: readonly SeqRange[]): void {
    if (ranges.length === 0) return;
    let set = this.logs.get(key);
    if (!set) {
      set = new SeqRanges();
      this.logs.set(key, set);
    }
    for (const r of ranges) set.addRange(r.start, r.end);
  }

  /** The newest seq `s` such that the remote holds seqs 1 to `s` of the log `key` (0: unknown). */
  through(key: string): number {
    const first = this.logs.get(key)?.ranges()[0];
    return first?.start === 1 ? first.end : 0;
  }

  /** Whether the remote holds `seq` of the log `key`. */
  has(key: string, seq: number): boolean {
    return this.logs.get(key)?.has(seq) ?? false;
  }
}

/** The session as its parts see it. */
export interface SessionContext {
  readonly host: SessionHost;
  /** The session itself: what host callbacks and the ingestor's `origin` name. */
  readonly session: SyncSession;
  /** The remote's label, for logs. */
  readonly remote: string;
  readonly outbox: Outbox;
  readonly score: PeerScore;
  readonly holds: RemoteHolds;
  readonly counts: SessionCounts;
  /** Whether the session is closed. */
  readonly closed: boolean;
  /** Runs a task of the session; its failure closes the session, never the app. */
  spawn(task: Promise<void>, onError?: () => void): void;
  /** Progress changed. */
  changed(): void;
  /** A task failed: a store error or a bug closes the session. */
  fail(err: unknown): void;
  /** Closes the session. */
  close(reason: SessionCloseReason, detail?: string): void;
  /** Closes the session if the peer sent too much of what it should not. */
  checkScore(): void;
  /** Sends one `entries` message of an answer or a push; counts what the remote now holds. */
  sendEntries(message: EntriesMessage, entries: readonly StoredEntry[]): Promise<void>;
  /** Largest `entries` message this transport carries. */
  readonly messageCapacity: number;
}
