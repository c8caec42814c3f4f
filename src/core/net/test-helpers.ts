/**
 * Test doubles of the network's edges (not of anything under test): an in-process data channel
 * pair with RTCDataChannel buffering, a fake simple-peer whose "connection" is such a pair, and
 * an in-memory signaling hub that relays like the real server (to every subscriber, sender
 * included, on a later task).
 */
import type { DataChannelLike } from './data-channel-transport.ts';
import type { PublishLane, Signaling, TopicListener } from './signaling-client.ts';
import type { SignalLike, SimplePeerLike } from './connection-manager.ts';

/**
 * One end of an in-process channel pair with an RTCDataChannel's buffering: sent bytes count in
 * `bufferedAmount` until `drain()` (automatic unless `manual`) hands them to the other end, and
 * `bufferedamountlow` fires when the amount falls to the threshold.
 */
export class ChannelEnd implements DataChannelLike {
  private readonly events = new EventTarget();
  readyState = 'open';
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  binaryType = 'blob';
  peer: ChannelEnd | undefined;
  manual = false;
  maxBuffered = 0;
  readonly queue: Uint8Array[] = [];

  send(data: Uint8Array): void {
    if (this.readyState !== 'open') throw new Error('InvalidStateError');
    this.queue.push(data.slice());
    this.bufferedAmount += data.length;
    this.maxBuffered = Math.max(this.maxBuffered, this.bufferedAmount);
    if (!this.manual) queueMicrotask(() => this.drain());
  }

  /** Delivers up to `bytes` of what is buffered (all by default). */
  drain(bytes = Infinity): void {
    while (this.queue.length > 0 && bytes > 0) {
      const piece = this.queue.shift()!;
      bytes -= piece.length;
      const before = this.bufferedAmount;
      this.bufferedAmount -= piece.length;
      if (this.peer?.readyState === 'open') {
        this.peer.dispatchEvent(Object.assign(new Event('message'), { data: piece.buffer }));
      }
      if (
        before > this.bufferedAmountLowThreshold &&
        this.bufferedAmount <= this.bufferedAmountLowThreshold
      ) {
        this.dispatchEvent(new Event('bufferedamountlow'));
      }
    }
  }

  close(): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.dispatchEvent(new Event('close'));
    this.peer?.close();
  }

  /** Lets a test inject raw bytes as if the remote sent them. */
  inject(bytes: Uint8Array): void {
    this.dispatchEvent(Object.assign(new Event('message'), { data: bytes.slice().buffer }));
  }

  addEventListener(type: string, listener: (event: { data: unknown }) => void): void {
    this.events.addEventListener(type, listener as unknown as EventListener);
  }

  removeEventListener(type: string, listener: (event: unknown) => void): void {
    this.events.removeEventListener(type, listener as unknown as EventListener);
  }

  dispatchEvent(event: Event): void {
    this.events.dispatchEvent(event);
  }
}

/** Two connected channel ends. */
export function pair(): [ChannelEnd, ChannelEnd] {
  const a = new ChannelEnd();
  const b = new ChannelEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

type Listener = (...args: never[]) => void;

/**
 * A stand-in for simple-peer: the initiator "offers" a fresh id; the side given that offer
 * answers and both connect over a {@link pair}. Counts instances, like RTCPeerConnections.
 * Like simple-peer, it emits every message of its channel as `data`, from the moment the channel
 * exists; the answering side may say `connect` later than its channel opens
 * (`answerConnectDelayMs`), as a loaded browser does.
 */
export class FakeSimplePeer implements SimplePeerLike {
  static created = 0;
  /** How much later than the offerer the answering side says `connect`. */
  static answerConnectDelayMs = 0;
  /**
   * Whether connections can open: false is a network that signaling crosses and ICE does not
   * (both ends' peers then fail with an error).
   */
  static reachable = true;
  private static readonly offers = new Map<string, FakeSimplePeer>();
  private readonly listeners = new Map<string, Listener[]>();
  private readonly id = `fake-${++FakeSimplePeer.created}`;
  _channel: ChannelEnd | null = null;
  readonly _pc = { sctp: { maxMessageSize: 262_144 } };
  destroyed = false;

  constructor(options: { initiator: boolean }) {
    if (options.initiator) {
      FakeSimplePeer.offers.set(this.id, this);
      setTimeout(() => this.emit('signal', { type: 'offer', sdp: this.id }), 0);
    }
  }

  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  signal(data: string | SignalLike): void {
    if (this.destroyed) throw new Error('cannot signal after peer is destroyed');
    if (typeof data === 'string' || data.type !== 'offer') return;
    const offerer = FakeSimplePeer.offers.get(String(data.sdp));
    FakeSimplePeer.offers.delete(String(data.sdp));
    if (!FakeSimplePeer.reachable) {
      // Signaling crossed, ICE did not: both ends fail, as ICE's checks do (here at once, so a
      // test needs no connect timeout short enough to fire on a loaded machine's honest attempt).
      setTimeout(() => {
        for (const peer of [offerer, this]) {
          if (peer && !peer.destroyed) peer.emit('error', new Error('ICE failed: unreachable'));
        }
      }, 0);
      return;
    }
    setTimeout(() => {
      this.emit('signal', { type: 'answer', sdp: this.id });
      if (!offerer || offerer.destroyed || this.destroyed) return;
      const [a, b] = pair();
      offerer._channel = a;
      this._channel = b;
      for (const [end, peer] of [
        [a, offerer],
        [b, this],
      ] as const) {
        end.addEventListener('close', () => peer.destroy());
        end.addEventListener('message', (event) => {
          if (!peer.destroyed) peer.emit('data', new Uint8Array(event.data as ArrayBuffer));
        });
      }
      offerer.emit('connect');
      const delay = FakeSimplePeer.answerConnectDelayMs;
      if (delay === 0) this.emit('connect');
      else setTimeout(() => this.destroyed || this.emit('connect'), delay);
    }, 0);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this._channel?.close();
    this.emit('close');
  }

  private emit(event: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(event) ?? [])
      (listener as (...a: unknown[]) => void)(...args);
  }
}

/** Signaling in memory: JSON round trip, delivered to every subscriber on a later task. */
export class MemorySignaling {
  private readonly topics = new Map<string, Set<TopicListener>>();
  /** Every publish relayed, with the lane it was given, for "the server learns nothing" checks. */
  readonly relayed: { topic: string; data: unknown; lane: PublishLane }[] = [];

  /** One client of the hub. */
  client(): Signaling {
    return {
      isOpen: true,
      onOpenChange: () => () => undefined,
      subscribe: (topic, listener) => {
        let set = this.topics.get(topic);
        if (!set) {
          set = new Set();
          this.topics.set(topic, set);
        }
        set.add(listener);
        return () => set.delete(listener);
      },
      publish: (topic, data, lane = 'signal') => {
        const text = JSON.stringify(data);
        this.relayed.push({ topic, data: JSON.parse(text), lane });
        const receivers = [...(this.topics.get(topic) ?? [])];
        setTimeout(() => {
          for (const receiver of receivers) receiver(JSON.parse(text), receivers.length);
        }, 0);
        return true;
      },
    };
  }
}
