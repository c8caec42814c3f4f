import { describe, expect, it } from 'vitest';
import { bytesEqual } from '../bytes.ts';
import { MessageTooLargeError, TransportClosedError, type CloseInfo } from '../sync/transport.ts';
import { DataChannelTransport, pieceSizeFor } from './data-channel-transport.ts';
import { framePieces } from './framing.ts';
import { pair } from './test-helpers.ts';
import { MemoryBudget } from '../sync/memory-budget.ts';
import { runTransportSuite } from './transport-suite.ts';

function messageOf(size: number, seed = 1): Uint8Array {
  return new Uint8Array(size).map((_, i) => (i * 131 + seed) & 0xff);
}

describe('data channel transport', () => {
  it('carries messages both ways, a multi-megabyte one intact and a small one after it', async () => {
    const [a, b] = pair();
    const ta = new DataChannelTransport(a, { remoteMaxMessageSize: 256 * 1024 });
    const tb = new DataChannelTransport(b, { remoteMaxMessageSize: 256 * 1024 });
    const atB: Uint8Array[] = [];
    const atA: Uint8Array[] = [];
    tb.onMessage((m) => atB.push(m));
    ta.onMessage((m) => atA.push(m));
    const big = messageOf(3 * 1024 * 1024);
    await ta.send(big);
    await ta.send(new Uint8Array([7]));
    await tb.send(new Uint8Array([1, 2]));
    await new Promise((r) => setTimeout(r, 0));
    expect(atB.length).toBe(2);
    expect(bytesEqual(atB[0]!, big)).toBe(true);
    expect(atB[1]).toEqual(new Uint8Array([7]));
    expect(atA).toEqual([new Uint8Array([1, 2])]);
    expect(ta.pieceSize).toBe(256 * 1024);
  });

  it('never lets the buffer grow past the high-water mark plus one piece, and resolves only below it', async () => {
    const [a, b] = pair();
    a.manual = true;
    const ta = new DataChannelTransport(a, {
      remoteMaxMessageSize: 16 * 1024,
      highWaterMark: 64 * 1024,
      lowWaterMark: 16 * 1024,
    });
    const tb = new DataChannelTransport(b);
    const got: Uint8Array[] = [];
    tb.onMessage((m) => got.push(m));
    let resolved = false;
    const sending = ta.send(messageOf(512 * 1024)).then(() => {
      resolved = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(resolved).toBe(false);
    expect(a.bufferedAmount).toBeLessThanOrEqual(64 * 1024 + 16 * 1024);
    while (!resolved) {
      a.drain(8 * 1024);
      await new Promise((r) => setTimeout(r, 0));
      expect(a.bufferedAmount).toBeLessThanOrEqual(64 * 1024 + 16 * 1024);
    }
    await sending;
    a.drain();
    expect(a.maxBuffered).toBeLessThanOrEqual(64 * 1024 + 16 * 1024);
    expect(got.length).toBe(1);
    expect(bytesEqual(got[0]!, messageOf(512 * 1024))).toBe(true);
  });

  it('keeps the pieces of concurrent sends in order, never interleaved', async () => {
    const [a, b] = pair();
    const ta = new DataChannelTransport(a, { remoteMaxMessageSize: 1024 });
    const tb = new DataChannelTransport(b);
    const got: Uint8Array[] = [];
    tb.onMessage((m) => got.push(m));
    const sent = [messageOf(5000, 1), messageOf(3000, 2), messageOf(10, 3)];
    await Promise.all(sent.map((m) => ta.send(m)));
    await new Promise((r) => setTimeout(r, 0));
    expect(got).toEqual(sent);
  });

  it('disconnects a peer that announces a message above the cap, with a typed reason', async () => {
    const [a, b] = pair();
    const tb = new DataChannelTransport(b, { maxMessageBytes: 1000 });
    const closes: CloseInfo[] = [];
    tb.onClose((info) => closes.push(info));
    tb.onMessage(() => undefined);
    const [first] = framePieces(new Uint8Array(5000), 1024);
    b.inject(first!);
    expect(closes).toEqual([{ by: 'error', reason: expect.stringContaining('too-large') }]);
    expect(tb.open).toBe(false);
    expect(a.readyState).toBe('closed');
  });

  it("bounds the messages a friend's connections reassemble all together", () => {
    const budget = new MemoryBudget(10_000);
    const [, b1] = pair();
    const [, b2] = pair();
    const t1 = new DataChannelTransport(b1, { maxMessageBytes: 8000, memory: budget });
    const t2 = new DataChannelTransport(b2, { maxMessageBytes: 8000, memory: budget });
    const got: Uint8Array[] = [];
    t1.onMessage((m) => got.push(m));
    t2.onMessage((m) => got.push(m));
    // Each announces 6,000 bytes, within the cap of one connection; only the first fits.
    const pieces = [...framePieces(messageOf(6000), 1024)];
    b1.inject(pieces[0]!);
    expect(budget.held).toBe(6000);
    b2.inject(pieces[0]!);
    expect(t2.closeInfo).toEqual({
      by: 'error',
      reason: expect.stringContaining('over-memory-budget'),
    });
    expect(t1.open).toBe(true);
    for (const piece of pieces.slice(1)) b1.inject(piece);
    expect(got).toHaveLength(1);
    expect(budget.held).toBe(0);
    // A transport that closes mid-message gives its bytes back.
    b1.inject(pieces[0]!);
    expect(budget.held).toBe(6000);
    t1.close();
    expect(budget.held).toBe(0);
  });

  it('disconnects on malformed pieces and on text frames', () => {
    for (const bad of [new Uint8Array([0xff]), new Uint8Array(0)]) {
      const [, b] = pair();
      const t = new DataChannelTransport(b);
      b.inject(bad);
      expect(t.closeInfo).toMatchObject({
        by: 'error',
        reason: expect.stringContaining('framing'),
      });
    }
    const [, b] = pair();
    const t = new DataChannelTransport(b);
    b.dispatchEvent(Object.assign(new Event('message'), { data: 'text' }));
    expect(t.closeInfo?.by).toBe('error');
  });

  it('refuses oversize and after-close sends with the Transport errors, and reports the remote close', async () => {
    const [a, b] = pair();
    const ta = new DataChannelTransport(a, { maxMessageBytes: 100 });
    const tb = new DataChannelTransport(b);
    await expect(ta.send(new Uint8Array(101))).rejects.toBeInstanceOf(MessageTooLargeError);
    const closes: CloseInfo[] = [];
    ta.onClose((info) => closes.push(info));
    tb.close('bye');
    expect(tb.closeInfo).toEqual({ by: 'local', reason: 'bye' });
    expect(closes).toEqual([{ by: 'remote', reason: 'channel closed' }]);
    await expect(ta.send(new Uint8Array(1))).rejects.toBeInstanceOf(TransportClosedError);
  });

  it('rejects a send that is waiting on a full buffer when the channel closes', async () => {
    const [a] = pair();
    a.manual = true;
    const ta = new DataChannelTransport(a, { highWaterMark: 1024, remoteMaxMessageSize: 1024 });
    const sending = ta.send(new Uint8Array(10_000));
    await new Promise((r) => setTimeout(r, 0));
    a.close();
    await expect(sending).rejects.toBeInstanceOf(TransportClosedError);
  });

  it('holds messages that arrive before anyone listens, within a bound', async () => {
    const [a, b] = pair();
    const ta = new DataChannelTransport(a);
    const tb = new DataChannelTransport(b, { maxUndelivered: 2 });
    await ta.send(new Uint8Array([1]));
    await new Promise((r) => setTimeout(r, 0));
    const got: Uint8Array[] = [];
    tb.onMessage((m) => got.push(m));
    expect(got).toEqual([new Uint8Array([1])]);
    const [c, d] = pair();
    const tc = new DataChannelTransport(c);
    const td = new DataChannelTransport(d, { maxUndelivered: 2 });
    // The third message overflows: td closes, which closes tc too, so sends may reject.
    await Promise.allSettled([1, 2, 3].map((n) => tc.send(new Uint8Array([n]))));
    await new Promise((r) => setTimeout(r, 0));
    expect(td.closeInfo?.by).toBe('error');
  });

  it('picks pieces within the remote limit, falling back to 16 KiB when unknown', () => {
    expect(pieceSizeFor(262_144)).toBe(262_144);
    expect(pieceSizeFor(1_073_741_823)).toBe(262_144);
    expect(pieceSizeFor(65_536, 1_000_000)).toBe(65_536);
    expect(pieceSizeFor(undefined)).toBe(16_384);
    expect(pieceSizeFor(0)).toBe(16_384);
  });
});

runTransportSuite('DataChannelTransport over an in-process channel pair', () => {
  const [x, y] = pair();
  return {
    a: new DataChannelTransport(x, { remoteMaxMessageSize: 1024, maxMessageBytes: 64 * 1024 }),
    b: new DataChannelTransport(y, { remoteMaxMessageSize: 1024, maxMessageBytes: 64 * 1024 }),
    settle: () => new Promise((r) => setTimeout(r, 0)),
  };
});
