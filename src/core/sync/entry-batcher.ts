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

  /** Adds an entry (sending a full batch first); false when it is too large to ever send. */
  async add(entry: StoredEntry): Promise<boolean> {
    const size = entry.bytes.byteLength + ENTRY_FRAMING_BYTES;
    const capacity = this.ctx.messageCapacity;
    if (ENTRIES_OVERHEAD_BYTES + size > capacity) {
      this.skipTooLarge(entry, capacity);
      return false;
    }
    const target = Math.min(capacity, this.ctx.host.config.maxBatchBytes);
    if (this.entries.length > 0 && this.bytes + size > target) await this.flush(false);
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
