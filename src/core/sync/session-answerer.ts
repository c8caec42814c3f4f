/**
 * The answering side of a sync session: the `have` that tells the remote what this replica holds
 * of the authors it wants, and the remote's requests, one after the other in the outbox's entries
 * lane, forwarding the stored original bytes (blind relay: never re-encoded). Pipelined requests
 * wait here queued, so the next answer starts as soon as the previous one is sent.
 */
import type { DeviceId, PersonId } from '../ids.ts';
import type { StoredEntry } from '../store/storage-adapter.ts';
import { encodeHave, type LogHave, type RequestMessage, type Want } from './messages.ts';
import { EntryBatcher } from './entry-batcher.ts';
import { intersectRanges, newestRanges } from './range-math.ts';
import type { SessionContext } from './session-context.ts';

/** Entries read from the store at once while answering. */
const READ_CHUNK = 256;

/** The answerer of one session. */
export class SessionAnswerer {
  private readonly queue: RequestMessage[] = [];
  private answering = false;

  constructor(private readonly ctx: SessionContext) {}

  /** Whether a request is queued or being answered. */
  get busy(): boolean {
    return this.queue.length > 0 || this.answering;
  }

  /** Tells the remote what this replica holds of the authors it wants. */
  async sendHave(wants: readonly Want[]): Promise<void> {
    const wanted = new Set(wants.map((w) => w.author));
    const logs = await this.ctx.host.store.listLogs();
    await this.sendLogs(logs.filter((summary) => wanted.has(summary.author)));
  }

  /**
   * Tells the remote, again, what this replica holds of `logs` (theirs: entries of theirs that
   * came by another peer), so that they know those entries delivered here (`mesh/delivery.ts`):
   * nothing of theirs is sent to them, which is how they would learn it otherwise.
   */
  async tellHeld(logs: readonly { author: PersonId; device: DeviceId }[]): Promise<void> {
    const summaries = [];
    for (const { author, device } of logs) {
      summaries.push({
        author,
        device,
        ranges: await this.ctx.host.store.heldRanges(author, device),
      });
    }
    await this.sendLogs(summaries);
  }

  /** Sends `have` messages of `summaries`, within the message limits. */
  private async sendLogs(summaries: readonly LogHave[]): Promise<void> {
    const { host, outbox } = this.ctx;
    const { maxLogsPerMessage, maxRangesPerLog, maxRangesPerMessage } = host.config.limits;
    const logs: LogHave[] = [];
    let ranges = 0;
    const flush = async () => {
      if (logs.length > 0) await outbox.send(encodeHave(logs.splice(0)));
      ranges = 0;
    };
    for (const summary of summaries) {
      if (summary.ranges.length === 0) continue;
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

  /** Queues a request of the remote; too many queued disconnects it. */
  onRequest(request: RequestMessage): void {
    if (this.queue.length >= this.ctx.host.config.maxQueuedRequests) {
      this.ctx.close('too-many-requests', `${this.queue.length} queued`);
      return;
    }
    this.queue.push(request);
    if (!this.answering) this.ctx.spawn(this.answerAll());
  }

  /** The session closed. */
  finish(): void {
    this.queue.length = 0;
  }

  private async answerAll(): Promise<void> {
    this.answering = true;
    try {
      await this.ctx.outbox.entries(async () => {
        while (this.queue.length > 0 && !this.ctx.closed) await this.answer(this.queue.shift()!);
      });
    } finally {
      this.answering = false;
      this.ctx.changed();
    }
    // A request that came after the loop's last look, while the lane was being left, found
    // `answering` set and started nothing: it is answered now, not left queued for good.
    if (this.queue.length > 0 && !this.ctx.closed) this.ctx.spawn(this.answerAll());
  }

  private async answer(request: RequestMessage): Promise<void> {
    const { host } = this.ctx;
    const { author, device } = request;
    const batch = new EntryBatcher(this.ctx, request.reqId);
    // The requester counts what arrives against its budget (`overBudget`): pins and entries each
    // stop at the entry that reaches it.
    const budget = Math.min(request.budgetBytes, host.config.limits.maxBudgetBytes);
    if (request.pins) {
      batch.pins = true;
      let bytes = 0;
      for (const pin of await host.pins.pins(author)) {
        if (bytes >= budget) break;
        if (await batch.add(pin, budget - bytes)) bytes += pin.bytes.byteLength;
      }
      await batch.flush(false);
      batch.pins = false;
    }
    const held = intersectRanges(await host.store.heldRanges(author, device), request.ranges);
    let sent = 0;
    const ascending = request.order === 'ascending';
    const send = async (list: readonly StoredEntry[]): Promise<boolean> => {
      for (const e of ascending ? list : [...list].reverse()) {
        if (await batch.add(e, budget - sent)) sent += e.bytes.byteLength;
        if (sent >= budget || this.ctx.closed) return false;
      }
      return true;
    };
    outer: for (const r of ascending ? held : [...held].reverse()) {
      if (ascending) {
        for (let from = r.start; from <= r.end; from += READ_CHUNK) {
          const to = Math.min(r.end, from + READ_CHUNK - 1);
          if (!(await send(await host.store.getEntries(author, device, from, to)))) break outer;
        }
      } else {
        for (let to = r.end; to >= r.start; to -= READ_CHUNK) {
          const from = Math.max(r.start, to - READ_CHUNK + 1);
          if (!(await send(await host.store.getEntries(author, device, from, to)))) break outer;
        }
      }
    }
    await batch.flush(true);
  }
}
