/**
 * A client of one signaling server, speaking y-webrtc's protocol (see `signaling/protocol.ts`):
 * it keeps one WebSocket open, subscribes to the topics that have listeners, resubscribes after
 * every reconnect, reconnects with bounded exponential backoff and jitter (reset once a connection
 * opens), checks liveness with an app-level `ping` (a socket that answers nothing within
 * `pongTimeoutMs` is closed and replaced), and refuses to publish a frame above the server's limit.
 *
 * Hundreds of friends mean hundreds of topics: subscriptions are reconciled in frames of at most
 * {@link MAX_TOPICS_PER_FRAME} topics and {@link MAX_TOPIC_FRAME_BYTES} bytes, sent ahead of any
 * queued publish. A server that refuses a topic (`{"type":"refused","op":"subscribe",...}`) gets
 * it asked again only later: after an unsubscribe frees a place (`connection-topic-cap`) or after
 * a backoff doubling from 30 s to 10 min (`topic-full`, `server-topic-cap`). A refusal never
 * closes the socket; an older server that closes it by policy (1008) is reconnected to only after
 * that same long backoff, never in a loop that resubscribes everything each time.
 *
 * Publishes wait in two lanes when the rate is spent: connection set-up (`signal`) goes before
 * presence, of which only the newest per topic is kept.
 *
 * Every frame received is validated; anything that is not a well-formed `publish` of a subscribed
 * topic, a `refused` or a `pong` is logged and dropped. The WebSocket class is passed in, so the
 * same code runs in browsers and in Node (`ws`).
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
  onclose: Handler<{ readonly code: number; readonly reason: string }>;
  onerror: Handler<unknown>;
  onmessage: Handler<{ data: unknown }>;
}

/** A WebSocket constructor (`globalThis.WebSocket`, or `ws`'s `WebSocket` in Node). */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** `WebSocket.OPEN`. */
const OPEN = 1;

/** The close code of a policy violation: what servers say when they will not take our topics. */
const POLICY_VIOLATION = 1008;

/**
 * Topics in one subscribe or unsubscribe frame: servers that close on too many topics also refuse
 * a list longer than their per-connection cap (64 on older Kith servers) before reading it.
 */
export const MAX_TOPICS_PER_FRAME = 64;

/** Bytes of one subscribe or unsubscribe frame: well under any server's frame limit. */
export const MAX_TOPIC_FRAME_BYTES = 16 * 1024;

/** A connection open this long has shown that the server takes our topics. */
const STABLE_CONNECTION_MS = 60_000;

/** Which queue a publish waits in when the rate is spent: connection set-up goes first. */
export type PublishLane = 'signal' | 'presence';

/** Why a server would not subscribe a connection to a topic. */
export type SubscribeRefusal = 'connection-topic-cap' | 'topic-full' | 'server-topic-cap';

/** Why a server would not relay a publish. */
export type PublishRefusal = 'relay-budget';

/** A server's `refused` frame. */
export type Refusal =
  | { readonly op: 'subscribe'; readonly topic: string; readonly reason: SubscribeRefusal }
  | { readonly op: 'publish'; readonly topic: string; readonly reason: PublishRefusal };

const SUBSCRIBE_REFUSALS: readonly string[] = [
  'connection-topic-cap',
  'topic-full',
  'server-topic-cap',
] satisfies SubscribeRefusal[];

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

/**
 * Before asking again for a topic the server refused as full, or reconnecting to a server that
 * closed the socket by policy: 30 s doubling up to 10 min, cut by up to a fifth at random.
 */
export const DEFAULT_REFUSAL_BACKOFF: BackoffOptions = {
  initialMs: 30_000,
  maxMs: 600_000,
  jitter: 0.2,
};

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
  /** Publishes queued behind the rate before more are refused (default 1,000). */
  readonly maxQueuedFrames?: number;
  /** After a refused topic or a policy close (default {@link DEFAULT_REFUSAL_BACKOFF}). */
  readonly refusalBackoff?: BackoffOptions;
}

/** Why the client is waiting before it reconnects, when a server closed it by policy. */
export interface PolicyClose {
  readonly code: number;
  readonly reason: string;
  readonly retryInMs: number;
}

