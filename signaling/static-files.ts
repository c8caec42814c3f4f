import { createReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from './log.ts';

/** Content types by file extension; anything else is served as bytes. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
});

/**
 * Files offered for download rather than display, by URL path: the home peer, one file a person
 * saves and runs with Node (docs/home-peer.md).
 */
const DOWNLOADS: Readonly<Record<string, string>> = Object.freeze({
  '/kith-home.mjs': 'attachment; filename="kith-home.mjs"',
});

/** Files a browser must revalidate on every load: the entry page and the PWA's update path. */
const REVALIDATED = new Set(['index.html', 'sw.js', 'registerSW.js', 'manifest.webmanifest']);

/** Cache-Control for the content-hashed files Vite writes under /assets/. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The Cache-Control header for a file served at `urlPath`. */
export function cacheControlFor(urlPath: string): string {
  if (urlPath.startsWith('/assets/') && !REVALIDATED.has(path.posix.basename(urlPath))) {
    return IMMUTABLE;
  }
  // Everything else (index.html, the service worker, the manifest, icons) is revalidated; the
  // ETag keeps that to a 304.
  return 'no-cache';
}

/** Content types worth compressing (text; images and fonts are compressed already). */
function compressible(contentType: string): boolean {
  return /^(text\/|application\/(json|manifest\+json|wasm)|image\/svg\+xml)/.test(contentType);
}

/** Files smaller than this go as they are: compression would save next to nothing. */
const MIN_COMPRESS_BYTES = 1024;
/** Files larger than this are streamed as they are rather than compressed in memory. */
const MAX_COMPRESS_BYTES = 8 * 1024 * 1024;
/** Compressed bytes kept in memory, across files (the built app is about 1 MB). */
const MAX_CACHED_BYTES = 32 * 1024 * 1024;

type Encoding = 'br' | 'gzip';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** The best encoding the client accepts (`q=0` refuses one), or undefined for none. */
export function chooseEncoding(acceptEncoding: string | undefined): Encoding | undefined {
  if (!acceptEncoding) return undefined;
  const accepted = new Map<string, number>();
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    if (name) accepted.set(name.trim(), q === undefined ? 1 : Number(q));
  }
  for (const encoding of ['br', 'gzip'] as const) {
    const q = accepted.get(encoding) ?? accepted.get('*');
    if (q !== undefined && q > 0) return encoding;
  }
  return undefined;
}

/**
 * Compressed copies of files, by real path, version (size and mtime) and encoding, within a byte
 * budget.
 */
class CompressedCache {
  private readonly entries = new Map<string, Promise<Buffer>>();
  private readonly sizes = new Map<string, number>();
  private bytes = 0;

  get(file: string, mtimeMs: number, size: number, encoding: Encoding): Promise<Buffer> {
    const key = `${file}\0${mtimeMs}\0${size}\0${encoding}`;
    const known = this.entries.get(key);
    if (known) {
      // Most recently used last, so the oldest go first when the budget is full.
      this.entries.delete(key);
      this.entries.set(key, known);
      return known;
    }
    const made = readFile(file).then((bytes) =>
      encoding === 'br'
        ? brotli(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9 } })
        : gzipAsync(bytes, { level: 9 }),
    );
    this.entries.set(key, made);
    made.then(
      (compressed) => this.account(key, compressed.byteLength),
      () => this.entries.delete(key),
    );
    return made;
  }

  private account(key: string, size: number): void {
    if (!this.entries.has(key)) return;
    this.sizes.set(key, size);
    this.bytes += size;
    for (const old of this.entries.keys()) {
      if (this.bytes <= MAX_CACHED_BYTES) break;
      const oldSize = this.sizes.get(old);
      if (oldSize === undefined) continue;
      this.entries.delete(old);
      this.sizes.delete(old);
      this.bytes -= oldSize;
    }
  }
}

/**
 * One cache per process, shared by its servers: brotli at quality 9 costs about two seconds of CPU
 * for the built app, and a process that starts several servers over the same files (the e2e
 * tests start one per test file) compresses each file once. Keys hold the file's real path, size
 * and mtime, so another directory or a changed file is compressed anew.
 */
const compressedFiles = new CompressedCache();

/** Serves the files of one directory; see `serve`. */
export interface StaticFiles {
  /** Answers a GET or HEAD for a file, the SPA fallback or a 4xx. Never rejects. */
  serve(request: IncomingMessage, response: ServerResponse): Promise<void>;
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  response.end(text);
}

