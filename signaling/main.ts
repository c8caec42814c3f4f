/**
 * `npm start`: serves the built app, the signaling WebSocket, /health and /config.json on one
 * port. Configuration comes from the environment (docs/signaling.md lists every variable).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './config-error.ts';
import { settingsFromEnv } from './env-config.ts';
import { startServer, type RunningServer } from './server.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_PORT = 8787;
const DEFAULT_HOST = '127.0.0.1';

function readPort(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_PORT;
  const port = Number(raw);
  if (!/^[0-9]+$/.test(raw.trim()) || port > 65535) {
    throw new ConfigError(`PORT must be a whole number from 0 to 65535, got "${raw}"`);
  }
  return port;
}

function readTls(env: NodeJS.ProcessEnv): { cert: Buffer; key: Buffer } | undefined {
  const certPath = env.TLS_CERT?.trim() || undefined;
  const keyPath = env.TLS_KEY?.trim() || undefined;
  if (certPath === undefined && keyPath === undefined) return undefined;
  if (certPath === undefined || keyPath === undefined) {
    throw new ConfigError(
      'set both TLS_CERT and TLS_KEY (paths to a PEM certificate and its private key), or neither',
    );
  }
  const read = (name: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new ConfigError(`${name}: cannot read "${file}": ${(error as Error).message}`);
    }
  };
  return { cert: read('TLS_CERT', certPath), key: read('TLS_KEY', keyPath) };
}

function readStaticDir(env: NodeJS.ProcessEnv): string {
  const dir = path.resolve(REPO_ROOT, env.KITH_STATIC_DIR?.trim() || 'dist');
  if (!existsSync(path.join(dir, 'index.html'))) {
    throw new ConfigError(
      `the built app is missing (no ${path.join(dir, 'index.html')}): run \`npm run build\` first`,
    );
  }
  return dir;
}

async function main(): Promise<void> {
  const env = process.env;
  let server: RunningServer;
  try {
    const settings = settingsFromEnv(env);
    server = await startServer({
      port: readPort(env.PORT),
      host: env.HOST?.trim() || DEFAULT_HOST,
      staticDir: readStaticDir(env),
      limits: settings.limits,
      ice: settings.ice,
      trustedProxies: settings.trustedProxies,
      redisUrl: settings.redisUrl,
      tls: readTls(env),
    });
  } catch (error) {
    const message =
      error instanceof ConfigError
        ? error.message
        : `cannot start: ${(error as Error).message ?? String(error)}`;
    console.error(`kith: ${message}`);
    process.exit(1);
  }
  const url = new URL(server.url);
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') {
    // A wildcard address is not something to open: name loopback, and say the rest is reachable.
    url.hostname = '127.0.0.1';
    console.log(`Kith is running at ${url.origin} (listening on every interface)`);
  } else {
    console.log(`Kith is running at ${server.url}`);
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      console.error(`kith: ${signal} again, exiting now`);
      process.exit(1);
    }
    stopping = true;
    console.log(`kith: ${signal} received, closing connections`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`kith: closing failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

await main();
