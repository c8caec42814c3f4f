import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HubStats } from './hub.ts';
import type { RedisHealth } from './redis-topics.ts';
import { iceServersFor, type IceSettings } from './ice-config.ts';
import type { Logger } from './log.ts';
import { SECURITY_HEADERS } from './security-headers.ts';
import type { StaticFiles } from './static-files.ts';

/** What the HTTP endpoints read. */
export interface HttpContext {
  /** Live counts of the signaling hub and Redis's state. */
  stats: () => HubStats & RedisHealth;
  /** The ICE servers published at /config.json. */
  ice: IceSettings;
  /** `performance.now()` when the server started, for `uptimeSeconds`. */
  startedAt: number;
  /** The built app; without it only the API paths answer. */
  staticFiles?: StaticFiles;
  logger: Logger;
}

/** The body of `GET /health`. */
export interface HealthReport extends HubStats, RedisHealth {
  status: 'ok';
  uptimeSeconds: number;
}

function sendJson(request: IncomingMessage, response: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    // Live figures and per-request TURN credentials: never from a cache.
    'Cache-Control': 'no-store',
  });
  response.end(request.method === 'HEAD' ? undefined : text);
}

function sendStatus(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  response.end(text);
}

/** Sets the CSP and the other security headers on `response`. */
export function setSecurityHeaders(response: ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
}

/**
 * Answers `GET /health` and `GET /config.json` and returns true, or returns false for any other
 * path (so Vite's middlewares or the static files may answer it).
 */
export function handleApiRequest(
  request: IncomingMessage,
  response: ServerResponse,
  context: HttpContext,
): boolean {
  const pathname = (request.url ?? '/').split('?', 1)[0];
  if (pathname !== '/health' && pathname !== '/config.json') return false;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    sendStatus(response, 405, 'Method not allowed\n');
    return true;
  }
  if (pathname === '/health') {
    const report: HealthReport = {
      status: 'ok',
      uptimeSeconds: Math.floor((performance.now() - context.startedAt) / 1000),
      ...context.stats(),
    };
    sendJson(request, response, report);
  } else {
    sendJson(request, response, { iceServers: iceServersFor(context.ice) });
  }
  return true;
}

/** The request listener of the standalone server: security headers, API, then static files. */
export function createRequestHandler(
  context: HttpContext,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    setSecurityHeaders(response);
    try {
      if (handleApiRequest(request, response, context)) return;
    } catch (error) {
      context.logger.error('request failed', { url: request.url, error: String(error) });
      if (!response.headersSent) sendStatus(response, 500, 'Internal error\n');
      return;
    }
    if (context.staticFiles) {
      void context.staticFiles.serve(request, response);
      return;
    }
    sendStatus(response, 404, 'Not found\n');
  };
}
