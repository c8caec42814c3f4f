/**
 * A whole too large for one signaling message, sent in parts (a device link's bundle, a home
 * peer's handover): its base64url text cut into pieces of at most {@link PART_CHARS}, each
 * message naming its index and how many parts the whole has. The receiver holds a whole's parts
 * until it has every one, and refuses ({@link PartError}, the whole's parts then dropped) a part
 * that cannot belong: longer than `PART_CHARS`, a count past the bound or other than its
 * whole's, an index past the count, or a second part at an index with other text. The same part
 * again is a resend and changes nothing. A whole with a part missing is never used; a complete
 * one is the caller's to verify (a seal, a digest) before anything in it is used.
 */
import { fromBase64Url, toBase64Url } from '../bytes.ts';

/** Base64url characters per part: with its sealing, well inside one signaling message. */
export const PART_CHARS = 24 * 1024;

/** One part of a whole, as a message carries it. */
export interface Part {
  readonly index: number;
  readonly count: number;
  readonly part: string;
}

/** Why a part was refused. */
export type PartErrorReason =
  /** Longer than `PART_CHARS`. */
  | 'oversized'
  /** A count of zero or past the bound, or not the count of the whole's other parts. */
  | 'count'
  /** An index past the count. */
  | 'extra'
  /** An index that has a part already, with other text. */
  | 'duplicate'
  /** The whole is not base64url. */
  | 'malformed';

/** A refused part (see {@link PartErrorReason}). */
export class PartError extends Error {
  override readonly name = 'PartError';

  constructor(
    readonly reason: PartErrorReason,
    detail: string,
  ) {
    super(`a part refused: ${reason} (${detail})`);
  }
}

/** Whether `v` has a part's fields with their types (their bounds are the collector's to check). */
export function hasPartFields(v: Record<string, unknown>): boolean {
  return typeof v.part === 'string' && Number.isInteger(v.index) && Number.isInteger(v.count);
}

/** `bytes` in parts; throws a `RangeError` when they need more than `maxParts`. */
export function toParts(bytes: Uint8Array, maxParts: number): Part[] {
  const text = toBase64Url(bytes);
  const count = Math.max(1, Math.ceil(text.length / PART_CHARS));
  if (count > maxParts) throw new RangeError(`${count} parts, past the bound of ${maxParts}`);
  return Array.from({ length: count }, (_, index) => ({
    index,
    count,
    part: text.slice(index * PART_CHARS, (index + 1) * PART_CHARS),
  }));
}

/** What a collector holds to. */
export interface PartCollectorOptions {
  /** Most parts of one whole. */
  readonly maxParts: number;
  /** Most wholes in progress at once (default 1). */
  readonly maxWholes?: number;
  /** A whole dropped unfinished for a newer one: the indexes of its parts that never came. */
  readonly onIncomplete?: (id: string, missing: readonly number[]) => void;
}

/**
 * Collects the parts of wholes, each named by an id, at most `maxWholes` in progress (a new
 * whole past them drops the oldest unfinished one, whose parts never all came).
 */
export class PartCollector {
  private readonly wholes = new Map<string, (string | undefined)[]>();

  constructor(private readonly options: PartCollectorOptions) {}

  /**
   * Takes a part of the whole `id`: returns the whole's bytes once it holds every part, else
   * undefined. Throws {@link PartError} for a part that cannot belong (module doc).
   */
  add(id: string, { index, count, part }: Part): Uint8Array | undefined {
    try {
      if (part.length > PART_CHARS) {
        throw new PartError('oversized', `${part.length} characters, past ${PART_CHARS}`);
      }
      const { maxParts } = this.options;
      if (count < 1 || count > maxParts) {
        throw new PartError('count', `${count} parts, past the bound of ${maxParts}`);
      }
      if (index < 0 || index >= count) {
        throw new PartError('extra', `part ${index} of a whole of ${count}`);
      }
      const parts = this.whole(id, count);
      if (parts.length !== count) {
        throw new PartError(
          'count',
          `a part says ${count} parts, the whole's others ${parts.length}`,
        );
      }
      const held = parts[index];
      if (held !== undefined && held !== part) {
        throw new PartError('duplicate', `part ${index} again, with other text`);
      }
      parts[index] = part;
      if (parts.includes(undefined)) return undefined;
      this.wholes.delete(id);
      try {
        return fromBase64Url(parts.join(''));
      } catch {
        throw new PartError('malformed', 'the whole is not base64url');
      }
    } catch (error) {
      this.wholes.delete(id);
      throw error;
    }
  }

  /** The parts held of `id`, a new whole of `count` parts when there are none. */
  private whole(id: string, count: number): (string | undefined)[] {
    const held = this.wholes.get(id);
    if (held) return held;
    const [oldest] = this.wholes;
    if (oldest && this.wholes.size >= (this.options.maxWholes ?? 1)) {
      this.wholes.delete(oldest[0]);
      const missing = oldest[1].flatMap((part, index) => (part === undefined ? [index] : []));
      this.options.onIncomplete?.(oldest[0], missing);
    }
    const parts = new Array<string | undefined>(count).fill(undefined);
    this.wholes.set(id, parts);
    return parts;
  }
}
