/**
 * The journal's framing (docs/storage.md "The folder store"): the journal is a sequence of
 * frames, one per transaction, each `[u32 body length][u32 CRC-32 of length and body][body]`
 * (little-endian). A frame is written with one append and acknowledged after fsync; a crash can
 * leave only the last frame torn (short, or with bytes that do not match its checksum), and
 * `scanFrames` stops there, so the caller truncates it away and the transaction is lost whole.
 */
import type { FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

/** Bytes of a frame's header. */
export const FRAME_HEADER_BYTES = 8;

/** Largest frame body: a torn length field must not make the scan allocate gigabytes. */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;

function checksum(header: Uint8Array, body: Uint8Array): number {
  return crc32(body, crc32(header.subarray(0, 4)));
}

/** One frame around `body`, ready to append. */
export function frame(body: Uint8Array): Buffer {
  if (body.length > MAX_FRAME_BYTES) throw new RangeError('a journal frame is too large');
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length);
  out.writeUInt32LE(body.length, 0);
  out.set(body, FRAME_HEADER_BYTES);
  out.writeUInt32LE(checksum(out, body), 4);
  return out;
}

/** A whole frame found by the scan: where its body lies in the file. */
export interface FoundFrame {
  /** Offset of the body in the file. */
  readonly offset: number;
  /** The body. */
  readonly body: Buffer;
}

/**
 * Reads the frames of `file` from the start, one at a time (memory stays at one frame), handing
 * each whole one to `onFrame`; resolves with the offset where the valid frames end (the file's
 * size when nothing is torn).
 */
export async function scanFrames(
  file: FileHandle,
  onFrame: (found: FoundFrame) => void,
): Promise<number> {
  const size = (await file.stat()).size;
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  let at = 0;
  while (at + FRAME_HEADER_BYTES <= size) {
    await readFully(file, header, at);
    const length = header.readUInt32LE(0);
    if (length > MAX_FRAME_BYTES || at + FRAME_HEADER_BYTES + length > size) break;
    const body = Buffer.allocUnsafe(length);
    await readFully(file, body, at + FRAME_HEADER_BYTES);
    if (checksum(header, body) !== header.readUInt32LE(4)) break;
    onFrame({ offset: at + FRAME_HEADER_BYTES, body });
    at += FRAME_HEADER_BYTES + length;
  }
  return at;
}

/** Fills `into` from `file` at `position` (a short read is a file shorter than its index). */
export async function readFully(file: FileHandle, into: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await file.read(into, done, into.length - done, position + done);
    if (bytesRead === 0)
      throw new RangeError(`the file ends before offset ${position + into.length}`);
    done += bytesRead;
  }
}
