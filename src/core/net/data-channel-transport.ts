/**
 * The core's {@link Transport} over one WebRTC data channel (an `RTCDataChannel`, or anything
 * shaped like one: Node's `@roamhq/wrtc` channel, a test double). Messages are framed into
 * pieces that fit the remote's `maxMessageSize` (`framing.ts`) and written back to back, one
 * message at a time. Pacing: before each piece, while the channel's `bufferedAmount` is above
 * the high-water mark, the writer waits for `bufferedamountlow` (the low mark being the
 * channel's `bufferedAmountLowThreshold`). `send` resolves once its last piece is handed to the
 * channel and the buffer is below the high-water mark, so a caller that awaits each send never
 * buffers more than about one high-water mark plus one message.
 *
 * A framing error from the remote (oversized, malformed, interleaved pieces) closes the
 * transport with `by: 'error'` and the error's reason: never a silent drop.
 */
import { createLogger } from '../log.ts';
import type { MemoryAccount, MemoryBudget } from '../sync/memory-budget.ts';
import {
  MessageTooLargeError,
  TransportClosedError,
  type CloseInfo,
  type Transport,
} from '../sync/transport.ts';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  FramingError,
  MIN_PIECE_SIZE,
  Reassembler,
  framePieces,
} from './framing.ts';

const log = createLogger('net:channel');

/** The part of an `RTCDataChannel` the transport uses. */
export interface DataChannelLike {
  readonly readyState: string;
  readonly bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  binaryType: string;
  send(data: Uint8Array<ArrayBuffer>): void;
  close(): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(
    type: 'open' | 'close' | 'error' | 'bufferedamountlow',
    listener: (event: unknown) => void,
  ): void;
  removeEventListener(
    type: 'bufferedamountlow' | 'close',
    listener: (event: unknown) => void,
  ): void;
}

/** Options of {@link DataChannelTransport}. */
export interface DataChannelTransportOptions {
  /** The remote's `pc.sctp.maxMessageSize`; 0 or unknown falls back to 16 KiB. */
  readonly remoteMaxMessageSize?: number;
  /** Largest piece wanted (default 256 KiB, the fastest measured; capped by the remote's limit). */
  readonly pieceSize?: number;
  /** Cap of a whole message, both ways (default 16 MiB). */
  readonly maxMessageBytes?: number;
  /** Pause writing above this many buffered bytes (default 1 MiB). */
  readonly highWaterMark?: number;
  /** Resume below this many (default 256 KiB); set as the channel's low threshold. */
  readonly lowWaterMark?: number;
  /** Messages held while nobody listens yet, before the transport gives up (default 256). */
  readonly maxUndelivered?: number;
  /**
   * The remote person's budget, shared with their other connections: messages being
   * reassembled or held undelivered count against it, and so does the sync session's inbox.
   */
  readonly memory?: MemoryBudget;
}

const SAFE_PIECE = 16 * 1024;

/** The piece size for a remote that accepts `remoteMax` bytes per message. */
export function pieceSizeFor(remoteMax: number | undefined, wanted = 256 * 1024): number {
  const limit = remoteMax !== undefined && remoteMax > 0 ? remoteMax : SAFE_PIECE;
  return Math.max(MIN_PIECE_SIZE, Math.min(wanted, limit));
}

/** A {@link Transport} over one data channel. */
export class DataChannelTransport implements Transport {
  readonly maxMessageSize: number;
  readonly memory: MemoryBudget | undefined;
  /** Bytes of each piece written, header included. */
  readonly pieceSize: number;
  private readonly highWaterMark: number;
  private readonly maxUndelivered: number;
  private readonly reassembler: Reassembler;
  private readonly held: MemoryAccount | undefined;
  private readonly messageHandlers = new Set<(message: Uint8Array) => void>();
  private readonly closeHandlers = new Set<(info: CloseInfo) => void>();
  private readonly undelivered: Uint8Array[] = [];
  private readonly wakers = new Set<() => void>();
  private writing: Promise<void> = Promise.resolve();
  private closedWith: CloseInfo | undefined;

  /** Wraps `channel` (open or opening); the transport owns it from now on. */
  constructor(
    private readonly channel: DataChannelLike,
    options: DataChannelTransportOptions = {},
  ) {
    this.maxMessageSize = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.pieceSize = pieceSizeFor(options.remoteMaxMessageSize, options.pieceSize);
    this.highWaterMark = options.highWaterMark ?? 1024 * 1024;
    this.maxUndelivered = options.maxUndelivered ?? 256;
    this.memory = options.memory;
    this.held = options.memory?.account();
    this.reassembler = new Reassembler(this.maxMessageSize, this.held);
    channel.binaryType = 'arraybuffer';
    channel.bufferedAmountLowThreshold = options.lowWaterMark ?? 256 * 1024;
    channel.addEventListener('message', (event) => this.received(event.data));
    channel.addEventListener('bufferedamountlow', () => this.wake());
    channel.addEventListener('close', () =>
      this.finish({ by: 'remote', reason: 'channel closed' }),
    );
    channel.addEventListener('error', (event) =>
      this.finish({ by: 'error', reason: `channel error: ${describe(event)}` }),
    );
    if (channel.readyState === 'closing' || channel.readyState === 'closed') {
      this.finish({ by: 'remote', reason: 'channel closed' });
    }
  }

