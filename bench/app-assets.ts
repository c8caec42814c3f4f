/**
 * Files the app benchmark measures or feeds in: the JS of the built app's initial load (gzipped),
 * and a large PNG photo made on the spot.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodePng } from '../scripts/lib/png.ts';

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
  const noisyRows = Math.min(height, Math.ceil(targetBytes / (width * 3)) + 2);
  const every = height / noisyRows;
  let nextNoisy = 0;
  const png = encodePng(width, height, 'rgb', (y) => {
    const row = new Uint8Array(width * 3);
    if (y >= nextNoisy) {
      nextNoisy += every;
      for (let i = 0; i < row.length; i++) row[i] = (Math.random() * 256) | 0;
    } else {
      for (let x = 0; x < width; x++) {
        row[x * 3] = (x * 255) / width;
        row[1 + x * 3] = (y * 255) / height;
        row[2 + x * 3] = 128;
      }
    }
    return row;
  });
  await writeFile(file, png);
  return png.byteLength;
}
