import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../../../signaling/server.ts';
import { loadIceServers, parseIceServers } from './ice-servers.ts';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('ICE servers', () => {
  it('takes what the origin publishes at /config.json', async () => {
    const server = await startServer({
      port: 0,
      host: '127.0.0.1',
      ice: { stunUrls: ['stun:stun.kith.example:3478'] },
    });
    closers.push(() => server.close());
    const servers = await loadIceServers({ origin: server.url, fetch });
    expect(servers).toEqual([{ urls: ['stun:stun.kith.example:3478'] }]);
  });

  it('uses none when the origin publishes none, and the override wins over the origin', async () => {
    const server = await startServer({ port: 0, host: '127.0.0.1' });
    closers.push(() => server.close());
    expect(await loadIceServers({ origin: server.url, fetch })).toEqual([]);
    const mine = [{ urls: ['turn:turn.mine.example'], username: 'u', credential: 'c' }];
    expect(await loadIceServers({ origin: server.url, fetch, override: () => mine })).toBe(mine);
  });

  it('gives up on an origin that does not answer in time, or answers nonsense', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    closers.push(async () => {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    });
    const origin = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    expect(await loadIceServers({ origin, fetch, timeoutMs: 200 })).toEqual([]);

    const liar = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"iceServers":[{"urls":["http://evil.example"]}]}');
    });
    await new Promise<void>((r) => liar.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => liar.close(r)));
    const liarOrigin = `http://127.0.0.1:${(liar.address() as AddressInfo).port}`;
    expect(await loadIceServers({ origin: liarOrigin, fetch })).toEqual([]);
  });

  it('validates entries strictly', () => {
    expect(parseIceServers([{ urls: 'stun:a.example' }])).toEqual([{ urls: ['stun:a.example'] }]);
    expect(parseIceServers([{ urls: [] }])).toBeUndefined();
    expect(parseIceServers([{ urls: ['https://a.example'] }])).toBeUndefined();
    expect(parseIceServers([{ urls: ['turn:a'], username: 5 }])).toBeUndefined();
    expect(parseIceServers(Array(9).fill({ urls: 'stun:a' }))).toBeUndefined();
    expect(parseIceServers('nope')).toBeUndefined();
  });
});
