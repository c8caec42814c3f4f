import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { startServer, type RunningServer } from '../../../signaling/server.ts';
import { probeSignaling } from './signaling-probe.ts';
import type { WebSocketConstructor } from './signaling-client.ts';

const WS = WebSocket as unknown as WebSocketConstructor;
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('probeSignaling', () => {
  it('finds a real signaling server reachable', async () => {
    const server: RunningServer = await startServer({ port: 0, host: '127.0.0.1' });
    closers.push(() => server.close());
    const url = `ws://127.0.0.1:${server.port}/signaling`;
    expect(await probeSignaling(url, WS)).toEqual({ ok: true });
  });

  it('says unreachable for a closed port', async () => {
    const server = await startServer({ port: 0, host: '127.0.0.1' });
    const port = server.port;
    await server.close();
    expect(await probeSignaling(`ws://127.0.0.1:${port}/signaling`, WS)).toEqual({
      ok: false,
      reason: 'unreachable',
    });
  });

  it('says not-signaling for a WebSocket server that answers something else', async () => {
    const http: Server = createServer();
    const wss = new WebSocketServer({ server: http });
    wss.on('connection', (socket) => socket.on('message', () => socket.send('{"hello":1}')));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => wss.close(() => http.close(resolve))));
    const port = (http.address() as { port: number }).port;
    expect(await probeSignaling(`ws://127.0.0.1:${port}/`, WS)).toEqual({
      ok: false,
      reason: 'not-signaling',
    });
  });

  it('times out on a server that never answers', async () => {
    const http: Server = createServer();
    const wss = new WebSocketServer({ server: http });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => wss.close(() => http.close(resolve))));
    const port = (http.address() as { port: number }).port;
    expect(await probeSignaling(`ws://127.0.0.1:${port}/`, WS, 300)).toEqual({
      ok: false,
      reason: 'timeout',
    });
  });
});
