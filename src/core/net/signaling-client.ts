/**
 * A client of one signaling server, speaking y-webrtc's protocol (see `signaling/protocol.ts`):
 * it keeps one WebSocket open, subscribes to the topics that have listeners, resubscribes after
 * every reconnect, reconnects with bounded exponential backoff and jitter (reset once a connection
 * opens), checks liveness with an app-level `ping` (a socket that answers nothing within
 * `pongTimeoutMs` is closed and replaced), and refuses to publish a frame above the server's limit.
 *
 * Every frame received is validated; anything that is not a well-formed `publish` of a subscribed
 * topic or a `pong` is logged and dropped. The WebSocket class is passed in, so the same code runs
 * in browsers and in Node (`ws`).
 */
import { createLogger } from '../log.ts';

const log = createLogger('net:signaling');

/**
 * An event handler property. Declared through a method so that its parameter is bivariant: the
 * browser's and `ws`'s handlers take their own event classes, and both must fit.
 */
type Handler<E> = { bivariant(event: E): void }['bivariant'] | null;

/** The part of a WebSocket the client uses (browsers' and `ws`'s both fit). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown>;
  onclose: Handler<unknown>;
  onerror: Handler<unknown>;
  onmessage: Handler<{ data: unknown }>;
}

/** A WebSocket constructor (`globalThis.WebSocket`, or `ws`'s `WebSocket` in Node). */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** `WebSocket.OPEN`. */
const OPEN = 1;

/** Where the client stands; `waiting` means closed, with a reconnect scheduled. */
export type SignalingState = 'connecting' | 'open' | 'waiting' | 'stopped';

/** Bounded exponential backoff with jitter. */
export interface BackoffOptions {
  /** Delay before the first retry. */
  readonly initialMs: number;
  /** Ceiling of any delay. */
  readonly maxMs: number;
  /** Fraction of a delay taken off at random (0..1), so clients do not retry in lockstep. */
  readonly jitter: number;
}

/** Defaults: 0.5 s doubling up to 30 s, each delay cut by up to half at random. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, jitter: 0.5 };

/** The delay before retry number `attempt` (0-based); `random` gives [0, 1). Never above max. */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number,
): number {
  const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (1 - options.jitter * random()));
}

/** Options of {@link SignalingClient}. */
export interface SignalingClientOptions {
  /** `ws:` or `wss:` URL of the server's signaling socket. */
  readonly url: string;
  readonly WebSocket: WebSocketConstructor;
  readonly backoff?: BackoffOptions;
  /** Interval of app-level pings while open (default 20 s). */
  readonly pingIntervalMs?: number;
  /** A ping unanswered for this long closes the socket (default 10 s). */
  readonly pongTimeoutMs?: number;
  /** The server's frame limit (default 64 KiB, as `signaling/limits.ts`). */
  readonly maxMessageBytes?: number;
  /** Randomness for jitter (default `Math.random`). */
  readonly random?: () => number;
  /**
   * Frames sent per second, sustained and in a burst (default 20 and 100): below the server's
   * limits (50 and 200), which close a socket that exceeds them. Frames beyond are queued.
   */
  readonly rate?: { readonly perSecond: number; readonly burst: number };
  /** Frames queued behind the rate before publishes are refused (default 1,000). */
  readonly maxQueuedFrames?: number;
}

/** A publish larger than the server accepts; it was not sent. */
export class SignalingMessageTooLargeError extends Error {
  override readonly name = 'SignalingMessageTooLargeError';
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`signaling frame of ${size} bytes exceeds the server's ${limit}`);
  }
}

/** Receives what was published on a topic; `clients` is the server's subscriber count. */
export type TopicListener = (data: unknown, clients: number | undefined) => void;

/** Which queue a publish waits in when the rate is spent: connection set-up goes first. */
export type PublishLane = 'signal' | 'presence';

/** What the connection manager and the invite flow need from signaling, one server or several. */
export interface Signaling {
  /** Listens on `topic` (subscribing when the first listener comes); returns the unsubscribe. */
  subscribe(topic: string, listener: TopicListener): () => void;
  /** Publishes `data` on `topic`; false when no server is open to take it (nothing queued). */
  publish(topic: string, data: unknown, lane?: PublishLane): boolean;
  /** Whether a server is open. */
  readonly isOpen: boolean;
  /** Calls `listener` on each change of openness; returns the unsubscribe. */
  onOpenChange(listener: (open: boolean) => void): () => void;
}

