import { describe, expect, it } from 'vitest';
import { EarlyDataOverflowError, PeerDataTap } from './peer-data-tap.ts';
import { pair } from './test-helpers.ts';
import { MemoryBudget } from '../sync/memory-budget.ts';

/** A peer that emits `data` and `close` when the test says so. */
function fakePeer() {
  const listeners = new Map<string, (data: Uint8Array) => void>();
  return {
    on(event: 'data' | 'close', listener: (data: Uint8Array) => void) {
      listeners.set(event, listener);
    },
    send: (data: Uint8Array) => listeners.get('data')?.(data),
    close: () => listeners.get('close')?.(new Uint8Array(0)),
  };
}

describe('PeerDataTap', () => {
  it('hands what came before the listener first, then the rest, in order', () => {
    const peer = fakePeer();
    const tap = new PeerDataTap(peer, 1024, () => undefined);
    peer.send(Uint8Array.of(1));
    peer.send(Uint8Array.of(2));
    const [raw] = pair();
    const seen: number[] = [];
    tap.channel(raw).addEventListener('message', (event) => {
      seen.push((event.data as Uint8Array)[0]!);
    });
    peer.send(Uint8Array.of(3));
    expect(seen).toEqual([1, 2, 3]);
  });

  it('reports too much before the connection opened, once, and keeps none of it', () => {
    const peer = fakePeer();
    const errors: Error[] = [];
    const tap = new PeerDataTap(peer, 10, (error) => errors.push(error));
    peer.send(new Uint8Array(8));
    peer.send(new Uint8Array(8));
    peer.send(new Uint8Array(8));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(EarlyDataOverflowError);
    const seen: unknown[] = [];
    const [raw] = pair();
    tap.channel(raw).addEventListener('message', (event) => seen.push(event.data));
    expect(seen).toEqual([]);
  });

  it('leaves the rest of the channel as it is', () => {
    const [raw, other] = pair();
    const tap = new PeerDataTap(fakePeer(), 10, () => undefined);
    const channel = tap.channel(raw);
    channel.bufferedAmountLowThreshold = 77;
    expect(raw.bufferedAmountLowThreshold).toBe(77);
    let closed = false;
    channel.addEventListener('close', () => (closed = true));
    other.close();
    expect(closed).toBe(true);
    expect(channel.readyState).toBe('closed');
  });

  it("bounds what a friend's connections hold early all together, and frees it when one closes", () => {
    const budget = new MemoryBudget(1000);
    const first = fakePeer();
    const second = fakePeer();
    const errors: string[] = [];
    new PeerDataTap(first, 800, () => errors.push('first'), budget);
    new PeerDataTap(second, 800, () => errors.push('second'), budget);
    first.send(new Uint8Array(600));
    expect(budget.held).toBe(600);
    // Within its own bound of 800, over the friend's 1000 with the first connection's 600.
    second.send(new Uint8Array(600));
    expect(errors).toEqual(['second']);
    expect(budget.held).toBe(600);
    first.close();
    expect(budget.held).toBe(0);
    const third = fakePeer();
    new PeerDataTap(third, 800, () => errors.push('third'), budget);
    third.send(new Uint8Array(600));
    expect(errors).toEqual(['second']);
  });

  it('hands what it held to the listener and counts it no longer', () => {
    const budget = new MemoryBudget(1000);
    const peer = fakePeer();
    const tap = new PeerDataTap(peer, 800, () => undefined, budget);
    peer.send(new Uint8Array(600));
    const [raw] = pair();
    tap.channel(raw).addEventListener('message', () => undefined);
    expect(budget.held).toBe(0);
  });
});