/** Decodes a request target into path segments, or undefined when it may not name a file. */
function toSegments(url: string): string[] | undefined {
  const rawPath = url.split('?', 1)[0] ?? '';
  if (!rawPath.startsWith('/')) return undefined;
  const segments: string[] = [];
  // Decode segment by segment, so an encoded slash (%2f) cannot join two segments into a path.
  for (const raw of rawPath.split('/').slice(1)) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment === '') continue;
    if (segment.startsWith('.') || /[/\\\0]/.test(segment)) return undefined;
    segments.push(segment);
  }
  return segments;
}

/**
 * Makes a server for the built app in `root`: correct types, revalidation for the entry page and
 * service worker, immutable caching for hashed assets, the SPA fallback to index.html for
 * extension-less paths (navigations), and 404 for anything else. Paths are decoded per segment
 * and refused when a segment is `..`, a dotfile or hides a separator, and every file is checked to
 * resolve (symlinks too) inside `root`.
 */
export function createStaticFiles(root: string, logger: Logger): StaticFiles {
  // Resolved on first use: a missing directory then answers 500 per request instead of
  // rejecting a promise nobody awaits.
  let rootReal: Promise<string> | undefined;

  async function findFile(
    segments: string[],
  ): Promise<{ file: string; size: number; mtimeMs: number } | undefined> {
    rootReal ??= realpath(root);
    const base = await rootReal;
    const candidate = path.join(base, ...segments);
    try {
      const real = await realpath(candidate);
      if (real !== base && !real.startsWith(base + path.sep)) return undefined;
      const info = await stat(real);
      if (!info.isFile()) return undefined;
      return { file: real, size: info.size, mtimeMs: info.mtimeMs };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw error;
    }
  }

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return sendText(response, 405, 'Method not allowed\n');
    }
    const segments = toSegments(request.url ?? '/');
    if (segments === undefined) return sendText(response, 400, 'Bad path\n');
    let urlPath = `/${segments.join('/')}`;
    let found = segments.length === 0 ? undefined : await findFile(segments);
    const last = segments[segments.length - 1];
    if (!found && (last === undefined || !last.includes('.'))) {
      urlPath = '/index.html';
      found = await findFile(['index.html']);
    }
    if (!found) return sendText(response, 404, 'Not found\n');

    const contentType =
      CONTENT_TYPES[path.extname(found.file).toLowerCase()] ?? 'application/octet-stream';
    const worthIt =
      compressible(contentType) &&
      found.size >= MIN_COMPRESS_BYTES &&
      found.size <= MAX_COMPRESS_BYTES;
    const encoding = worthIt ? chooseEncoding(request.headers['accept-encoding']) : undefined;
    const version = `${found.size.toString(16)}-${Math.floor(found.mtimeMs).toString(16)}`;
    // Each representation has its own tag: a cache must not answer br bytes to a gzip client.
    const etag = `W/"${version}${encoding ? `-${encoding}` : ''}"`;
    response.setHeader('ETag', etag);
    response.setHeader('Cache-Control', cacheControlFor(urlPath));
    response.setHeader('Content-Type', contentType);
    const disposition = DOWNLOADS[urlPath];
    if (disposition !== undefined) response.setHeader('Content-Disposition', disposition);
    if (worthIt) response.setHeader('Vary', 'Accept-Encoding');
    if (request.headers['if-none-match'] === etag) {
      response.writeHead(304);
      response.end();
      return;
    }
    if (encoding) {
      const body = await compressedFiles.get(found.file, found.mtimeMs, found.size, encoding);
      response.setHeader('Content-Encoding', encoding);
      response.setHeader('Content-Length', body.byteLength);
      response.writeHead(200);
      response.end(request.method === 'HEAD' ? undefined : body);
      return;
    }
    response.setHeader('Content-Length', found.size);
    if (request.method === 'HEAD') {
      response.writeHead(200);
      response.end();
      return;
    }
    response.writeHead(200);
    await pipeline(createReadStream(found.file), response);
  }

  return {
    async serve(request, response) {
      try {
        await serve(request, response);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') {
          logger.debug('client went away mid-file', { url: request.url });
          return;
        }
        logger.error('static file failed', { url: request.url, error: String(error) });
        if (!response.headersSent) sendText(response, 500, 'Internal error\n');
        else response.destroy();
      }
    },
  };
}
