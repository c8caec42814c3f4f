/**
 * The one thing replication needs from a network: an ordered, reliable pipe of whole binary
 * messages to one remote peer, with backpressure and a close. WebRTC data channels (through the
 * framing layer), the in-memory test network and, later, the home peer's Node WebRTC all provide it.
 */

import type { MemoryBudget } from './memory-budget.ts';

/** Why a transport closed; shown in the UI's sync status and in logs. */
export interface CloseInfo {
  /** Closed by this side (`local`), by the remote, or because the link failed (`error`). */
  readonly by: 'local' | 'remote' | 'error';
  readonly reason: string;
}

/** An ordered, reliable message pipe to one remote peer. */
export interface Transport {
  /** Largest message `send` accepts whole; larger ones are the caller's to split. */
  readonly maxMessageSize: number;
  /**
   * The budget shared by every connection to the same remote person, if the creator gave one:
   * what the receiver holds unprocessed (its inbox) counts against it (`memory-budget.ts`).
   */
  readonly memory?: MemoryBudget;
  /** Whether the transport still carries messages. */
  readonly open: boolean;
  /**
   * Queues one message. Resolves when the transport can take more (backpressure: a caller that
   * awaits every send never buffers more than the transport's window). Rejects with
   * {@link TransportClosedError} once closed and with {@link MessageTooLargeError} over the limit.
   */
  send(message: Uint8Array): Promise<void>;
  /** Registers the receiver of every incoming message, in order; returns an unsubscribe function. */
  onMessage(handler: (message: Uint8Array) => void): () => void;
  /** Registers a handler for the (single) close; returns an unsubscribe function. */
  onClose(handler: (info: CloseInfo) => void): () => void;
  /** Closes both directions; idempotent. */
  close(reason?: string): void;
}

/** Sending on a closed transport. */
export class TransportClosedError extends Error {
  override readonly name = 'TransportClosedError';
}

/** Sending a message larger than the transport's {@link Transport.maxMessageSize}. */
export class MessageTooLargeError extends Error {
  override readonly name = 'MessageTooLargeError';
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`message of ${size} bytes exceeds the limit of ${limit} bytes`);
  }
}
