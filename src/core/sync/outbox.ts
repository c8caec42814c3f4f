/**
 * Everything a sync session sends goes out through its outbox, in two lanes over one transport:
 * entries (answers and live pushes) ahead of blobs. While entries are being sent, the blob lane
 * sends one chunk per `entries` message, so a photo in transfer slows entry sync by at most one
 * chunk per batch and never stops it. Control messages (hello, have, request, blob-want,
 * blob-missing) go at once. Every send is awaited (the transport's backpressure).
 */
import { TransportClosedError, type Transport } from './transport.ts';

/** The sending side of one session. */
export class Outbox {
  /** Answers and pushes being sent: blob chunks give way to them. */
  private entryWork = 0;
  /** `entries` messages sent, and their count when the last blob chunk went out. */
  private entryMessages = 0;
  private entryMessagesAtChunk = 0;
  private readonly blobWaiters: (() => void)[] = [];
  private shut = false;

  constructor(private readonly transport: Transport) {}

  /** Sends a control message; nothing once closed. */
  async send(message: Uint8Array): Promise<void> {
    if (this.shut) return;
    try {
      await this.transport.send(message);
    } catch (err) {
      // The close handler ends the session; a send racing with it has nothing left to do.
      if (err instanceof TransportClosedError) return;
      throw err;
    }
  }

  /** Runs `work` (an answer or a push) in the entries lane: blobs give way to it meanwhile. */
  async entries(work: () => Promise<void>): Promise<void> {
    this.entryWork++;
    try {
      await work();
    } finally {
      this.entryWork--;
      this.wakeBlobs();
    }
  }

  /** Sends one `entries` message. */
  async sendEntries(message: Uint8Array): Promise<void> {
    await this.send(message);
    this.entryMessages++;
    this.wakeBlobs();
  }

  /** Sends one blob chunk once the entries lane let one `entries` message go since the last. */
  async sendBlobChunk(message: Uint8Array): Promise<void> {
    while (this.entryWork > 0 && this.entryMessages === this.entryMessagesAtChunk && !this.shut) {
      await new Promise<void>((resolve) => this.blobWaiters.push(resolve));
    }
    if (this.shut) return;
    await this.send(message);
    this.entryMessagesAtChunk = this.entryMessages;
  }

  /** Sends nothing more; wakes a blob chunk waiting for its turn. */
  close(): void {
    this.shut = true;
    this.wakeBlobs();
  }

  private wakeBlobs(): void {
    for (const wake of this.blobWaiters.splice(0)) wake();
  }
}