/** A topic the server refused, held back from it until {@link SignalingClient} asks again. */
interface RefusedTopic {
  readonly reason: SubscribeRefusal;
  /** Refusals in a row: each doubles the wait before the next ask. */
  readonly attempts: number;
  /** False once asked again, until the server answers. */
  held: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
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
  private readonly refusalBackoff: BackoffOptions;
  private readonly random: () => number;
  private readonly maxMessageBytes: number;
  private readonly topics = new Map<string, Set<TopicListener>>();
  /** Topics this socket asked the server for and it has not refused. */
  private readonly announced = new Set<string>();
  /** Topics whose wish (listened to and not held back) may differ from `announced`. */
  private readonly dirty = new Set<string>();
  private readonly refused = new Map<string, RefusedTopic>();
  private readonly stateListeners = new Set<(state: SignalingState) => void>();
  private readonly openListeners = new Set<(open: boolean) => void>();
  private readonly refusalListeners = new Set<(refusal: Refusal) => void>();
  private socket: WebSocketLike | undefined;
  private current: SignalingState = 'stopped';
  private attempt = 0;
  private policyStrikes = 0;
  private policyCloses = 0;
  private refusals = 0;
  private lastPolicyClose: PolicyClose | undefined;
  private openedAt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongDeadline: ReturnType<typeof setTimeout> | undefined;
  private opens = 0;
  private tokens: number;
  private refilledAt = Date.now();
  /** Signals (and pings) in the order given. */
  private readonly signals: string[] = [];
  /** The newest presence frame of each topic, oldest topic first. */
  private readonly presence = new Map<string, string>();
  private drainTimer: ReturnType<typeof setTimeout> | undefined;
  private flushQueued = false;

