import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DataChannelTransport, type DataChannelLike } from '../core/net/data-channel-transport.ts';
import type { SignalLike } from '../core/net/connection-manager.ts';
import { maxMessageSizeOf, WeriftPeer } from './werift-peer.ts';

const options = { config: { iceServers: [] }, trickle: true } as const;
const loopback = { loopbackOnly: true };
const made: WeriftPeer[] = [];
afterEach(() => made.splice(0).forEach((peer) => peer.destroy()));

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function event(peer: WeriftPeer, name: 'connect' | 'close'): Promise<void> {
  return new Promise((resolve) => peer.once(name, () => resolve()));
}

/** Two peers whose signals cross in memory; every signal is kept. */
function pair(): { a: WeriftPeer; b: WeriftPeer; signals: SignalLike[] } {
  const a = new WeriftPeer({ ...options, initiator: true }, loopback);
  const b = new WeriftPeer({ ...options, initiator: false }, loopback);
  made.push(a, b);
  const signals: SignalLike[] = [];
  a.on('signal', (signal: SignalLike) => {
    signals.push(signal);
    b.signal(signal);
  });
  b.on('signal', (signal: SignalLike) => {
    signals.push(signal);
    a.signal(signal);
  });
  return { a, b, signals };
}

/** `raw`, with the buffered amount after every piece written recorded in `seen`. */
function recording(raw: DataChannelLike, seen: number[]): DataChannelLike {
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
    binaryType: raw.binaryType,
    send(data) {
      raw.send(data);
      seen.push(raw.bufferedAmount);
    },
    close: () => raw.close(),
    addEventListener: (type: string, listener: (event: never) => void) =>
      raw.addEventListener(type as 'close', listener as (event: unknown) => void),
    removeEventListener: (type, listener) => raw.removeEventListener(type, listener),
  };
}

describe('WeriftPeer', () => {
  it('speaks simple-peer signals, trickled, with loopback candidates only', async () => {
    const { a, b, signals } = pair();
    await Promise.all([event(a, 'connect'), event(b, 'connect')]);
    const types = signals.map((s) => s.type);
    expect(types.filter((t) => t === 'offer')).toHaveLength(1);
    expect(types.filter((t) => t === 'answer')).toHaveLength(1);
    const candidates = signals.filter((s) => s.type === 'candidate');
    expect(candidates.length).toBeGreaterThan(0);
    for (const { candidate } of candidates) {
      expect(candidate).toMatchObject({ candidate: expect.stringContaining(' 127.0.0.1 ') });
    }
    // The remote's SCTP limit is read from its SDP, as a browser's `pc.sctp` gives it: werift
    // says 64 KiB.
    expect(a._pc.sctp?.maxMessageSize).toBe(64 * 1024);
    expect(b._pc.sctp?.maxMessageSize).toBe(64 * 1024);
    expect(a._channel?.readyState).toBe('open');
  });

  it('carries binary messages both ways, a large one (2 MiB) paced by the buffered amount, and closes cleanly', async () => {
    const { a, b } = pair();
    const early: Uint8Array[] = [];
    b.on('data', (data: Uint8Array) => early.push(data));
    await Promise.all([event(a, 'connect'), event(b, 'connect')]);
    const seen: number[] = [];
    const highWaterMark = 512 * 1024;
    const atA = new DataChannelTransport(recording(a._channel!, seen), {
      remoteMaxMessageSize: a._pc.sctp?.maxMessageSize,
      highWaterMark,
      lowWaterMark: 128 * 1024,
    });
    const atB = new DataChannelTransport(b._channel!, {
      remoteMaxMessageSize: b._pc.sctp?.maxMessageSize,
    });
    const fromA: Uint8Array[] = [];
    const fromB: Uint8Array[] = [];
    atB.onMessage((m) => fromA.push(m));
    atA.onMessage((m) => fromB.push(m));

    const big = randomBytes(2 * 1024 * 1024);
    const small = new Uint8Array([1, 2, 3, 0, 255]);
    await atA.send(big);
    await atA.send(small);
    await atB.send(new Uint8Array([42]));
    await expect.poll(() => fromA.length, { timeout: 20_000 }).toBe(2);
    await expect.poll(() => fromB.length, { timeout: 20_000 }).toBe(1);
    expect(sha256(fromA[0]!)).toBe(sha256(big));
    expect([...fromA[1]!]).toEqual([...small]);
    expect([...fromB[0]!]).toEqual([42]);
    // Pieces went out one by one, each after the buffer fell below the high-water mark.
    expect(seen.length).toBeGreaterThan(big.length / atA.pieceSize);
    expect(Math.max(...seen)).toBeGreaterThan(0);
    expect(Math.max(...seen)).toBeLessThanOrEqual(highWaterMark + atA.pieceSize);
    // The raw `data` events saw every piece as bytes too (what the manager's tap reads).
    expect(early.every((piece) => piece instanceof Uint8Array)).toBe(true);

    const closedA = event(a, 'close');
    const closedB = event(b, 'close');
    let closes = 0;
    a.on('close', () => closes++);
    a.destroy();
    await Promise.all([closedA, closedB]);
    a.destroy();
    expect(closes).toBe(1);
    expect(atB.open).toBe(false);
  });

  it('ends with an error on a description it cannot use, and takes no signal after', async () => {
    // An answer to a peer that made no offer.
    const peer = new WeriftPeer({ ...options, initiator: false }, loopback);
    made.push(peer);
    const failed = new Promise<Error>((resolve) => peer.once('error', resolve));
    const closed = event(peer, 'close');
    peer.signal({ type: 'answer', sdp: 'v=0\r\n' });
    expect(await failed).toBeInstanceOf(Error);
    await closed;
    expect(() => peer.signal({ type: 'offer', sdp: 'v=0' })).toThrow(/destroyed/);
  });

  it('refuses non-trickle use, which the connection manager never asks for', () => {
    expect(() => new WeriftPeer({ ...options, trickle: false, initiator: true })).toThrow(
      /trickle/,
    );
  });
});

describe('maxMessageSizeOf', () => {
  it.each([
    ['v=0\r\na=max-message-size:262144\r\n', 262_144],
    ['v=0\r\na=max-message-size:0\r\n', Number.MAX_SAFE_INTEGER],
    ['v=0\r\n', 65_536],
  ])('%j -> %d', (sdp, size) => {
    expect(maxMessageSizeOf(sdp)).toBe(size);
  });
});