  /** See {@link Transport.open}. */
  get open(): boolean {
    return this.closedWith === undefined;
  }

  /** How and why the transport closed, once it has. */
  get closeInfo(): CloseInfo | undefined {
    return this.closedWith;
  }

  /** See {@link Transport.send}. */
  send(message: Uint8Array): Promise<void> {
    if (this.closedWith) return Promise.reject(new TransportClosedError(this.closedWith.reason));
    if (message.length > this.maxMessageSize) {
      return Promise.reject(new MessageTooLargeError(message.length, this.maxMessageSize));
    }
    // Sends run one after another so that pieces of two messages never interleave.
    const run = this.writing.then(() => this.write(message));
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** See {@link Transport.onMessage}. Messages that arrived before the first handler are given to it. */
  onMessage(handler: (message: Uint8Array) => void): () => void {
    this.messageHandlers.add(handler);
    for (const message of this.undelivered.splice(0)) {
      this.held?.release(message.length);
      handler(message);
    }
    return () => this.messageHandlers.delete(handler);
  }

  /** See {@link Transport.onClose}. A handler added after the close is called at once. */
  onClose(handler: (info: CloseInfo) => void): () => void {
    if (this.closedWith) {
      handler(this.closedWith);
      return () => undefined;
    }
    this.closeHandlers.add(handler);
    return () => this.closeHandlers.delete(handler);
  }

  /** See {@link Transport.close}. */
  close(reason = 'closed'): void {
    this.finish({ by: 'local', reason });
  }

  private async write(message: Uint8Array): Promise<void> {
    for (const piece of framePieces(message, this.pieceSize)) {
      await this.belowHighWater();
      this.checkOpen();
      try {
        this.channel.send(piece as Uint8Array<ArrayBuffer>);
      } catch (error) {
        // The channel closed under us (or refused the size): the link is gone either way.
        this.finish({ by: 'error', reason: `send failed: ${describe(error)}` });
        throw new TransportClosedError(this.closedWith?.reason ?? 'closed');
      }
    }
    await this.belowHighWater();
    this.checkOpen();
  }

  private checkOpen(): void {
    if (this.closedWith) throw new TransportClosedError(this.closedWith.reason);
  }

  private async belowHighWater(): Promise<void> {
    while (!this.closedWith && this.channel.bufferedAmount > this.highWaterMark) {
      await new Promise<void>((resolve) => this.wakers.add(resolve));
    }
  }

  private wake(): void {
    const wakers = [...this.wakers];
    this.wakers.clear();
    for (const wake of wakers) wake();
  }

  private received(data: unknown): void {
    if (this.closedWith) return;
    const piece =
      data instanceof ArrayBuffer
        ? new Uint8Array(data)
        : ArrayBuffer.isView(data)
          ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
          : undefined;
    if (!piece) {
      this.fail('text frame on a binary channel');
      return;
    }
    let message: Uint8Array | undefined;
    try {
      message = this.reassembler.push(piece);
    } catch (error) {
      if (error instanceof FramingError) {
        this.fail(error.message);
        return;
      }
      throw error;
    }
    if (!message) return;
    if (this.messageHandlers.size === 0) {
      if (this.undelivered.length >= this.maxUndelivered) {
        this.fail('messages arrived with nobody to take them');
        return;
      }
      if (this.held && !this.held.hold(message.length)) {
        this.fail('framing: over-memory-budget (undelivered)');
        return;
      }
      this.undelivered.push(message);
      return;
    }
    for (const handler of [...this.messageHandlers]) handler(message);
  }

  private fail(reason: string): void {
    log.warn('closing a data channel after a protocol error', { reason });
    this.finish({ by: 'error', reason });
  }

  private finish(info: CloseInfo): void {
    if (this.closedWith) return;
    this.closedWith = info;
    this.undelivered.length = 0;
    this.held?.releaseAll();
    this.wake();
    if (this.channel.readyState !== 'closed') this.channel.close();
    const handlers = [...this.closeHandlers];
    this.closeHandlers.clear();
    for (const handler of handlers) handler(info);
  }
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.message;
  const error = (value as { error?: unknown } | null)?.error;
  return error instanceof Error ? error.message : String(value);
}
