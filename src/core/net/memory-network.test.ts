import { describe, expect, it } from 'vitest';
import { MemoryNetwork } from './memory-network.ts';
import { MessageTooLargeError, TransportClosedError } from '../sync/transport.ts';

const bytes = (...values: number[]) => new Uint8Array(values);

/** A deterministic PRNG (mulberry32) so lossy runs replay. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('MemoryNetwork', () => {
  it('delivers messages both ways, in order, as copies', async () => {
    const net = new MemoryNetwork();
    const [a, b] = net.connect('alice', 'bob');
    const atB: number[] = [];
    const atA: number[] = [];
    b.onMessage((m) => atB.push(m[0] ?? -1));
    a.onMessage((m) => atA.push(m[0] ?? -1));
    const buffer = bytes(1);
    await a.send(buffer);
    buffer[0] = 99;
    await a.send(bytes(2));
    await b.send(bytes(7));
    await settle();
    expect(atB).toEqual([1, 2]);
    expect(atA).toEqual([7]);
    expect(net.stats.delivered).toBe(3);
  });

  it('closes both ends, tells each who closed, and refuses later sends', async () => {
    const net = new MemoryNetwork();
    const [a, b] = net.connect('alice', 'bob');
    const seen: string[] = [];
    a.onClose((info) => seen.push(`a:${info.by}`));
    b.onClose((info) => seen.push(`b:${info.by}`));
    a.close('bye');
    expect(seen).toEqual(['a:local', 'b:remote']);
    expect(a.open).toBe(false);
    await expect(b.send(bytes(1))).rejects.toBeInstanceOf(TransportClosedError);
    expect(net.linkCount('alice')).toBe(0);
  });

  it('refuses a message over the size limit with a typed error', async () => {
    const net = new MemoryNetwork({ maxMessageSize: 4 });
    const [a] = net.connect('alice', 'bob');
    await expect(a.send(new Uint8Array(5))).rejects.toBeInstanceOf(MessageTooLargeError);
  });

  it('drops messages at the configured loss rate, counting them', async () => {
    const net = new MemoryNetwork({ loss: 0.5, random: seeded(1) });
    const [a, b] = net.connect('alice', 'bob');
    let received = 0;
    b.onMessage(() => received++);
    for (let i = 0; i < 200; i++) await a.send(bytes(i & 0xff));
    await settle();
    expect(received + net.stats.dropped).toBe(200);
    expect(received).toBeGreaterThan(50);
    expect(received).toBeLessThan(150);
  });

  it('reorders when asked, without losing anything', async () => {
    const net = new MemoryNetwork({ reorder: 0.5, random: seeded(7) });
    const [a, b] = net.connect('alice', 'bob');
    const got: number[] = [];
    b.onMessage((m) => got.push(m[0] ?? -1));
    for (let i = 0; i < 50; i++) await a.send(bytes(i));
    await a.send(bytes(200));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect([...got].sort((x, y) => x - y)).toEqual([
      ...Array.from({ length: 50 }, (_, i) => i),
      200,
    ]);
    expect(got).not.toEqual([...got].sort((x, y) => x - y));
  });

  it('partitions: crossing links fail, dials across fail, dials within work, heal allows again', () => {
    const net = new MemoryNetwork();
    const [ab] = net.connect('alice', 'bob');
    const [bc] = net.connect('bob', 'carol');
    const reasons: string[] = [];
    ab.onClose((i) => reasons.push(`${i.by}:${i.reason}`));
    net.partition(['alice'], ['bob', 'carol']);
    expect(ab.open).toBe(false);
    expect(reasons).toEqual(['error:partition']);
    expect(bc.open).toBe(true);
    expect(() => net.connect('alice', 'carol')).toThrow(/partitioned/);
    net.heal();
    expect(net.connect('alice', 'carol')[0].open).toBe(true);
  });

  it('a restart closes every link of that peer only', () => {
    const net = new MemoryNetwork();
    const [ab] = net.connect('alice', 'bob');
    const [ac] = net.connect('alice', 'carol');
    const [bc] = net.connect('bob', 'carol');
    net.restart('alice');
    expect([ab.open, ac.open, bc.open]).toEqual([false, false, true]);
  });

  it('loses what is in flight when the link closes', async () => {
    const net = new MemoryNetwork({ delayMs: 5 });
    const [a, b] = net.connect('alice', 'bob');
    let received = 0;
    b.onMessage(() => received++);
    await a.send(bytes(1));
    a.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(received).toBe(0);
    expect(net.stats.dropped).toBe(1);
  });
});
