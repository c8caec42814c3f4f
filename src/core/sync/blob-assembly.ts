/**
 * Reassembly of one blob from the `blob-chunk` messages of one peer. The transport is ordered
 * and reliable and a sender sends a blob's chunks back to back, so the only valid stream is
 * offsets 0, 1 chunk, 2 chunks ... with one `total` throughout; anything else is the peer's
 * fault and ends the session (`bad-blob-chunk`). Whether the bytes are the blob asked for is
 * checked once they are complete (`checkBlob`), by the session.
 */
import type { BlobChunkMessage } from './messages.ts';

/** A chunk that does not continue the blob being reassembled. */
export class BlobChunkError extends Error {
  override readonly name = 'BlobChunkError';
  constructor(
    readonly reason: 'out-of-order' | 'total-changed',
    detail: string,
  ) {
    super(`blob chunk: ${reason} (${detail})`);
  }
}

/** The bytes of one blob received so far from one peer. */
export class BlobAssembly {
  private buffer: Uint8Array | undefined;
  private filled = 0;

  /** Bytes received so far. */
  get received(): number {
    return this.filled;
  }

  /** The blob's size as its first chunk said, or undefined before it. */
  get total(): number | undefined {
    return this.buffer?.length;
  }

  /**
   * Adds the next chunk (already checked by the decoder: not empty, within its `total`);
   * returns the whole blob once complete. Throws `BlobChunkError` for a chunk that does not
   * continue the stream.
   */
  add(chunk: BlobChunkMessage): Uint8Array | undefined {
    if (chunk.offset !== this.filled) {
      throw new BlobChunkError('out-of-order', `offset ${chunk.offset}, expected ${this.filled}`);
    }
    // The buffer is sized by the first chunk's total, which the decoder capped at
    // MAX_BLOB_BYTES; the requester keeps only a few blobs in flight per peer.
    this.buffer ??= new Uint8Array(chunk.total);
    if (chunk.total !== this.buffer.length) {
      throw new BlobChunkError('total-changed', `${chunk.total}, first said ${this.buffer.length}`);
    }
    this.buffer.set(chunk.bytes, chunk.offset);
    this.filled += chunk.bytes.length;
    return this.filled === this.buffer.length ? this.buffer : undefined;
  }
}
