/**
 * Draws the app icons (two overlapping circles: two friends) as PNGs with no image library, so
 * the icons can be regenerated on any machine: `npx tsx scripts/make-icons.ts`.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { encodePng } from './lib/png.ts';

type Rgb = readonly [number, number, number];
const BG: Rgb = [0x2f, 0x5d, 0x50];
const FG: Rgb = [0xfa, 0xf8, 0xf5];
const FG2: Rgb = [0xe8, 0xb4, 0x5a];

/** Renders the motif; `scale` shrinks it for the maskable safe zone, `rounded` cuts the corners. */
function draw(size: number, scale: number, rounded: boolean): Buffer {
  const r = size * 0.2 * scale;
  const cy = size / 2;
  const c1 = size / 2 - r * 0.55;
  const c2 = size / 2 + r * 0.55;
  const corner = size * 0.18;
  return encodePng(size, size, 'rgba', (y) => {
    const row = new Uint8Array(size * 4);
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
      row.set([...color, alpha], x * 4);
    }
    return row;
  });
}

mkdirSync('public/icons', { recursive: true });
writeFileSync('public/icons/icon-192.png', draw(192, 1, true));
writeFileSync('public/icons/icon-512.png', draw(512, 1, true));
writeFileSync('public/icons/icon-maskable-512.png', draw(512, 0.8, false));
writeFileSync('public/icons/apple-touch-icon-180.png', draw(180, 1, false));
console.log('icons written to public/icons/');
