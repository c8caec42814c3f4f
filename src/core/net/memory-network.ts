/**
 * An in-memory network for tests: many peers in one process, linked pairwise by {@link Transport}s
 * that deliver on microtasks (or after a delay), with optional loss, reordering, partitions and
 * restarts. Multi-peer tests then run in milliseconds and fail the same way every time for a
 * given seed.
 */
import {
  MessageTooLargeError,
  TransportClosedError,
  type CloseInfo,
  type Transport,
} from '../sync/transport.ts';

/** How a {@link MemoryNetwork} misbehaves; every field is optional and off by default. */
export interface MemoryNetworkOptions {
  /** Delivery delay in milliseconds; 0 delivers on the next microtask. */
  readonly delayMs?: number;
  /** Probability (0..1) that a message is silently lost in flight. */
  readonly loss?: number;
  /** Probability (0..1) that a message is held back and delivered after the next one. */
  readonly reorder?: number;
  /** The largest message a transport takes (default 256 KiB, Chromium's SCTP limit). */
  readonly maxMessageSize?: number;
  /** Source of randomness in [0, 1), seeded in tests so a failure replays. */
  readonly random?: () => number;
}

/** Counters a test can assert on (bytes carried, messages lost). */
export interface MemoryNetworkStats {
  delivered: number;
  dropped: number;
  bytes: number;
}

const DEFAULT_MAX_MESSAGE = 256 * 1024;

/** A network of named peers joined by in-memory links. */
export class MemoryNetwork {
  readonly stats: MemoryNetworkStats = { delivered: 0, dropped: 0, bytes: 0 };
  private readonly links = new Set<Link>();
  private groups: ReadonlyArray<ReadonlySet<string>> | null = null;

  constructor(private readonly options: MemoryNetworkOptions = {}) {}

  /**
   * Links two peers and returns their ends: `[a's transport to b, b's transport to a]`.
   * Throws when a partition separates them, as a real dial would fail.
   */
  connect(a: string, b: string): [Transport, Transport] {
    if (!this.reachable(a, b)) throw new Error(`${a} cannot reach ${b}: partitioned`);
    const link = new Link(a, b, this.options, this.stats, () => this.links.delete(link));
    this.links.add(link);
    return [link.endA, link.endB];
  }

  /** Splits the network: links between peers of different groups close; new ones fail. */
  partition(...groups: ReadonlyArray<readonly string[]>): void {
    this.groups = groups.map((g) => new Set(g));
    for (const link of [...this.links]) {
      if (!this.reachable(link.a, link.b)) link.fail('partition');
    }
  }

  /** Ends every partition. Links closed by it stay closed: peers must dial again. */
  heal(): void {
    this.groups = null;
  }

  /** Simulates a peer restarting: every link it has closes (its store is the test's to keep). */
  restart(peer: string): void {
    for (const link of [...this.links]) {
      if (link.a === peer || link.b === peer) link.fail('restart');
    }
  }

  /** Number of open links that touch `peer`. */
  linkCount(peer: string): number {
    let n = 0;
    for (const link of this.links) if (link.a === peer || link.b === peer) n++;
    return n;
  }

  private reachable(a: string, b: string): boolean {
    if (!this.groups) return true;
    return this.groups.some((g) => g.has(a) && g.has(b));
  }
}

class Link {
  readonly endA: MemoryTransport;
  readonly endB: MemoryTransport;

  constructor(
    readonly a: string,
    readonly b: string,
    options: MemoryNetworkOptions,
    stats: MemoryNetworkStats,
    onGone: () => void,
  ) {
    this.endA = new MemoryTransport(options, stats);
    this.endB = new MemoryTransport(options, stats);
    this.endA.pair(this.endB, onGone);
    this.endB.pair(this.endA, onGone);
  }

  fail(reason: string): void {
    this.endA.shut({ by: 'error', reason });
    this.endB.shut({ by: 'error', reason });
  }
}

class MemoryTransport implements Transport {
  readonly maxMessageSize: number;
  private remote: MemoryTransport | null = null;
  private onGone: () => void = () => {};
  private readonly messageHandlers = new Set<(m: Uint8Array) => void>();
  private readonly closeHandlers = new Set<(info: CloseInfo) => void>();
  private heldBack: Uint8Array | null = null;
  private closed = false;

  constructor(
    private readonly options: MemoryNetworkOptions,
    private readonly stats: MemoryNetworkStats,
  ) {
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE;
  }

  get open(): boolean {
    return !this.closed;
  }

  pair(remote: MemoryTransport, onGone: () => void): void {
    this.remote = remote;
    this.onGone = onGone;
  }

  send(message: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new TransportClosedError('transport is closed'));
    if (message.byteLength > this.maxMessageSize) {
      return Promise.reject(new MessageTooLargeError(message.byteLength, this.maxMessageSize));
    }
    // Copy: the sender may reuse its buffer, as it may with a real data channel.
    const copy = message.slice();
    const random = this.options.random ?? Math.random;
    if (random() < (this.options.loss ?? 0)) {
      this.stats.dropped++;
      return Promise.resolve();
    }
    if (this.heldBack === null && random() < (this.options.reorder ?? 0)) {
      this.heldBack = copy;
      // Held back, not lost: if no later message overtakes it soon, it goes anyway.
      setTimeout(() => this.flushHeldBack(), (this.options.delayMs ?? 0) + 1);
      return Promise.resolve();
    }
    this.schedule(copy);
    this.flushHeldBack();
    return Promise.resolve();
  }

  onMessage(handler: (message: Uint8Array) => void): () => void {
    this.messageHandlers.add(handler);
    return () => this.messageHandlers.delete(handler);
  }

  onClose(handler: (info: CloseInfo) => void): () => void {
    this.closeHandlers.add(handler);
    return () => this.closeHandlers.delete(handler);
  }

  close(reason = 'closed'): void {
    if (this.closed) return;
    this.shut({ by: 'local', reason });
    this.remote?.shut({ by: 'remote', reason });
  }

  shut(info: CloseInfo): void {
    if (this.closed) return;
    this.closed = true;
    this.heldBack = null;
    this.onGone();
    for (const handler of this.closeHandlers) handler(info);
    this.closeHandlers.clear();
    this.messageHandlers.clear();
  }

  private flushHeldBack(): void {
    if (this.heldBack === null || this.closed) return;
    const late = this.heldBack;
    this.heldBack = null;
    this.schedule(late);
  }

  private schedule(message: Uint8Array): void {
    const deliver = () => this.remote?.receive(message);
    const delay = this.options.delayMs ?? 0;
    if (delay > 0) setTimeout(deliver, delay);
    else queueMicrotask(deliver);
  }

  private receive(message: Uint8Array): void {
    // A message in flight when the link closed is lost, as on a real connection.
    if (this.closed) {
      this.stats.dropped++;
      return;
    }
    this.stats.delivered++;
    this.stats.bytes += message.byteLength;
    for (const handler of this.messageHandlers) handler(message);
  }
}
