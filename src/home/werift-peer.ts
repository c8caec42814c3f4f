/**
 * simple-peer's face over werift, so the connection manager (`src/core/net/connection-manager.ts`)
 * runs in Node unchanged: werift (pure TypeScript, so it bundles into the one file) gives the
 * RTCPeerConnection, and simple-peer itself cannot drive it (it assigns to werift's read-only
 * `sdp`). What the manager uses, and nothing more:
 *
 * - `new WeriftPeer({ initiator, config: { iceServers }, trickle: true })`; the initiator makes
 *   the one data channel and the offer at once, the other side answers an offer.
 * - Signals in simple-peer's shapes, so a browser's simple-peer takes them as its own:
 *   `{type: 'offer' | 'answer', sdp}` and, trickled as gathered,
 *   `{type: 'candidate', candidate: {candidate, sdpMLineIndex, sdpMid}}`. Candidates that come
 *   before the remote description wait for it; `renegotiate` and `transceiverRequest` (media
 *   only) are ignored.
 * - Events `signal`, `connect` (the data channel is open), `data` (each message, as bytes),
 *   `error` and `close` (once, whoever closed); `destroy()` closes channel and connection.
 * - `_channel`, the data channel as the core's `DataChannelLike` (werift's channel has its own
 *   event API and an async `send`), and `_pc.sctp.maxMessageSize`, the remote's limit from its
 *   SDP (what the browser's `RTCSctpTransport` reports), which the transport sizes pieces by.
 *
 * This side says werift's own SCTP limit, 64 KiB, so a browser sends it 64 KiB pieces: werift
 * reassembles a message by rescanning its fragments as each arrives, so 256 KiB pieces (what
 * browsers send each other) were not faster into Node here (docs/benchmarks.md).
 *
 * No ICE server is used unless given: werift's own default is a public STUN server, and Kith
 * never contacts a third party by default (design section 5).
 */
import { EventEmitter } from 'node:events';
import { RTCPeerConnection, type RTCDataChannel } from 'werift';
import type { DataChannelLike } from '../core/net/data-channel-transport.ts';
import type {
  SignalLike,
  SimplePeerConstructor,
  SimplePeerLike,
} from '../core/net/connection-manager.ts';
import type { IceServer } from '../core/net/ice-servers.ts';
import { createLogger } from '../core/log.ts';

const log = createLogger('home:werift');

/** Where ICE looks for addresses. */
export interface WeriftNetwork {
  /**
   * Gather and use loopback (127.0.0.1) only: the self-test and unit tests, which must send no
   * packet beyond this machine. Default: the machine's own addresses, as a browser does.
   */
  readonly loopbackOnly?: boolean;
}

/** The options the connection manager gives simple-peer's constructor. */
export interface WeriftPeerOptions {
  readonly initiator: boolean;
  readonly config: { readonly iceServers: readonly IceServer[] };
  readonly trickle: boolean;
}

/** Longest wait for the remote to take the channel's reset before the connection closes. */
const CLOSE_GRACE_MS = 1000;

/** The remote's SCTP limit when its SDP does not say one (RFC 8841's default). */
const DEFAULT_REMOTE_MAX_MESSAGE_SIZE = 65_536;

/** A simple-peer-compatible peer over werift; see the module doc. */
export class WeriftPeer extends EventEmitter implements SimplePeerLike {
  /** The data channel, once there is one (simple-peer's internal name, which the manager reads). */
  _channel: DataChannelLike | null = null;
  /** What the manager reads of the connection: the remote's message size limit. */
  readonly _pc: { sctp: { maxMessageSize: number } | null } = { sctp: null };
  private readonly pc: RTCPeerConnection;
  private rawChannel: RTCDataChannel | undefined;
  private destroyed = false;

