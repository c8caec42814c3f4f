/**
 * Collects the entries of an answer or a push into `entries` messages that fit the transport,
 * and sends them in order through the session's entries lane.
 */
import type { StoredEntry } from '../store/storage-adapter.ts';
import { createLogger } from '../log.ts';
import { ENTRIES_OVERHEAD_BYTES, ENTRY_FRAMING_BYTES } from './messages.ts';
import type { SessionContext } from './session-context.ts';

const log = createLogger('sync:session');

/** One answer's (or push's) batches. */
export class EntryBatcher {
  /** Whether the entries being added are pins. */
  pins = false;
  private entries: StoredEntry[] = [];
  private bytes = ENTRIES_OVERHEAD_BYTES;

  /** `reqId` 0 is a push. */
  constructor(
    private readonly ctx: SessionContext,
    private readonly reqId: number,
  ) {}

  /**
   * Adds an entry (sending a full batch first); false when it is too large to ever send.
   * `answerRest`: of an answer, the bytes its budget allows from this entry on.
   */
  async add(entry: StoredEntry, answerRest?: number): Promise<boolean> {
    const size = entry.bytes.byteLength + ENTRY_FRAMING_BYTES;
    const capacity = this.ctx.messageCapacity;
    if (ENTRIES_OVERHEAD_BYTES + size > capacity) {
      this.skipTooLarge(entry, capacity);
      return false;
    }
    if (this.entries.length > 0 && this.bytes + size > this.limit(capacity, answerRest)) {
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
    await this.ctx.sendEntries(
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

  /**
   * Bytes a message may hold: the batch size, or an eighth more once an answer's budget is
   * nearly spent. An answer stops after the entry that reaches its budget, so its last few
   * entries would otherwise go as a message of their own, and every message costs the requester
   * a whole ingest round (a worker's check, a store transaction) however few it carries.
   */
  private limit(capacity: number, answerRest: number | undefined): number {
    const target = Math.min(capacity, this.ctx.host.config.maxBatchBytes);
    if (answerRest === undefined || answerRest > target / 16) return target;
    return Math.min(capacity, target + target / 8);
  }

  /** An entry no message of this transport can hold: logged and counted, never dropped silently. */
  private skipTooLarge(entry: StoredEntry, limit: number): void {
    this.ctx.counts.skippedTooLarge++;
    log.warn('entry larger than the transport can carry, not sent', {
      remote: this.ctx.remote,
      author: entry.author,
      device: entry.device,
      seq: entry.seq,
      bytes: entry.bytes.byteLength,
      limit,
    });
  }
}
