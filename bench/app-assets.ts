/**
 * Files the app benchmark measures or feeds in: the JS of the built app's initial load (gzipped),
 * and a large PNG photo made on the spot.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';

/** The gzipped size of each JS file of the initial load, and their sum. */
export interface InitialJs {
  readonly files: readonly {
    readonly file: string;
    readonly bytes: number;
    readonly gzip: number;
  }[];
  readonly gzipBytes: number;
}

/** `import ... from "x"`, `import "x"` and `export ... from "x"`, never `import("x")`. */
const STATIC_IMPORT =
  /(?:^|[;}\s])(?:import|export)\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"']+)["']/g;

/**
 * Reads `dist/index.html`'s module scripts and module preloads, follows their static imports
 * (dynamic `import()` is loaded later, on demand, so it is left out) and gzips every file found
 * (Node's default level, as a server would).
 */
export async function initialJs(distDir: string): Promise<InitialJs> {
  const html = await readFile(path.join(distDir, 'index.html'), 'utf8');
  const roots = [
    ...html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g),
    ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g),
  ].map((m) => m[1]!);
  const seen = new Set<string>();
  const files: { file: string; bytes: number; gzip: number }[] = [];
  const visit = async (url: string, from: string): Promise<void> => {
    const resolved = new URL(url, `http://app${from}`).pathname;
    if (seen.has(resolved)) return;
    seen.add(resolved);
    const code = await readFile(path.join(distDir, resolved), 'utf8');
    files.push({
      file: resolved,
      bytes: Buffer.byteLength(code),
      gzip: gzipSync(code).byteLength,
    });
    for (const m of code.matchAll(STATIC_IMPORT)) {
      if (m[1]!.startsWith('.') || m[1]!.startsWith('/')) await visit(m[1]!, resolved);
    }
  };
  for (const root of roots) await visit(root, '/index.html');
  return { files, gzipBytes: files.reduce((sum, f) => sum + f.gzip, 0) };
}

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

/**
 * Writes a `width` x `height` RGB PNG of at least `targetBytes`: a smooth gradient (which
 * deflate shrinks to almost nothing) crossed by rows of noise (which it cannot shrink), as many
 * as the target needs. Returns the file's size.
 */
export async function writeLargePng(
  file: string,
  width: number,
  height: number,
  targetBytes: number,
): Promise<number> {
  const rowBytes = 1 + width * 3;
  const noisyRows = Math.min(height, Math.ceil(targetBytes / (width * 3)) + 2);
  const every = height / noisyRows;
  const raw = Buffer.alloc(rowBytes * height);
  let nextNoisy = 0;
  for (let y = 0; y < height; y++) {
    const row = raw.subarray(y * rowBytes, (y + 1) * rowBytes);
    row[0] = 0;
    if (y >= nextNoisy) {
      nextNoisy += every;
      for (let i = 1; i < rowBytes; i++) row[i] = (Math.random() * 256) | 0;
    } else {
      for (let x = 0; x < width; x++) {
        row[1 + x * 3] = (x * 255) / width;
        row[2 + x * 3] = (y * 255) / height;
        row[3 + x * 3] = 128;
      }
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
  await writeFile(file, png);
  return png.byteLength;
}
