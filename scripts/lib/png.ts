/**
 * A minimal PNG encoder (no image library), for the icons, test photos and benchmark photos the
 * project draws itself: 8-bit RGB or RGBA, no interlace, every row filter 0, one IDAT.
 */
import { deflateSync } from 'node:zlib';

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.byteLength, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** Pixel layout of {@link encodePng}'s rows. */
export type PngChannels = 'rgb' | 'rgba';

/**
 * Encodes a `width` x `height` image whose row `y` (`pixels(y)`) holds `width` pixels of 3
 * (rgb) or 4 (rgba) bytes each, without the filter byte.
 */
export function encodePng(
  width: number,
  height: number,
  channels: PngChannels,
  pixels: (y: number) => Uint8Array,
): Buffer {
  const per = channels === 'rgb' ? 3 : 4;
  const rowBytes = 1 + width * per;
  const raw = Buffer.alloc(rowBytes * height);
  for (let y = 0; y < height; y++) {
    const row = pixels(y);
    if (row.byteLength !== width * per) throw new RangeError(`row ${y} is not ${width} pixels`);
    raw.set(row, y * rowBytes + 1);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, channels === 'rgb' ? 2 : 6, 0, 0, 0], 8);
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
