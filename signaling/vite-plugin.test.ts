import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, preview, type PreviewServer, type ViteDevServer } from 'vite';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CONTENT_SECURITY_POLICY } from './security-headers.ts';
import { assertServesNewClient } from './test-helpers.ts';
import { kithDevServer } from './vite-plugin.ts';

process.env.KITH_LOG_LEVEL ??= 'silent';

const root = mkdtempSync(path.join(tmpdir(), 'kith-vite-'));
writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>vite</title>');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const servers: (ViteDevServer | PreviewServer)[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function baseUrl(server: ViteDevServer | PreviewServer): string {
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('Vite is not listening');
  return url.replace(/\/$/, '');
}

describe('kithDevServer', () => {
  it('adds /signaling, /health and /config.json to the dev server and keeps its HMR socket', async () => {
    const server = await createServer({
      configFile: false,
      root,
      logLevel: 'silent',
      plugins: [kithDevServer()],
      server: { port: 0, host: '127.0.0.1', strictPort: false },
    });
    servers.push(server);
    await server.listen();
    const url = baseUrl(server);

    const health = (await (await fetch(`${url}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', connections: 0, topics: 0 });
    expect(await (await fetch(`${url}/config.json`)).json()).toEqual({ iceServers: [] });
    await assertServesNewClient({ url });

    const hmr = new WebSocket(url.replace('http', 'ws'), 'vite-hmr');
    const first = await new Promise<string>((resolve, reject) => {
      hmr.once('message', (data) => resolve(String(data)));
      hmr.once('error', reject);
    });
    expect(JSON.parse(first)).toMatchObject({ type: 'connected' });
    hmr.close();
  });

  it('adds them to `vite preview`, with the security headers', async () => {
    const server = await preview({
      configFile: false,
      root,
      logLevel: 'silent',
      plugins: [kithDevServer()],
      build: { outDir: root },
      preview: { port: 0, host: '127.0.0.1' },
    });
    servers.push(server);
    const url = baseUrl(server);
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    const page = await fetch(`${url}/`);
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    await assertServesNewClient({ url });
  });
});
