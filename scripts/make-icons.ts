/**
 * Draws the app icons (two overlapping circles: two friends) as PNGs with no image library, so
 * the icons can be regenerated on any machine: `npx tsx scripts/make-icons.ts`.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

type Rgb = readonly [number, number, number];
const BG: Rgb = [0x2f, 0x5d, 0x50];
const FG: Rgb = [0xfa, 0xf8, 0xf5];
const FG2: Rgb = [0xe8, 0xb4, 0x5a];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** Renders the motif; `scale` shrinks it for the maskable safe zone, `rounded` cuts the corners. */
function draw(size: number, scale: number, rounded: boolean): Buffer {
  const rows: Buffer[] = [];
  const r = size * 0.2 * scale;
  const cy = size / 2;
  const c1 = size / 2 - r * 0.55;
  const c2 = size / 2 + r * 0.55;
  const corner = size * 0.18;
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      let color: Rgb = BG;
      const in1 = (px - c1) ** 2 + (py - cy) ** 2 <= r * r;
      const in2 = (px - c2) ** 2 + (py - cy) ** 2 <= r * r;
      if (in1 && in2) color = FG2;
      else if (in1 || in2) color = FG;
      const dx = Math.max(corner - px, px - (size - corner), 0);
      const dy = Math.max(corner - py, py - (size - corner), 0);
      const alpha = rounded && dx * dx + dy * dy > corner * corner ? 0 : 255;
      row.set([...color, alpha], 1 + x * 4);
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', new Uint8Array()),
  ]);
}

mkdirSync('public/icons', { recursive: true });
writeFileSync('public/icons/icon-192.png', draw(192, 1, true));
writeFileSync('public/icons/icon-512.png', draw(512, 1, true));
writeFileSync('public/icons/icon-maskable-512.png', draw(512, 0.8, false));
writeFileSync('public/icons/apple-touch-icon-180.png', draw(180, 1, false));
console.log('icons written to public/icons/');
