import fc from 'fast-check';
import { bytesEqual } from '../bytes.ts';
import { describe, expect, it } from 'vitest';
import { MemoryBudget } from '../sync/memory-budget.ts';
import { FramingError, Reassembler, framePieces, type FramingErrorReason } from './framing.ts';

function roundTrip(message: Uint8Array, pieceSize: number): Uint8Array[] {
  const r = new Reassembler(1 << 24);
  const out: Uint8Array[] = [];
  for (const piece of framePieces(message, pieceSize)) {
    expect(piece.length).toBeLessThanOrEqual(pieceSize);
    const done = r.push(piece);
    if (done) out.push(done);
  }
  expect(r.pending).toBe(false);
  return out;
}

function reason(fn: () => unknown): FramingErrorReason {
  try {
    fn();
  } catch (error) {
    if (error instanceof FramingError) return error.reason;
    throw error;
  }
  throw new Error('expected a FramingError');
}

describe('framing', () => {
  it('splits and joins messages of any size and piece size (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 5000 }),
        fc.integer({ min: 64, max: 2000 }),
        (message, pieceSize) => {
          expect(roundTrip(message, pieceSize)).toEqual([message]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('carries a multi-megabyte message in pieces within the limit', () => {
    const message = new Uint8Array(3 * 1024 * 1024 + 7).map((_, i) => (i * 31) & 0xff);
    const pieces = [...framePieces(message, 256 * 1024)];
    expect(pieces.length).toBe(13);
    const out = roundTrip(message, 256 * 1024);
    expect(out.length).toBe(1);
    // bytesEqual: vitest's deep equality is far too slow on megabytes.
    expect(bytesEqual(out[0]!, message)).toBe(true);
  });

  it('keeps consecutive messages apart, the empty one included', () => {
    const r = new Reassembler();
    const messages = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(300).fill(9)];
    const out = messages.flatMap((m) => [...framePieces(m, 100)].flatMap((p) => r.push(p) ?? []));
    expect(out).toEqual(messages);
  });

  it('hands a message of one piece over as a view into it, checked as any other', () => {
    const [piece] = framePieces(new Uint8Array([5, 6, 7]), 100);
    const message = new Reassembler().push(piece!);
    expect(message).toEqual(new Uint8Array([5, 6, 7]));
    expect(message!.buffer).toBe(piece!.buffer);
    // FIRST and LAST announcing 2 bytes, carrying 3 or 1.
    expect(reason(() => new Reassembler().push(new Uint8Array([0x13, 2, 1, 2, 3])))).toBe(
      'length-mismatch',
    );
    expect(reason(() => new Reassembler().push(new Uint8Array([0x13, 2, 1])))).toBe(
      'length-mismatch',
    );
    expect(reason(() => new Reassembler(2).push(piece!))).toBe('too-large');
    const open = new Reassembler();
    open.push([...framePieces(new Uint8Array(300), 100)][0]!);
    expect(reason(() => open.push(piece!))).toBe('interleaved');
    // The remote's budget must have room for it, as for a message of many pieces, and keeps
    // nothing held after.
    const budget = new MemoryBudget(2);
    expect(reason(() => new Reassembler(100, budget.account()).push(piece!))).toBe(
      'over-memory-budget',
    );
    const account = new MemoryBudget(3).account();
    new Reassembler(100, account).push(piece!);
    expect(account.held).toBe(0);
  });

  it('refuses a message announced above the cap before receiving it', () => {
    const r = new Reassembler(1000);
    const [first] = framePieces(new Uint8Array(1001), 200);
    expect(reason(() => r.push(first!))).toBe('too-large');
  });

  it('refuses malformed, interleaved, unexpected, overrun and truncated pieces', () => {
    const pieces = [...framePieces(new Uint8Array(500).fill(1), 128)];
    const other = [...framePieces(new Uint8Array(10), 128)];
    expect(reason(() => new Reassembler().push(new Uint8Array(0)))).toBe('malformed');
    expect(reason(() => new Reassembler().push(new Uint8Array([0x21, 0])))).toBe(
      'unsupported-version',
    );
    expect(reason(() => new Reassembler().push(new Uint8Array([0x1f, 0])))).toBe('malformed');
    // FIRST with a truncated or non-minimal length.
    expect(reason(() => new Reassembler().push(new Uint8Array([0x13, 0x80])))).toBe('malformed');
    expect(reason(() => new Reassembler().push(new Uint8Array([0x13, 0x80, 0x00])))).toBe(
      'malformed',
    );
    expect(reason(() => new Reassembler().push(pieces[1]!))).toBe('unexpected-piece');
    const interleaved = new Reassembler();
    interleaved.push(pieces[0]!);
    expect(reason(() => interleaved.push(other[0]!))).toBe('interleaved');
    // A LAST arriving early: fewer bytes than announced.
    const truncated = new Reassembler();
    truncated.push(pieces[0]!);
    expect(reason(() => truncated.push(pieces.at(-1)!))).toBe('length-mismatch');
    // More bytes than announced: a FIRST claiming 2 bytes followed by a longer continuation.
    const overrun = new Reassembler();
    overrun.push(new Uint8Array([0x11, 2, 7]));
    expect(reason(() => overrun.push(new Uint8Array([0x12, 1, 2, 3])))).toBe('length-mismatch');
  });

  it('never throws anything but FramingError on random pieces (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 20 }), (pieces) => {
        const r = new Reassembler(1000);
        for (const piece of pieces) {
          try {
            r.push(piece);
          } catch (error) {
            expect(error).toBeInstanceOf(FramingError);
            return;
          }
        }
      }),
    );
  });

  it('refuses a piece size with no room for payload', () => {
    expect(() => [...framePieces(new Uint8Array(1), 8)]).toThrow(RangeError);
  });
});
