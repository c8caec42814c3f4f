import { describe, expect, it } from 'vitest';
import { EarlyDataOverflowError, PeerDataTap } from './peer-data-tap.ts';
import { pair } from './test-helpers.ts';

/** A peer that emits `data` when the test says so. */
function fakePeer() {
  let emit: (data: Uint8Array) => void = () => undefined;
  return {
    on(_event: 'data', listener: (data: Uint8Array) => void) {
      emit = listener;
    },
    send: (data: Uint8Array) => emit(data),
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
});