  /** A client, stopped until {@link start}. */
  constructor(options: SignalingClientOptions) {
    this.options = options;
    this.url = options.url;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.refusalBackoff = options.refusalBackoff ?? DEFAULT_REFUSAL_BACKOFF;
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

  /** Topics the server refused and that are held back from it, with the server's reason. */
  get refusedTopics(): ReadonlyMap<string, SubscribeRefusal> {
    const held = new Map<string, SubscribeRefusal>();
    for (const [topic, entry] of this.refused) if (entry.held) held.set(topic, entry.reason);
    return held;
  }

  /** `refused` frames received since the client was made (subscribe and publish). */
  get refusalCount(): number {
    return this.refusals;
  }

  /** Sockets the server closed by policy (1008) since the client was made. */
  get policyCloseCount(): number {
    return this.policyCloses;
  }

  /** While waiting to reconnect after a policy close: what the server said and how long. */
  get policyClose(): PolicyClose | undefined {
    return this.lastPolicyClose;
  }

  /** Connects, and keeps connecting until {@link stop}. */
  start(): void {
    if (this.current !== 'stopped') return;
    this.attempt = 0;
    this.connect();
  }

  /**
   * Closes the socket and stops reconnecting. Listeners stay registered for a later start, and
   * every topic will be asked for again then.
   */
  stop(): void {
    if (this.current === 'stopped') return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    for (const entry of this.refused.values()) clearTimeout(entry.timer);
    this.refused.clear();
    const socket = this.socket;
    this.detach();
    socket?.close(1000, 'client stopped');
    this.lastPolicyClose = undefined;
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

  /** Calls `listener` with each `refused` frame of the server; returns the unsubscribe. */
  onRefusal(listener: (refusal: Refusal) => void): () => void {
    this.refusalListeners.add(listener);
    return () => this.refusalListeners.delete(listener);
  }

  /** See {@link Signaling.subscribe}. */
  subscribe(topic: string, listener: TopicListener): () => void {
    let listeners = this.topics.get(topic);
    if (!listeners) {
      listeners = new Set();
      this.topics.set(topic, listeners);
      this.topicChanged(topic);
    }
    listeners.add(listener);
    return () => {
      const set = this.topics.get(topic);
      if (!set?.delete(listener) || set.size > 0) return;
      this.topics.delete(topic);
      const refused = this.refused.get(topic);
      clearTimeout(refused?.timer);
      this.refused.delete(topic);
      this.topicChanged(topic);
    };
  }

  /**
   * See {@link Signaling.publish}. Throws {@link SignalingMessageTooLargeError} for a frame the
   * server would refuse (it would close the socket over it). A frame queued behind the rate
   * counts as taken; the queue is dropped if the socket closes (signals are only worth sending
   * fresh, and presence is announced again on reconnect). A queued presence frame is replaced
   * by a newer one of the same topic.
   */
  publish(topic: string, data: unknown, lane: PublishLane = 'signal'): boolean {
    const frame = JSON.stringify({ type: 'publish', topic, data });
    const size = utf8Length(frame);
    if (size > this.maxMessageBytes) {
      throw new SignalingMessageTooLargeError(size, this.maxMessageBytes);
    }
    if (!this.isOpen || this.socket?.readyState !== OPEN) return false;
    // Subscriptions asked for before this publish go out before it.
    this.drain();
    if (this.queuedFrames === 0 && this.takeToken()) {
      this.socket.send(frame);
      return true;
    }
    if (lane === 'presence' && this.presence.has(topic)) {
      this.presence.set(topic, frame);
      return true;
    }
    if (this.signals.length + this.presence.size >= (this.options.maxQueuedFrames ?? 1000)) {
      // Presence is announced again later; a signal is worth more than the oldest hello.
      const oldest = this.presence.keys().next();
      if (lane === 'presence' || oldest.done) {
        log.warn('signaling send queue full; frame refused', { url: this.url });
        return false;
      }
      this.presence.delete(oldest.value);
    }
    if (lane === 'presence') this.presence.set(topic, frame);
    else this.signals.push(frame);
    this.scheduleDrain();
    return true;
  }

  /** Publishes waiting for the rate to allow them. */
  get queuedFrames(): number {
    return this.signals.length + this.presence.size;
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
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.detach();
      log.info('signaling socket closed', { url: this.url, code: event.code });
      if (event.code === POLICY_VIOLATION) this.closedByPolicy(event.reason);
      else this.scheduleRetry();
    };
  }

  private opened(socket: WebSocketLike): void {
    if (this.socket !== socket) return;
    this.attempt = 0;
    this.opens++;
    this.openedAt = Date.now();
    this.lastPolicyClose = undefined;
    // A new connection starts with no topics: those refused at the last one's cap may fit here.
    for (const entry of this.refused.values()) {
      if (entry.reason === 'connection-topic-cap') entry.held = false;
    }
    for (const topic of this.topics.keys()) this.dirty.add(topic);
    // Subscriptions go before anything a listener of the opening publishes.
    this.drain();
    this.setState('open');
    const interval = this.options.pingIntervalMs ?? 20_000;
    this.pingTimer = setInterval(() => this.ping(), interval);
  }

  private ping(): void {
    // A ping stuck behind queued frames would time out for our own slowness: skip this round.
    if (!this.isOpen || this.pongDeadline !== undefined || this.queuedFrames > 0) return;
    if (this.dirty.size > 0 || !this.takeToken()) return;
    this.socket?.send(JSON.stringify({ type: 'ping' }));
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
    if (message.kind === 'refused') {
      this.wasRefused(message.refusal);
      return;
    }
    const listeners = this.topics.get(message.topic);
    if (!listeners) return;
    // Delivery proves the subscription: a later refusal of this topic starts its backoff anew.
    if (this.refused.get(message.topic)?.held === false) this.refused.delete(message.topic);
    for (const listener of [...listeners]) {
      try {
        listener(message.data, message.clients);
      } catch (error) {
        log.error('a signaling listener threw', { topic: message.topic, error: String(error) });
      }
    }
  }

  private wasRefused(refusal: Refusal): void {
    this.refusals++;
    log.info('the signaling server refused', { url: this.url, ...refusal });
    for (const listener of [...this.refusalListeners]) listener(refusal);
    const { topic } = refusal;
    if (refusal.op !== 'subscribe' || !this.topics.has(topic) || !this.announced.has(topic)) {
      return;
    }
    this.announced.delete(topic);
    const previous = this.refused.get(topic);
    clearTimeout(previous?.timer);
    const attempts = (previous?.attempts ?? 0) + 1;
    // At the connection's cap, only a place freed by an unsubscribe (or a new connection) helps.
    const timer =
      refusal.reason === 'connection-topic-cap'
        ? undefined
        : setTimeout(
            () => this.askAgain(topic),
            backoffDelay(attempts - 1, this.refusalBackoff, this.random),
          );
    this.refused.set(topic, { reason: refusal.reason, attempts, held: true, timer });
  }

  private askAgain(topic: string): void {
    const entry = this.refused.get(topic);
    if (!entry) return;
    entry.held = false;
    entry.timer = undefined;
    this.topicChanged(topic);
  }

  /** Places freed on the server let as many topics refused at the cap be asked for again. */
  private freed(places: number): void {
    for (const [topic, entry] of this.refused) {
      if (places === 0) return;
      if (entry.reason !== 'connection-topic-cap' || !entry.held) continue;
      entry.held = false;
      this.dirty.add(topic);
      places--;
    }
  }

  /** Notes that `topic`'s subscription may have to change, and sends the change soon. */
  private topicChanged(topic: string): void {
    this.dirty.add(topic);
    if (this.flushQueued) return;
    this.flushQueued = true;
    // Topics added in one go (a friend list, a reconnect) share frames.
    queueMicrotask(() => {
      this.flushQueued = false;
      this.drain();
    });
  }

  private wanted(topic: string): boolean {
    return this.topics.has(topic) && this.refused.get(topic)?.held !== true;
  }

  /**
   * The next subscribe or unsubscribe frame that brings the server in line with the wishes, or
   * undefined when it is in line. Takes topics out of `dirty` as it goes.
   */
  private nextTopicFrame(): string | undefined {
    let type: 'subscribe' | 'unsubscribe' | undefined;
    const topics: string[] = [];
    let bytes = 40;
    for (const topic of this.dirty) {
      const want = this.wanted(topic);
      if (want === this.announced.has(topic)) {
        this.dirty.delete(topic);
        continue;
      }
      const op = want ? 'subscribe' : 'unsubscribe';
      type ??= op;
      if (op !== type) continue;
      const size = utf8Length(topic) + 3;
      if (
        topics.length > 0 &&
        (bytes + size > MAX_TOPIC_FRAME_BYTES || topics.length === MAX_TOPICS_PER_FRAME)
      ) {
        break;
      }
      topics.push(topic);
      bytes += size;
      this.dirty.delete(topic);
    }
    if (type === undefined) return undefined;
    for (const topic of topics) {
      if (type === 'subscribe') this.announced.add(topic);
      else this.announced.delete(topic);
    }
    if (type === 'unsubscribe') this.freed(topics.length);
    return JSON.stringify({ type, topics });
  }

  /** Sends what the rate allows: subscriptions first, then signals, then presence. */
  private drain(): void {
    const socket = this.socket;
    if (socket?.readyState !== OPEN) return;
    while (this.dirty.size > 0 || this.queuedFrames > 0) {
      if (!this.takeToken()) {
        this.scheduleDrain();
        return;
      }
      const frame = this.nextTopicFrame() ?? this.signals.shift() ?? this.nextPresence();
      if (frame === undefined) {
        // Only topics already in line were dirty: the token was not needed.
        this.tokens += 1;
        return;
      }
      socket.send(frame);
    }
  }

  private nextPresence(): string | undefined {
    const first = this.presence.entries().next();
    if (first.done) return undefined;
    this.presence.delete(first.value[0]);
    return first.value[1];
  }

  private closedByPolicy(reason: string): void {
    // Against a server that will not take our topics, reconnecting at once would subscribe them
    // all again and be closed again: wait as long as for a refused topic.
    if (Date.now() - this.openedAt >= STABLE_CONNECTION_MS) this.policyStrikes = 0;
    this.policyCloses++;
    const delay = backoffDelay(this.policyStrikes++, this.refusalBackoff, this.random);
    this.lastPolicyClose = { code: POLICY_VIOLATION, reason, retryInMs: delay };
    log.warn('the signaling server closed the socket by policy; waiting before reconnecting', {
      url: this.url,
      reason,
      retryInMs: delay,
    });
    this.scheduleRetry(delay);
  }

  private scheduleRetry(delay = backoffDelay(this.attempt++, this.backoff, this.random)): void {
    if (this.current === 'stopped') return;
    this.setState('waiting');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.current === 'waiting') this.connect();
    }, delay);
  }

  private detach(): void {
    clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
    this.signals.length = 0;
    this.presence.clear();
    this.announced.clear();
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

  private takeToken(): boolean {
    const now = Date.now();
    const { perSecond, burst } = this.rate;
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) * perSecond) / 1000);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private scheduleDrain(): void {
    if (this.drainTimer !== undefined) return;
    const wait = Math.ceil(((1 - this.tokens) * 1000) / this.rate.perSecond);
    this.drainTimer = setTimeout(
      () => {
        this.drainTimer = undefined;
        this.drain();
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
  | { kind: 'refused'; refusal: Refusal }
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
  if (m.type === 'refused') return parseRefusal(m);
  if (m.type !== 'publish') return { kind: 'invalid', reason: 'unknown type' };
  if (typeof m.topic !== 'string' || m.topic === '') return { kind: 'invalid', reason: 'no topic' };
  if (!Object.hasOwn(m, 'data')) return { kind: 'invalid', reason: 'no data' };
  const clients = typeof m.clients === 'number' ? m.clients : undefined;
  return { kind: 'publish', topic: m.topic, data: m.data, clients };
}

function parseRefusal(m: Record<string, unknown>): ServerMessage {
  const { op, topic, reason } = m;
  if (typeof topic !== 'string' || topic === '') return { kind: 'invalid', reason: 'no topic' };
  if (op === 'subscribe' && typeof reason === 'string' && SUBSCRIBE_REFUSALS.includes(reason)) {
    return { kind: 'refused', refusal: { op, topic, reason: reason as SubscribeRefusal } };
  }
  if (op === 'publish' && reason === 'relay-budget') {
    return { kind: 'refused', refusal: { op, topic, reason } };
  }
  return { kind: 'invalid', reason: 'unknown refusal' };
}
