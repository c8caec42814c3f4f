/**
 * Framing of whole messages into data channel pieces, and their reassembly.
 *
 * A data channel message may not exceed the remote's `pc.sctp.maxMessageSize` (256 KiB in
 * Chromium; larger ones fail or, in y-webrtc's case, vanish). So every message travels as one or
 * more pieces, each at most `pieceSize` bytes including its header:
 *
 *   flags u8: version in the high nibble (= 1), bit 0 FIRST, bit 1 LAST
 *   [FIRST only] total message length varuint (lib0, minimal)
 *   payload bytes
 *
 * The channel is ordered and reliable, and a sender writes the pieces of one message back to
 * back, so pieces never interleave: a FIRST while a message is open, a continuation with none
 * open, a total above the receiver's cap, or more or fewer bytes than announced are protocol
 * errors. The receiver reports them as a typed {@link FramingError} and the transport then
 * closes that one connection: nothing is dropped silently.
 */
import * as encoding from 'lib0/encoding';
import { ByteReadError, ByteReader } from '../bytes.ts';
import type { MemoryAccount } from '../sync/memory-budget.ts';

const VERSION = 1;
const FIRST = 1;
const LAST = 2;
/** Bytes a header may take: flags plus a varuint of up to 8 bytes. */
export const MAX_HEADER_BYTES = 9;
/** Smallest piece size that leaves room for a payload. */
export const MIN_PIECE_SIZE = 64;
/** Default cap of a whole message. */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Why the receiver refused a piece. */
export type FramingErrorReason =
  | 'malformed'
  | 'unsupported-version'
  | 'too-large'
  | 'interleaved'
  | 'unexpected-piece'
  | 'length-mismatch'
  | 'over-memory-budget';

/** A protocol error in the pieces a peer sent. */
export class FramingError extends Error {
  override readonly name = 'FramingError';
  constructor(
    readonly reason: FramingErrorReason,
    detail?: string,
  ) {
    super(`framing: ${reason}${detail ? ` (${detail})` : ''}`);
  }
}

/**
 * The pieces of `message`, each at most `pieceSize` bytes. An empty message is one piece.
 * Lazily made, so a 16 MiB message is never copied whole.
 */
export function* framePieces(message: Uint8Array, pieceSize: number): Generator<Uint8Array> {
  if (!Number.isSafeInteger(pieceSize) || pieceSize < MIN_PIECE_SIZE) {
    throw new RangeError(`piece size must be at least ${MIN_PIECE_SIZE}`);
  }
  let offset = 0;
  let first = true;
  do {
    const header = encoding.createEncoder();
    const room = pieceSize - 1 - (first ? lengthBytes(message.length) : 0);
    const end = Math.min(message.length, offset + room);
    const flags = (VERSION << 4) | (first ? FIRST : 0) | (end === message.length ? LAST : 0);
    encoding.writeUint8(header, flags);
    if (first) encoding.writeVarUint(header, message.length);
    const head = encoding.toUint8Array(header);
    const piece = new Uint8Array(head.length + end - offset);
    piece.set(head);
    piece.set(message.subarray(offset, end), head.length);
    yield piece;
    offset = end;
    first = false;
  } while (offset < message.length);
}

function lengthBytes(n: number): number {
  let bytes = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    bytes++;
  }
  return bytes;
}

/** Joins pieces back into messages, one message at a time, never above `maxMessageBytes`. */
export class Reassembler {
  private buffer: Uint8Array | undefined;
  private filled = 0;

  /**
   * A reassembler refusing any message announced above `maxMessageBytes`, and any the
   * `memory` account (the remote person's budget, all connections together) cannot hold: a
   * message's buffer is allocated, and counted, when its first piece announces it.
   */
  constructor(
    readonly maxMessageBytes: number = DEFAULT_MAX_MESSAGE_BYTES,
    private readonly memory?: MemoryAccount,
  ) {}

  /** Whether a message is partly received. */
  get pending(): boolean {
    return this.buffer !== undefined;
  }

  /**
   * Takes the next piece; returns the message it completes, if any. Throws
   * {@link FramingError}; after an error the reassembler must not be used again (the
   * connection is closed).
   */
  push(piece: Uint8Array): Uint8Array | undefined {
    const reader = new ByteReader(piece);
    let flags: number;
    let total: number | undefined;
    try {
      flags = reader.u8();
      if (flags >> 4 !== VERSION) throw new FramingError('unsupported-version');
      if ((flags & 0x0c) !== 0) throw new FramingError('malformed', 'unknown flags');
      if (flags & FIRST) total = reader.varUint();
    } catch (error) {
      if (error instanceof ByteReadError) throw new FramingError('malformed', error.reason);
      throw error;
    }
    const payload = piece.subarray(reader.position);
    if (total !== undefined) {
      if (this.buffer) throw new FramingError('interleaved');
      if (total > this.maxMessageBytes) {
        throw new FramingError('too-large', `${total} > ${this.maxMessageBytes}`);
      }
      if (this.memory && !this.memory.hold(total)) {
        throw new FramingError('over-memory-budget', `${total} bytes more`);
      }
      // A message of one piece (most are) is that piece, not a copy: the channel hands each
      // piece over once.
      if (flags & LAST) return this.whole(payload, total);
      this.buffer = new Uint8Array(total);
      this.filled = 0;
    } else if (!this.buffer) {
      throw new FramingError('unexpected-piece');
    }
    const buffer = this.buffer;
    if (this.filled + payload.length > buffer.length) {
      throw new FramingError('length-mismatch', 'more bytes than announced');
    }
    buffer.set(payload, this.filled);
    this.filled += payload.length;
    if (!(flags & LAST)) return undefined;
    if (this.filled !== buffer.length) {
      throw new FramingError('length-mismatch', 'fewer bytes than announced');
    }
    this.buffer = undefined;
    this.memory?.release(buffer.length);
    return buffer;
  }

  /** A message of one piece, checked against its announced length; nothing stays held. */
  private whole(payload: Uint8Array, total: number): Uint8Array {
    this.memory?.release(total);
    if (payload.length !== total) {
      throw new FramingError(
        'length-mismatch',
        payload.length > total ? 'more bytes than announced' : 'fewer bytes than announced',
      );
    }
    return payload;
  }
}
