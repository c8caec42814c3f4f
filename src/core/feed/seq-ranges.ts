/**
 * What a peer holds of one log, as a set of seq ranges. Recent-first sync means a peer often
 * holds a suffix (say 900..1000) before the prefix, so "the highest seq held" is not enough.
 *
 * Wire form (lib0): count varuint, then per range, in ascending order: `start - 1` for the
 * first range or `start - previousEnd - 2` for the others (ranges never touch, so this is
 * >= 0), then `end - start`. One set has one encoding.
 */
import * as encoding from 'lib0/encoding';
import { ByteReadError, ByteReader } from '../bytes.ts';
import { MAX_SEQ } from './entry-codec.ts';

/** An inclusive range of seqs. */
export interface SeqRange {
  /** First seq, >= 1. */
  readonly start: number;
  /** Last seq, >= start. */
  readonly end: number;
}

/** Most ranges a decoded set may hold: bounds the work an untrusted peer can cause. */
export const MAX_DECODED_RANGES = 4096;

/** Thrown when encoded ranges are malformed. */
export class SeqRangesDecodeError extends Error {
  override readonly name = 'SeqRangesDecodeError';
  /** Machine-readable cause. */
  readonly reason: ByteReadError['reason'] | 'too-many-ranges' | 'seq-out-of-range';

  constructor(reason: SeqRangesDecodeError['reason'], message: string) {
    super(message);
    this.reason = reason;
  }
}

function assertSeq(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 1)
    throw new RangeError(`seq must be 1..2^53-1, got ${seq}`);
}

/** A mutable set of seqs kept as sorted, disjoint, non-adjacent ranges. */
export class SeqRanges {
  private list: SeqRange[] = [];

  /** A set holding `ranges` (any order, may overlap). */
  static of(...ranges: SeqRange[]): SeqRanges {
    const set = new SeqRanges();
    for (const r of ranges) set.addRange(r.start, r.end);
    return set;
  }

  /** The ranges, ascending. */
  ranges(): readonly SeqRange[] {
    return this.list;
  }

  /** Number of seqs held. */
  get count(): number {
    return this.list.reduce((n, r) => n + r.end - r.start + 1, 0);
  }

  /** Highest seq held, or 0 when empty. */
  get max(): number {
    return this.list.at(-1)?.end ?? 0;
  }

  /** End of the prefix 1..n held, or 0 when seq 1 is not held. */
  get prefixEnd(): number {
    const first = this.list[0];
    return first && first.start === 1 ? first.end : 0;
  }

  /** Adds one seq. */
  add(seq: number): void {
    this.addRange(seq, seq);
  }

  /** Adds the inclusive range start..end. */
  addRange(start: number, end: number): void {
    assertSeq(start);
    assertSeq(end);
    if (end < start) throw new RangeError(`empty range ${start}..${end}`);
    const next: SeqRange[] = [];
    let merged = { start, end };
    let placed = false;
    for (const r of this.list) {
      if (r.end + 1 < merged.start) {
        next.push(r);
      } else if (merged.end + 1 < r.start) {
        if (!placed) next.push(merged);
        placed = true;
        next.push(r);
      } else {
        merged = { start: Math.min(r.start, merged.start), end: Math.max(r.end, merged.end) };
      }
    }
    if (!placed) next.push(merged);
    this.list = next;
  }

  /** Takes one seq out (splitting its range); a seq not held is ignored. */
  delete(seq: number): void {
    const at = this.list.findIndex((r) => r.start <= seq && seq <= r.end);
    if (at < 0) return;
    const r = this.list[at]!;
    const parts: SeqRange[] = [];
    if (r.start < seq) parts.push({ start: r.start, end: seq - 1 });
    if (seq < r.end) parts.push({ start: seq + 1, end: r.end });
    this.list.splice(at, 1, ...parts);
  }

  /** True when `seq` is held. */
  has(seq: number): boolean {
    let lo = 0;
    let hi = this.list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.list[mid]!;
      if (seq < r.start) hi = mid - 1;
      else if (seq > r.end) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** The missing ranges below `max` (logs start at seq 1, so a held suffix leaves 1..start-1). */
  gaps(): SeqRange[] {
    const out: SeqRange[] = [];
    let expected = 1;
    for (const r of this.list) {
      if (r.start > expected) out.push({ start: expected, end: r.start - 1 });
      expected = r.end + 1;
    }
    return out;
  }

  /** Encodes the set (module doc). */
  encode(): Uint8Array {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, this.list.length);
    let prevEnd = 0;
    this.list.forEach((r, i) => {
      encoding.writeVarUint(encoder, i === 0 ? r.start - 1 : r.start - prevEnd - 2);
      encoding.writeVarUint(encoder, r.end - r.start);
      prevEnd = r.end;
    });
    return encoding.toUint8Array(encoder);
  }

  /** Decodes untrusted bytes; throws `SeqRangesDecodeError`. */
  static decode(bytes: Uint8Array): SeqRanges {
    const reader = new ByteReader(bytes);
    try {
      const count = reader.varUint();
      if (count > MAX_DECODED_RANGES) {
        throw new SeqRangesDecodeError(
          'too-many-ranges',
          `${count} ranges > ${MAX_DECODED_RANGES}`,
        );
      }
      const list: SeqRange[] = [];
      let prevEnd = 0;
      for (let i = 0; i < count; i++) {
        const start = (i === 0 ? 1 : prevEnd + 2) + reader.varUint();
        const end = start + reader.varUint();
        if (end > MAX_SEQ)
          throw new SeqRangesDecodeError('seq-out-of-range', `seq ${end} > 2^53-1`);
        list.push({ start, end });
        prevEnd = end;
      }
      reader.end();
      const set = new SeqRanges();
      set.list = list;
      return set;
    } catch (err) {
      if (err instanceof ByteReadError) throw new SeqRangesDecodeError(err.reason, err.message);
      throw err;
    }
  }
}