  constructor(options: WeriftPeerOptions, network: WeriftNetwork = {}) {
    super();
    // The manager always trickles; a whole-SDP mode would only wait for gathering to end.
    if (!options.trickle) throw new Error('WeriftPeer supports trickle ICE only');
    this.pc = new RTCPeerConnection({
      iceServers: options.config.iceServers.flatMap((server) =>
        server.urls.map((urls) => ({ ...server, urls })),
      ),
      // Loopback only: no address of the machine's interfaces, 127.0.0.1 added (werift leaves
      // loopback out otherwise), and the socket bound there.
      ...(network.loopbackOnly
        ? {
            iceUseIpv4: false,
            iceUseIpv6: false,
            iceAdditionalHostAddresses: ['127.0.0.1'],
            iceInterfaceAddresses: { udp4: '127.0.0.1' },
          }
        : {}),
    });
    this.pc.onIceCandidate.subscribe((candidate) => {
      if (this.destroyed || !candidate) return;
      this.emit('signal', {
        type: 'candidate',
        candidate: {
          candidate: candidate.candidate,
          sdpMLineIndex: candidate.sdpMLineIndex,
          sdpMid: candidate.sdpMid,
        },
      });
    });
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === 'failed') this.fail(new Error('Connection failed.'));
      else if (state === 'closed') this.destroy();
    });
    if (options.initiator) {
      this.useChannel(this.pc.createDataChannel(randomLabel()));
      this.run(this.makeOffer());
    } else {
      this.pc.onDataChannel.subscribe((channel) => this.useChannel(channel));
    }
  }

  /** Listens to an event (see the module doc); typed as simple-peer's loose `on`. */
  override on(event: string, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  /** As {@link on}, once. */
  override once(event: string, listener: (...args: never[]) => void): this {
    return super.once(event, listener as (...args: unknown[]) => void);
  }

  /** Takes a signal from the remote (an object, or its JSON as simple-peer also accepts). */
  signal(data: string | SignalLike): void {
    if (this.destroyed) throw new Error('cannot signal after peer is destroyed');
    const signal = typeof data === 'string' ? (JSON.parse(data) as SignalLike) : data;
    // werift itself holds candidates that come before the remote description.
    if (signal.candidate !== undefined) this.run(this.addCandidate(signal.candidate));
    if (typeof signal.sdp === 'string' && (signal.type === 'offer' || signal.type === 'answer')) {
      this.run(this.describeRemote(signal.type, signal.sdp));
    }
  }

  /** Closes the channel and the connection; `close` is emitted once. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.shutdown().catch((error: unknown) =>
      log.warn('closing a connection failed', { error: String(error) }),
    );
    this.emit('close');
  }

  /**
   * Closes the channel first and lets its reset reach the remote before the connection goes:
   * werift closes its connection without a word to the other side, which would then notice
   * nothing until ICE gives up, while a channel reset closes the remote's peer at once.
   */
  private async shutdown(): Promise<void> {
    const raw = this.rawChannel;
    if (raw && raw.readyState !== 'closed') {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        raw.stateChanged.subscribe((state) => {
          if (state === 'closed') resolve();
        });
        timer = setTimeout(resolve, CLOSE_GRACE_MS);
        raw.close();
      });
      clearTimeout(timer);
    }
    await this.pc.close();
  }

  private async makeOffer(): Promise<void> {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    this.emitDescription();
  }

  private async describeRemote(type: 'offer' | 'answer', sdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type, sdp });
    this._pc.sctp = { maxMessageSize: maxMessageSizeOf(sdp) };
    if (type === 'offer') {
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      this.emitDescription();
    }
  }

  private emitDescription(): void {
    const description = this.pc.localDescription;
    if (this.destroyed || !description) return;
    this.emit('signal', { type: description.type, sdp: description.sdp });
  }

  private async addCandidate(candidate: unknown): Promise<void> {
    if (typeof candidate !== 'object' || candidate === null) return;
    const { candidate: line, sdpMid, sdpMLineIndex } = candidate as Record<string, unknown>;
    if (typeof line !== 'string' || line === '') return;
    try {
      await this.pc.addIceCandidate({
        candidate: line,
        sdpMid: typeof sdpMid === 'string' ? sdpMid : undefined,
        sdpMLineIndex: typeof sdpMLineIndex === 'number' ? sdpMLineIndex : undefined,
      });
    } catch (error) {
      // As simple-peer does: a candidate this side cannot use (an mDNS name, say) is skipped.
      log.warn('skipped an ICE candidate', { error: String(error) });
    }
  }

  private useChannel(raw: RTCDataChannel): void {
    if (this._channel) {
      log.warn('closed an unexpected second data channel');
      raw.close();
      return;
    }
    this.rawChannel = raw;
    this._channel = new WeriftChannel(raw);
    raw.onMessage.subscribe((data) => {
      // As simple-peer: bytes as bytes, and a text frame as text (which the transport refuses).
      if (!this.destroyed) this.emit('data', data);
    });
    raw.stateChanged.subscribe((state) => {
      if (state === 'open' && !this.destroyed) this.emit('connect');
      if (state === 'closed') this.destroy();
    });
  }

  private fail(error: Error): void {
    if (this.destroyed) return;
    this.emit('error', error);
    this.destroy();
  }

  /** Runs a step of negotiation; its failure ends the peer with `error`, as simple-peer's do. */
  private run(step: Promise<unknown>): void {
    step.catch((error: unknown) =>
      this.fail(error instanceof Error ? error : new Error(String(error))),
    );
  }
}

/**
 * werift's data channel as the core's `DataChannelLike`. werift's channel already dispatches
 * `open`, `close`, `message` and `bufferedamountlow` as DOM-style events; what differs is `send`,
 * which takes a Node `Buffer` (anything else it would send as text).
 */
class WeriftChannel implements DataChannelLike {
  binaryType = 'arraybuffer';

  constructor(private readonly raw: RTCDataChannel) {}

  get readyState(): string {
    return this.raw.readyState;
  }

  get bufferedAmount(): number {
    return this.raw.bufferedAmount;
  }

  get bufferedAmountLowThreshold(): number {
    return this.raw.bufferedAmountLowThreshold;
  }

  set bufferedAmountLowThreshold(value: number) {
    this.raw.bufferedAmountLowThreshold = value;
  }

  send(data: Uint8Array<ArrayBuffer>): void {
    // Throws when the channel is not open or the piece exceeds the remote's limit, as a
    // browser's does; the buffered amount grows at once, and falls as SCTP takes the bytes.
    if (this.raw.readyState !== 'open') throw new Error('data channel is not open');
    this.raw.send(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  close(): void {
    this.raw.close();
  }

  addEventListener(type: string, listener: (event: never) => void): void {
    this.raw.addEventListener(type, listener as (event: unknown) => void);
  }

  removeEventListener(type: string, listener: (event: never) => void): void {
    this.raw.removeEventListener(type, listener as (event: unknown) => void);
  }
}

/** The remote's SCTP message size limit from its SDP (`a=max-message-size`; 0 means none). */
export function maxMessageSizeOf(sdp: string): number {
  const match = /^a=max-message-size:(\d+)\s*$/m.exec(sdp);
  if (!match) return DEFAULT_REMOTE_MAX_MESSAGE_SIZE;
  const size = Number(match[1]);
  return size === 0 ? Number.MAX_SAFE_INTEGER : size;
}

function randomLabel(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex');
}

/** The connection manager's `SimplePeer` constructor over werift, for `network`. */
export function weriftPeers(network: WeriftNetwork = {}): SimplePeerConstructor {
  return class extends WeriftPeer {
    constructor(options: WeriftPeerOptions) {
      super(options, network);
    }
  };
}
