import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
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

    const etag = `W/"${found.size.toString(16)}-${Math.floor(found.mtimeMs).toString(16)}"`;
    response.setHeader('ETag', etag);
    response.setHeader('Cache-Control', cacheControlFor(urlPath));
    response.setHeader(
      'Content-Type',
      CONTENT_TYPES[path.extname(found.file).toLowerCase()] ?? 'application/octet-stream',
    );
    if (request.headers['if-none-match'] === etag) {
      response.writeHead(304);
      response.end();
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