/** The signaling URL of the app's own origin (`http://h:p` → `ws://h:p/signaling`). */
export function defaultSignalingUrl(origin: string): string {
  const url = new URL('/signaling', origin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

const utf8Length = (text: string) => new TextEncoder().encode(text).length;

/** A self-healing connection to one signaling server. */
export class SignalingClient implements Signaling {
  /** The server's signaling socket URL. */
  readonly url: string;
  private readonly options: SignalingClientOptions;
  private readonly backoff: BackoffOptions;
  private readonly random: () => number;
  private readonly maxMessageBytes: number;
  private readonly topics = new Map<string, Set<TopicListener>>();
  private readonly stateListeners = new Set<(state: SignalingState) => void>();
  private readonly openListeners = new Set<(open: boolean) => void>();
  private socket: WebSocketLike | undefined;
  private current: SignalingState = 'stopped';
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongDeadline: ReturnType<typeof setTimeout> | undefined;
  private opens = 0;
  private tokens: number;
  private refilledAt = Date.now();
  private readonly queue: string[] = [];
  private drainTimer: ReturnType<typeof setTimeout> | undefined;

  /** A client, stopped until {@link start}. */
  constructor(options: SignalingClientOptions) {
    this.options = options;
    this.url = options.url;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.random = options.random ?? Math.random;
    this.maxMessageBytes = options.maxMessageBytes ?? 64 * 1024;
    this.tokens = this.rate.burst;
  }

  private get rate(): { perSecond: number; burst: number } {
    return this.options.rate ?? { perSecond: 20, burst: 100 };
  }

  /** The current state. */
  get state(): SignalingState {
    return this.current;
  }

  /** Whether the socket is open. */
  get isOpen(): boolean {
    return this.current === 'open';
  }

  /** How many times a connection has opened (1 + reconnects), for tests and status. */
  get openCount(): number {
    return this.opens;
  }

  /** Connects, and keeps connecting until {@link stop}. */
  start(): void {
    if (this.current !== 'stopped') return;
    this.attempt = 0;
    this.connect();
  }

  /** Closes the socket and stops reconnecting. Listeners stay registered for a later start. */
  stop(): void {
    if (this.current === 'stopped') return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const socket = this.socket;
    this.detach();
    socket?.close(1000, 'client stopped');
    this.setState('stopped');
  }

  /** Calls `listener` on each state change; returns the unsubscribe. */
  onStateChange(listener: (state: SignalingState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** See {@link Signaling.onOpenChange}. */
  onOpenChange(listener: (open: boolean) => void): () => void {
    this.openListeners.add(listener);
    return () => this.openListeners.delete(listener);
  }

  /** See {@link Signaling.subscribe}. */
  subscribe(topic: string, listener: TopicListener): () => void {
    let listeners = this.topics.get(topic);
    if (!listeners) {
      listeners = new Set();
      this.topics.set(topic, listeners);
      if (this.isOpen) this.send({ type: 'subscribe', topics: [topic] });
    }
    listeners.add(listener);
    return () => {
      const set = this.topics.get(topic);
      if (!set?.delete(listener) || set.size > 0) return;
      this.topics.delete(topic);
      if (this.isOpen) this.send({ type: 'unsubscribe', topics: [topic] });
    };
  }

  /**
   * See {@link Signaling.publish}. Throws {@link SignalingMessageTooLargeError} for a frame the
   * server would refuse (it would close the socket over it). A frame queued behind the rate
   * counts as taken; the queue is dropped if the socket closes (signals are only worth sending
   * fresh, and presence is announced again on reconnect).
   */
  publish(topic: string, data: unknown): boolean {
    const frame = JSON.stringify({ type: 'publish', topic, data });
    const size = utf8Length(frame);
    if (size > this.maxMessageBytes) {
      throw new SignalingMessageTooLargeError(size, this.maxMessageBytes);
    }
    if (!this.isOpen) return false;
    return this.sendFrame(frame);
  }

  /** Frames waiting for the rate to allow them. */
  get queuedFrames(): number {
    return this.queue.length;
  }

  private connect(): void {
    this.setState('connecting');
    let socket: WebSocketLike;
    try {
      socket = new this.options.WebSocket(this.url);
    } catch (error) {
      // A URL the constructor refuses will not get better: still retry, as the settings may.
      log.warn('cannot open signaling socket', { url: this.url, error: String(error) });
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => this.opened(socket);
    socket.onmessage = (event) => this.received(socket, event.data);
    socket.onerror = () => log.debug('signaling socket error', { url: this.url });
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.detach();
      log.info('signaling socket closed', { url: this.url });
      this.scheduleRetry();
    };
  }

  private opened(socket: WebSocketLike): void {
    if (this.socket !== socket) return;
    this.attempt = 0;
    this.opens++;
    this.setState('open');
    if (this.topics.size > 0) this.send({ type: 'subscribe', topics: [...this.topics.keys()] });
    const interval = this.options.pingIntervalMs ?? 20_000;
    this.pingTimer = setInterval(() => this.ping(), interval);
  }

  private ping(): void {
    // A ping stuck behind queued frames would time out for our own slowness: skip this round.
    if (!this.isOpen || this.pongDeadline !== undefined || this.queue.length > 0) return;
    this.send({ type: 'ping' });
    this.pongDeadline = setTimeout(() => {
      log.info('signaling server did not answer a ping; reconnecting', { url: this.url });
      const socket = this.socket;
      this.detach();
      socket?.close(4000, 'no pong');
      this.scheduleRetry();
    }, this.options.pongTimeoutMs ?? 10_000);
  }

  private received(socket: WebSocketLike, raw: unknown): void {
    if (this.socket !== socket) return;
    // Any frame proves the server alive.
    clearTimeout(this.pongDeadline);
    this.pongDeadline = undefined;
    const message = parseServerMessage(raw);
    if (message.kind === 'invalid') {
      log.warn('dropped a malformed signaling frame', { url: this.url, reason: message.reason });
      return;
    }
    if (message.kind === 'pong') return;
    const listeners = this.topics.get(message.topic);
    if (!listeners) return;
    for (const listener of [...listeners]) {
      try {
        listener(message.data, message.clients);
      } catch (error) {
        log.error('a signaling listener threw', { topic: message.topic, error: String(error) });
      }
    }
  }

  private scheduleRetry(): void {
    if (this.current === 'stopped') return;
    const delay = backoffDelay(this.attempt++, this.backoff, this.random);
    this.setState('waiting');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.current === 'waiting') this.connect();
    }, delay);
  }

  private detach(): void {
    clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
    this.queue.length = 0;
    clearInterval(this.pingTimer);
    clearTimeout(this.pongDeadline);
    this.pingTimer = undefined;
    this.pongDeadline = undefined;
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      socket.onopen = null;
      socket.onmessage = null;
      socket.onclose = null;
      // Errors after detaching are expected (closing a connecting socket) and say nothing new.
      socket.onerror = () => undefined;
    }
  }

  private send(message: unknown): void {
    this.sendFrame(JSON.stringify(message));
  }

  /** Sends now if the rate allows and nothing waits before it; else queues. False when full. */
  private sendFrame(frame: string): boolean {
    if (this.socket?.readyState !== OPEN) return false;
    this.refill();
    if (this.queue.length === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      this.socket.send(frame);
      return true;
    }
    if (this.queue.length >= (this.options.maxQueuedFrames ?? 1000)) {
      log.warn('signaling send queue full; frame refused', { url: this.url });
      return false;
    }
    this.queue.push(frame);
    this.scheduleDrain();
    return true;
  }

  private refill(): void {
    const now = Date.now();
    const { perSecond, burst } = this.rate;
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) * perSecond) / 1000);
    this.refilledAt = now;
  }

  private scheduleDrain(): void {
    if (this.drainTimer !== undefined) return;
    const wait = Math.ceil(((1 - this.tokens) * 1000) / this.rate.perSecond);
    this.drainTimer = setTimeout(
      () => {
        this.drainTimer = undefined;
        this.refill();
        while (this.queue.length > 0 && this.tokens >= 1 && this.socket?.readyState === OPEN) {
          this.tokens -= 1;
          this.socket.send(this.queue.shift()!);
        }
        if (this.queue.length > 0 && this.socket) this.scheduleDrain();
      },
      Math.max(1, wait),
    );
  }

  private setState(state: SignalingState): void {
    if (state === this.current) return;
    const wasOpen = this.current === 'open';
    this.current = state;
    for (const listener of [...this.stateListeners]) listener(state);
    if (wasOpen !== (state === 'open')) {
      for (const listener of [...this.openListeners]) listener(state === 'open');
    }
  }
}

/** A decoded server frame. */
type ServerMessage =
  | { kind: 'publish'; topic: string; data: unknown; clients: number | undefined }
  | { kind: 'pong' }
  | { kind: 'invalid'; reason: string };

/** Validates one frame from the server. Never throws. */
export function parseServerMessage(raw: unknown): ServerMessage {
  if (typeof raw !== 'string') return { kind: 'invalid', reason: 'binary frame' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { kind: 'invalid', reason: 'not an object' };
  }
  const m = parsed as Record<string, unknown>;
  if (m.type === 'pong') return { kind: 'pong' };
  if (m.type !== 'publish') return { kind: 'invalid', reason: 'unknown type' };
  if (typeof m.topic !== 'string' || m.topic === '') return { kind: 'invalid', reason: 'no topic' };
  if (!Object.hasOwn(m, 'data')) return { kind: 'invalid', reason: 'no data' };
  const clients = typeof m.clients === 'number' ? m.clients : undefined;
  return { kind: 'publish', topic: m.topic, data: m.data, clients };
}
