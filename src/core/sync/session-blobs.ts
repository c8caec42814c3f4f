/**
 * Blobs (photos) of one sync session, both ways. The host (the engine) decides which blobs to ask
 * of this peer (`request`, at most `maxBlobRequests` in flight); chunks are reassembled in order,
 * the whole blob checked against its address and handed to the host, or the host is told the blob
 * will not come from here (`blob-missing`, a blob failing its check, a close), so that it can ask
 * another peer. The remote's `blob-want`s are served one blob at a time, any blob this replica
 * holds (blind relay of ciphertext), in chunks of `blobChunkBytes` in the outbox's blob lane.
 */
import { BlobError, MAX_BLOB_BYTES, checkBlob, type BlobId } from '../crypto/blobs.ts';
import { createLogger } from '../log.ts';
import { BlobAssembly, BlobChunkError } from './blob-assembly.ts';
import {
  BLOB_CHUNK_OVERHEAD_BYTES,
  encodeBlobChunk,
  encodeBlobMissing,
  encodeBlobWant,
  type BlobChunkMessage,
  type BlobMissingMessage,
  type BlobWantMessage,
} from './messages.ts';
import type { SessionContext } from './session-context.ts';

const log = createLogger('sync:session');

/** The blob exchange of one session. */
export class SessionBlobs {
  /** Blobs asked of the remote, by id. */
  private readonly incoming = new Map<BlobId, BlobAssembly>();
  /** Set once the remote sent a blob that is not what its id names. */
  private refused = false;
  /** Blobs the remote asked for, not yet answered. */
  private readonly wants: BlobId[] = [];
  private sending = false;

  constructor(private readonly ctx: SessionContext) {}

  /** Whether a blob is asked either way and not yet done. */
  get busy(): boolean {
    return this.incoming.size > 0 || this.wants.length > 0 || this.sending;
  }

  /** How many more blobs this session can be asked for now (0 once closed or after a bad blob). */
  get capacity(): number {
    if (this.ctx.closed || this.refused) return 0;
    return Math.max(0, this.ctx.host.config.maxBlobRequests - this.incoming.size);
  }

  /** Asks the remote for blobs (at most `capacity`, none already asked of it). */
  request(ids: readonly BlobId[]): void {
    if (ids.length === 0) return;
    if (ids.length > this.capacity || ids.some((id) => this.incoming.has(id))) {
      throw new RangeError('more blobs than the session takes, or a blob asked twice');
    }
    for (const id of ids) this.incoming.set(id, new BlobAssembly());
    this.ctx.spawn(this.ctx.outbox.send(encodeBlobWant(ids)));
    this.ctx.changed();
  }

  async onChunk(chunk: BlobChunkMessage): Promise<void> {
    const { ctx } = this;
    const assembly = this.incoming.get(chunk.id);
    if (!assembly) {
      ctx.close('unexpected-answer', `blob ${chunk.id} was not asked for`);
      return;
    }
    let whole: Uint8Array | undefined;
    try {
      whole = assembly.add(chunk);
    } catch (err) {
      if (!(err instanceof BlobChunkError)) throw err;
      ctx.close('bad-blob-chunk', err.message);
      return;
    }
    ctx.counts.blobChunks++;
    ctx.host.blobProgress(ctx.session, chunk.id, assembly.received, chunk.total);
    if (!whole) return;
    this.incoming.delete(chunk.id);
    try {
      checkBlob(chunk.id, whole);
    } catch (err) {
      if (!(err instanceof BlobError)) throw err;
      // No honest relay forwards such bytes: blobs are checked before they are stored. Counted
      // like an invalid entry, and since a bad blob costs up to 8 MiB, this peer is not asked for
      // blobs again in this session (entries, each checked on its own, still flow).
      const reason = `blob-${err.reason}`;
      ctx.score.rejectInvalid(reason);
      this.refused = true;
      log.warn('refused a blob from peer', { remote: ctx.remote, id: chunk.id, reason });
      ctx.host.blobFailed(ctx.session, chunk.id, 'invalid');
      ctx.checkScore();
      return;
    }
    ctx.counts.blobsReceived++;
    await ctx.host.blobReceived(ctx.session, chunk.id, whole);
  }

  onMissing(message: BlobMissingMessage): void {
    if (!this.incoming.delete(message.id)) {
      this.ctx.close('unexpected-answer', `blob ${message.id} was not asked for`);
      return;
    }
    this.ctx.host.blobFailed(this.ctx.session, message.id, 'missing');
  }

  onWant(message: BlobWantMessage): void {
    if (this.wants.length + message.ids.length > this.ctx.host.config.maxQueuedBlobWants) {
      this.ctx.close('too-many-requests', `${this.wants.length + message.ids.length} blobs queued`);
      return;
    }
    this.wants.push(...message.ids);
    if (!this.sending) this.ctx.spawn(this.answerAll());
  }

  /** The session closed: nothing more is sent; the blobs asked and unfinished, for the host. */
  finish(): BlobId[] {
    this.wants.length = 0;
    const unfinished = [...this.incoming.keys()];
    this.incoming.clear();
    return unfinished;
  }

  private async answerAll(): Promise<void> {
    this.sending = true;
    try {
      while (this.wants.length > 0 && !this.ctx.closed) await this.answer(this.wants.shift()!);
    } finally {
      this.sending = false;
      this.ctx.changed();
    }
  }

  /** Sends a held blob in chunks (whoever it belongs to, readable here or not), or `blob-missing`. */
  private async answer(id: BlobId): Promise<void> {
    const { ctx } = this;
    const bytes = await ctx.host.store.getBlob(id);
    // An empty blob has no chunk to carry it (no photo is empty); an oversized one no peer takes.
    if (!bytes || bytes.length === 0 || bytes.length > MAX_BLOB_BYTES) {
      await ctx.outbox.send(encodeBlobMissing(id));
      return;
    }
    const size = Math.min(
      ctx.host.config.blobChunkBytes,
      ctx.host.config.limits.maxBlobChunkBytes,
      ctx.messageCapacity - BLOB_CHUNK_OVERHEAD_BYTES,
    );
    if (size < 1) throw new RangeError('the transport’s messages cannot hold a blob chunk');
    for (let offset = 0; offset < bytes.length; offset += size) {
      if (ctx.closed) return;
      const piece = bytes.subarray(offset, offset + size);
      await ctx.outbox.sendBlobChunk(
        encodeBlobChunk({ id, offset, total: bytes.length, bytes: piece }),
      );
      ctx.counts.blobChunks++;
    }
    if (!ctx.closed) ctx.counts.blobsSent++;
  }
}
