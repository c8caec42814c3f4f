/**
 * An in-memory `HeldLog` that also keeps the entries: for tests, and for code that holds a
 * log in memory before storage exists.
 */
import type { DeviceId, EntryHash, PersonId } from '../ids.ts';
import type { VerifiedEntry } from './entry-verifier.ts';
import type { HeldLog } from './log-chain.ts';
import { SeqRanges } from './seq-ranges.ts';

/** One (author, device) log held in memory. */
export class MemoryHeldLog implements HeldLog {
  private readonly entries = new Map<number, VerifiedEntry>();
  /** Seqs held. */
  readonly held = new SeqRanges();

  /** An empty log of `author`'s `device`. */
  constructor(
    readonly author: PersonId,
    readonly device: DeviceId,
  ) {}

  /** Stores an entry the chain check accepted. */
  put(entry: VerifiedEntry): void {
    if (entry.author !== this.author || entry.device !== this.device)
      throw new Error('entry of another log');
    if (this.entries.has(entry.seq)) throw new Error(`seq ${entry.seq} already held`);
    this.entries.set(entry.seq, entry);
    this.held.add(entry.seq);
  }

  /** The entry at `seq`, if held. */
  get(seq: number): VerifiedEntry | undefined {
    return this.entries.get(seq);
  }

  /** See `HeldLog`. */
  hashAt(seq: number): EntryHash | undefined {
    return this.entries.get(seq)?.hash;
  }

  /** See `HeldLog`. */
  prevAt(seq: number): EntryHash | undefined {
    return this.entries.get(seq)?.prev;
  }
}
