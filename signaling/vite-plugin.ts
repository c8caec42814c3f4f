import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Connect, Plugin } from 'vite';
import { settingsFromEnv } from './env-config.ts';
import { handleApiRequest, setSecurityHeaders, type HttpContext } from './http-handler.ts';
import { createSignalingHub } from './hub.ts';
import { resolveLimits } from './limits.ts';
import { createLogger } from './log.ts';
import { REDIS_OFF, redisTopicsFor } from './redis-topics.ts';

/** The parts of Vite's dev and preview servers the plugin uses. */
interface HostServer {
  middlewares: Connect.Server;
  httpServer: {
    on(
      event: 'upgrade',
      listener: (req: IncomingMessage, socket: Duplex, head: Buffer) => void,
    ): unknown;
    once(event: 'close', listener: () => void): unknown;
  } | null;
}

/**
 * Attaches the signaling hub and the API paths to a Vite server. Upgrades to other paths are left
 * alone for Vite's own HMR socket. With `securityHeaders`, every response carries the CSP (the
 * preview serves the built app, which must run under it; the dev server's injected client would
 * not).
 */
function attach(server: HostServer, securityHeaders: boolean): void {
  const logger = createLogger('signaling');
  const settings = settingsFromEnv(process.env);
  const limits = resolveLimits(settings.limits);
  const remote = redisTopicsFor(settings.redisUrl, limits);
  const hub = createSignalingHub({
    limits,
    logger,
    trustedProxies: settings.trustedProxies,
    remote,
  });
  const context: HttpContext = {
    stats: () => ({ ...hub.stats(), ...(remote?.health() ?? REDIS_OFF) }),
    ice: settings.ice,
    startedAt: performance.now(),
    logger,
  };
  server.middlewares.use((request: IncomingMessage, response: ServerResponse, next: () => void) => {
    if (securityHeaders) setSecurityHeaders(response);
    if (!handleApiRequest(request, response, context)) next();
  });
  const httpServer = server.httpServer;
  if (!httpServer) {
    logger.warn('Vite runs in middleware mode: no /signaling WebSocket is attached');
    return;
  }
  httpServer.on('upgrade', (request, socket, head) => {
    hub.handleUpgrade(request, socket, head);
  });
  httpServer.once('close', () => {
    hub
      .close()
      .then(() => remote?.close())
      .catch((error: unknown) => logger.error('closing hub failed', { error: String(error) }));
  });
}

/**
 * The Kith server inside `vite` and `vite preview`: `/signaling` (WebSocket), `GET /health` and
 * `GET /config.json` on Vite's own port, configured from the environment as `main.ts` is.
 */
export function kithDevServer(): Plugin {
  return {
    name: 'kith-dev-server',
    configureServer(server) {
      attach(server, false);
    },
    configurePreviewServer(server) {
      attach(server, true);
    },
  };
}
