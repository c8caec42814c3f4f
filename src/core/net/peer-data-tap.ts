/**
 * Every message of a simple-peer connection, from its first byte.
 *
 * simple-peer says `connect` only once the data channel is open, ICE is connected and its stats
 * are read; the remote may have said `connect` sooner and already be sending. Messages that
 * arrive in between reach only simple-peer's own stream (`data` events): a transport that
 * listened on the raw channel from `connect` on would lose them, and a sync session that loses
 * the remote's `hello` waits forever. So the manager taps `data` from the moment it creates the
 * peer, holds what comes before `connect` (within a byte bound), and gives the transport a
 * channel whose `message` events are that tap: one source, in order, nothing lost.
 */
import type { MemoryAccount, MemoryBudget } from '../sync/memory-budget.ts';
import type { DataChannelLike } from './data-channel-transport.ts';

type MessageListener = (event: { data: unknown }) => void;

/** Too much arrived before the connection opened: the peer is dropped. */
export class EarlyDataOverflowError extends Error {
  override readonly name = 'EarlyDataOverflowError';
}

/** Buffers a peer's `data` until a transport listens, then forwards it. */
export class PeerDataTap {
  private readonly early: Uint8Array[] = [];
  private earlyBytes = 0;
  private overflowed = false;
  private listener: MessageListener | undefined;
  private readonly held: MemoryAccount | undefined;

  /**
   * Taps `peer`'s `data` events now. Beyond `maxEarlyBytes` held before a listener, or beyond
   * what `memory` (the remote person's budget, shared by all their connections) still takes,
   * `onOverflow` is called (once) and what arrives early is no longer kept. What is held is
   * given back when the peer closes.
   */
  constructor(
    // `close` passes no data; typed alike so that simple-peer's loose `on` fits.
    peer: { on(event: 'data' | 'close', listener: (data: Uint8Array) => void): unknown },
    private readonly maxEarlyBytes: number,
    private readonly onOverflow: (error: EarlyDataOverflowError) => void,
    memory?: MemoryBudget,
  ) {
    this.held = memory?.account();
    peer.on('data', (data: Uint8Array) => this.received(data));
    peer.on('close', () => this.drop());
  }

  /** `raw` with its `message` events replaced by this tap (everything else is `raw`'s own). */
  channel(raw: DataChannelLike): DataChannelLike {
    return {
      get readyState() {
        return raw.readyState;
      },
      get bufferedAmount() {
        return raw.bufferedAmount;
      },
      get bufferedAmountLowThreshold() {
        return raw.bufferedAmountLowThreshold;
      },
      set bufferedAmountLowThreshold(value: number) {
        raw.bufferedAmountLowThreshold = value;
      },
      get binaryType() {
        return raw.binaryType;
      },
      set binaryType(value: string) {
        raw.binaryType = value;
      },
      send: (data) => raw.send(data),
      close: () => raw.close(),
      addEventListener: (type: string, listener: (event: never) => void) => {
        if (type === 'message') this.listen(listener as MessageListener);
        else raw.addEventListener(type as 'close', listener as (event: unknown) => void);
      },
      removeEventListener: (type, listener) => raw.removeEventListener(type, listener),
    };
  }

  private listen(listener: MessageListener): void {
    if (this.listener) throw new Error('a peer data tap has one listener');
    this.listener = listener;
    const held = this.early.splice(0);
    this.earlyBytes = 0;
    // The listener (a transport) counts what it keeps of these itself.
    this.held?.releaseAll();
    for (const data of held) listener({ data });
  }

  private received(data: Uint8Array): void {
    if (this.listener) {
      this.listener({ data });
      return;
    }
    if (this.overflowed) return;
    this.earlyBytes += data.byteLength;
    if (this.earlyBytes > this.maxEarlyBytes) {
      this.overflow(`more than ${this.maxEarlyBytes} bytes before the connection opened`);
      return;
    }
    if (this.held && !this.held.hold(data.byteLength)) {
      this.overflow("early data over the friend's memory budget");
      return;
    }
    this.early.push(data);
  }

  private overflow(reason: string): void {
    this.drop();
    this.overflowed = true;
    this.onOverflow(new EarlyDataOverflowError(reason));
  }

  /** Lets go of what is held (overflow, or the peer closed before a listener came). */
  private drop(): void {
    this.early.length = 0;
    this.earlyBytes = 0;
    this.held?.releaseAll();
  }
}
