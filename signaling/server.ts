import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TrustedProxies } from './client-address.ts';
import { createRequestHandler } from './http-handler.ts';
import { createSignalingHub, type HubStats } from './hub.ts';
import type { IceSettings } from './ice-config.ts';
import { resolveLimits, type SignalingLimits } from './limits.ts';
import { createLogger } from './log.ts';
import { REDIS_OFF, redisTopicsFor } from './redis-topics.ts';
import { createStaticFiles } from './static-files.ts';

export type { IceSettings } from './ice-config.ts';
export type { SignalingLimits } from './limits.ts';

/** How to run a Kith server: the app, `/signaling`, `/health` and `/config.json` on one port. */
export interface ServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** e.g. '127.0.0.1'. */
  host: string;
  /** The built app (dist/); omitted = no static files served. */
  staticDir?: string;
  limits?: Partial<SignalingLimits>;
  /** ICE servers to publish at GET /config.json; none when omitted. */
  ice?: IceSettings;
  /** When given, serve HTTPS/WSS. */
  tls?: { cert: Buffer; key: Buffer };
  /** Proxies (load balancers) whose X-Forwarded-For names the client; none when omitted. */
  trustedProxies?: TrustedProxies;
  /** Share topics with other processes through this Redis (`REDIS_URL`); none when omitted. */
  redisUrl?: string;
  /** Test tap: called with every accepted publish. */
  onPublish?: (topic: string, data: unknown) => void;
  /** Test seam: the monotonic clock (ms) of rate limits and budgets; `performance.now` by default. */
  now?: () => number;
}

/** A listening server. */
export interface RunningServer {
  /** http(s)://host:port, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Live connection, topic and subscription counts (`/health` adds Redis's state). */
  stats(): HubStats;
  /** Closes every socket (clients get 1001) and stops listening. */
  close(): Promise<void>;
}

/** Formats `host` for a URL (IPv6 literals go in brackets). */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts a server and resolves once it listens. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const limits = resolveLimits(options.limits);
  const logger = createLogger('signaling');
  const remote = redisTopicsFor(options.redisUrl, limits);
  const hub = createSignalingHub({
    limits,
    logger,
    onPublish: options.onPublish,
    trustedProxies: options.trustedProxies,
    now: options.now,
    remote,
  });
  const handler = createRequestHandler({
    stats: () => ({ ...hub.stats(), ...(remote?.health() ?? REDIS_OFF) }),
    ice: options.ice ?? { stunUrls: [] },
    startedAt: performance.now(),
    staticFiles:
      options.staticDir === undefined
        ? undefined
        : createStaticFiles(options.staticDir, createLogger('static')),
    logger,
  });
  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler)
    : createHttpServer(handler);
  server.on('upgrade', (request, socket, head) => {
    if (hub.handleUpgrade(request, socket, head)) return;
    socket.on('error', () => socket.destroy());
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  // A TLS handshake from a plain-HTTP client or a scanner is the client's problem, not a crash.
  server.on('tlsClientError', (error) =>
    logger.debug('TLS handshake failed', { error: error.message }),
  );
  server.on('clientError', (error, socket) => {
    logger.debug('bad HTTP request', { error: error.message });
    socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error): void => {
      void remote?.close();
      reject(error);
    };
    server.once('error', failed);
    server.listen(options.port, options.host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  server.on('error', (error) => logger.error('server error', { error: error.message }));
  const port = (server.address() as AddressInfo).port;
  const url = `${options.tls ? 'https' : 'http'}://${urlHost(options.host)}:${port}`;

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    stats: () => hub.stats(),
    close() {
      closed ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await hub.close();
        await remote?.close();
        server.closeAllConnections();
        await stopped;
      })();
      return closed;
    },
  };
}
