import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  assertServesNewClient,
  eventually,
  isType,
  ServerPool,
  TestClient,
} from './test-helpers.ts';

process.env.KITH_LOG_LEVEL ??= 'silent';

const pool = new ServerPool();
afterEach(() => pool.closeAll());

interface Relay {
  type: 'publish';
  topic: string;
  data: unknown;
  clients: number;
}

describe('pub/sub', () => {
  it('relays a publish to every subscriber, the sender included, with the subscriber count', async () => {
    const seen: [string, unknown][] = [];
    const server = await pool.start({ onPublish: (topic, data) => seen.push([topic, data]) });
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => pool.connect(server)));
    for (const client of [a!, b!, c!]) client.send({ type: 'subscribe', topics: ['room'] });
    await Promise.all([a!, b!, c!].map((client) => client.roundtrip()));

    a!.send({ type: 'publish', topic: 'room', data: { hello: 'from a' } });
    const relays = (await Promise.all(
      [a!, b!, c!].map((client) => client.waitFor(isType('publish'))),
    )) as Relay[];
    for (const relay of relays) {
      expect(relay).toEqual({
        type: 'publish',
        topic: 'room',
        data: { hello: 'from a' },
        clients: 3,
      });
    }
    expect(seen).toEqual([['room', { hello: 'from a' }]]);
    expect(server.stats()).toEqual({ connections: 3, topics: 1, subscriptions: 3 });
  });

  it('does not relay to clients of other topics', async () => {
    const server = await pool.start();
    const [a, b] = await Promise.all([pool.connect(server), pool.connect(server)]);
    a!.send({ type: 'subscribe', topics: ['one'] });
    b!.send({ type: 'subscribe', topics: ['two'] });
    await b!.roundtrip();
    a!.send({ type: 'publish', topic: 'one', data: 1 });
    await a!.waitFor(isType('publish'));
    await b!.roundtrip();
    expect(b!.received.filter(isType('publish'))).toEqual([]);
  });

  it('stops relaying after unsubscribe and counts only current subscribers', async () => {
    const server = await pool.start();
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => pool.connect(server)));
    for (const client of [a!, b!, c!]) client.send({ type: 'subscribe', topics: ['room', 'x'] });
    await Promise.all([a!, b!, c!].map((client) => client.roundtrip()));
    c!.send({ type: 'unsubscribe', topics: ['room'] });
    await c!.roundtrip();

    a!.send({ type: 'publish', topic: 'room', data: 'after' });
    const relay = (await b!.waitFor(isType('publish'))) as Relay;
    expect(relay.clients).toBe(2);
    await a!.waitFor(isType('publish'));
    await c!.roundtrip();
    expect(c!.received.filter(isType('publish'))).toEqual([]);

    // A topic nobody holds any more disappears from the counts.
    for (const client of [a!, b!]) client.send({ type: 'unsubscribe', topics: ['room'] });
    await Promise.all([a!, b!].map((client) => client.roundtrip()));
    expect(server.stats().topics).toBe(1);
  });

  it('forgets a closed client at once', async () => {
    const server = await pool.start();
    const [a, b] = await Promise.all([pool.connect(server), pool.connect(server)]);
    a!.send({ type: 'subscribe', topics: ['room'] });
    b!.send({ type: 'subscribe', topics: ['room'] });
    await Promise.all([a!.roundtrip(), b!.roundtrip()]);
    await b!.close();
    await eventually(() => server.stats().connections === 1);
    a!.send({ type: 'publish', topic: 'room', data: 0 });
    expect(((await a!.waitFor(isType('publish'))) as Relay).clients).toBe(1);
  });

  it('answers ping with pong', async () => {
    const server = await pool.start();
    const client = await pool.connect(server);
    client.send({ type: 'ping' });
    expect(await client.waitFor(isType('pong'))).toEqual({ type: 'pong' });
  });

  it('accepts a trailing query string on /signaling and refuses other paths', async () => {
    const server = await pool.start();
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/signaling?room=1`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.close();
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const other = new WebSocket(`${server.url.replace('http', 'ws')}/elsewhere`);
      other.once('unexpected-response', (_request, response) => resolve(response.statusCode));
      other.once('open', () => reject(new Error('upgrade accepted at /elsewhere')));
      other.once('error', () => undefined);
    });
    expect(status).toBe(404);
  });

  it("carries y-webrtc's own signaling flow (subscribe, announce, signal)", async () => {
    const server = await pool.start();
    const [alice, bob] = await Promise.all([pool.connect(server), pool.connect(server)]);
    const room = 'kith-interop-room';
    // The exact frames y-webrtc 10 sends (src/y-webrtc.js SignalingConn and lib0/websocket.js).
    alice.send('{"type":"subscribe","topics":["kith-interop-room"]}');
    alice.send(`{"type":"publish","topic":"${room}","data":{"type":"announce","from":"alice-id"}}`);
    await alice.waitFor(isType('publish'));
    bob.send('{"type":"subscribe","topics":["kith-interop-room"]}');
    bob.send(`{"type":"publish","topic":"${room}","data":{"type":"announce","from":"bob-id"}}`);
    const announce = (await alice.waitFor(
      isType('publish', (data) => (data as { from?: string }).from === 'bob-id'),
    )) as Relay;
    expect(announce).toEqual({
      type: 'publish',
      topic: room,
      data: { type: 'announce', from: 'bob-id' },
      clients: 2,
    });
    const signal = {
      to: 'bob-id',
      from: 'alice-id',
      type: 'signal',
      token: 0.42,
      signal: { type: 'offer', sdp: 'v=0\r\n' },
    };
    alice.send(JSON.stringify({ type: 'publish', topic: room, data: signal }));
    const relayed = (await bob.waitFor(
      isType('publish', (data) => (data as { type?: string }).type === 'signal'),
    )) as Relay;
    expect(relayed.data).toEqual(signal);
    bob.send('{"type":"ping"}');
    await bob.waitFor(isType('pong'));
    bob.send('{"type":"unsubscribe","topics":["kith-interop-room"]}');
    await bob.roundtrip();
    expect(server.stats().connections).toBe(2);
  });
});

describe('limits', () => {
  it('closes a connection whose frame exceeds maxMessageBytes (1009)', async () => {
    const server = await pool.start({ limits: { maxMessageBytes: 1024 } });
    const ok = await pool.connect(server);
    ok.send({ type: 'subscribe', topics: ['t'] });
    ok.send({ type: 'publish', topic: 't', data: 'x'.repeat(900) });
    await ok.waitFor(isType('publish'));
    const big = await pool.connect(server);
    big.send({ type: 'publish', topic: 't', data: 'x'.repeat(2000) });
    expect((await big.closed).code).toBe(1009);
    await assertServesNewClient(server);
  });

  it('caps topic length (1008)', async () => {
    const server = await pool.start({ limits: { maxTopicLength: 8 } });
    const client = await pool.connect(server);
    client.send({ type: 'subscribe', topics: ['12345678'] });
    await client.roundtrip();
    client.send({ type: 'publish', topic: '123456789', data: 1 });
    expect(await client.closed).toEqual({ code: 1008, reason: 'topic too long' });
    await assertServesNewClient(server);
  });

  it('closes a connection that exceeds its message rate (1008)', async () => {
    const server = await pool.start({ limits: { messagesPerSecond: 1, messageBurst: 5 } });
    const client = await pool.connect(server);
    for (let i = 0; i < 20; i += 1) client.send({ type: 'ping' });
    expect(await client.closed).toEqual({ code: 1008, reason: 'message rate exceeded' });
    const pongs = client.received.filter(isType('pong')).length;
    expect(pongs).toBeGreaterThanOrEqual(5);
    expect(pongs).toBeLessThan(20);
    await assertServesNewClient(server);
  });

  it('lets a burst of 100 publishes through with the default limits', async () => {
    const server = await pool.start();
    const [a, b] = await Promise.all([pool.connect(server), pool.connect(server)]);
    a!.send({ type: 'subscribe', topics: ['t'] });
    b!.send({ type: 'subscribe', topics: ['t'] });
    await Promise.all([a!.roundtrip(), b!.roundtrip()]);
    for (let i = 0; i < 100; i += 1) a!.send({ type: 'publish', topic: 't', data: i });
    await b!.waitFor(isType('publish', (data) => data === 99));
    expect(b!.received.filter(isType('publish'))).toHaveLength(100);
  });

  it('refuses upgrades beyond maxConnections with HTTP 503 and frees the slot on close', async () => {
    const server = await pool.start({ limits: { maxConnections: 2 } });
    const first = await pool.connect(server);
    await pool.connect(server);
    await expect(TestClient.connect(server.url)).rejects.toThrow('HTTP 503');
    await first.close();
    await eventually(() => server.stats().connections === 1);
    await assertServesNewClient(server);
  });

  it('drops a client that does not read once its send buffer passes maxBufferedBytes', async () => {
    const server = await pool.start({
      limits: { maxBufferedBytes: 64 * 1024, messageBurst: 1_000 },
    });
    const [sender, sleeper] = await Promise.all([pool.connect(server), pool.connect(server)]);
    // The sender publishes without subscribing (as y-webrtc's server allows), so only the
    // sleeper has anything queued towards it.
    sleeper.send({ type: 'subscribe', topics: ['t'] });
    await sleeper.roundtrip();
    // Stop reading: the kernel buffers fill, then the server's own queue grows.
    (sleeper.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const chunk = 'x'.repeat(60_000);
    for (let i = 0; i < 500; i += 1) sender.send({ type: 'publish', topic: 't', data: chunk });
    await eventually(() => server.stats().connections === 1, 10_000);
    await sender.roundtrip();
  });
});

describe('malformed input', () => {
  const deep = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
  /** Each input, and whether the connection must be closed (with that code) or stay open. */
  const cases: [name: string, frame: string | Buffer, expected: number | 'open'][] = [
    ['not JSON', 'hello', 1007],
    ['empty text', '', 1007],
    ['truncated JSON', '{"type":"subscribe","topics":["a"', 1007],
    ['JSON null', 'null', 1007],
    ['JSON number', '42', 1007],
    ['JSON string', '"subscribe"', 1007],
    ['JSON array', '[{"type":"ping"}]', 1007],
    ['object without type', '{}', 1007],
    ['numeric type', '{"type":42}', 1007],
    ['subscribe without topics', '{"type":"subscribe"}', 1007],
    ['topics as a string', '{"type":"subscribe","topics":"abc"}', 1007],
    ['numeric topics', '{"type":"subscribe","topics":[1,2]}', 1007],
    ['null topic', '{"type":"unsubscribe","topics":[null]}', 1007],
    ['empty topic', '{"type":"subscribe","topics":[""]}', 1007],
    ['array-like topics object', '{"type":"unsubscribe","topics":{"length":1,"0":"a"}}', 1007],
    ['publish without topic', '{"type":"publish","data":1}', 1007],
    ['publish with object topic', '{"type":"publish","topic":{"a":1},"data":1}', 1007],
    ['publish with array topic', '{"type":"publish","topic":["t"],"data":1}', 1007],
    ['publish without data', '{"type":"publish","topic":"t"}', 1007],
    // Once refused whole (1008); a subscription is now never a reason to close (issue 20).
    [
      'ten thousand copies of one topic',
      JSON.stringify({ type: 'subscribe', topics: Array(10_000).fill('t') }),
      'open',
    ],
    ['binary frame', Buffer.from([0x7b, 0x7d, 0x00, 0xff]), 1003],
    [
      'frame over 64 KiB',
      JSON.stringify({ type: 'publish', topic: 't', data: 'x'.repeat(70_000) }),
      1009,
    ],
    ['unknown type', '{"type":"subscribe-all"}', 'open'],
    [
      'prototype keys as topics',
      '{"type":"subscribe","topics":["__proto__","constructor","toString"]}',
      'open',
    ],
    ['__proto__ member', '{"__proto__":{"polluted":true},"type":"ping"}', 'open'],
    ['deeply nested data', `{"type":"publish","topic":"t","data":${deep(20_000)}}`, 'open'],
  ];

  it.each(cases)(
    '%s: the server survives and serves a new client',
    async (_name, frame, expected) => {
      const server = await pool.start();
      const client = await pool.connect(server);
      client.send(frame);
      if (expected === 'open') {
        await client.roundtrip();
      } else {
        expect((await client.closed).code).toBe(expected);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      await assertServesNewClient(server);
    },
  );

  it('closes with 1007 on a text frame that is not UTF-8', async () => {
    const server = await pool.start();
    const client = await pool.connect(server);
    client.ws.send(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), { binary: false });
    expect((await client.closed).code).toBe(1007);
    await assertServesNewClient(server);
  });

  it('relays to "__proto__" and "constructor" topics like any other', async () => {
    const server = await pool.start();
    const client = await pool.connect(server);
    client.send({ type: 'subscribe', topics: ['__proto__', 'constructor'] });
    client.send({ type: 'publish', topic: '__proto__', data: 'p' });
    client.send({ type: 'publish', topic: 'constructor', data: 'c' });
    await client.waitFor(isType('publish', (data) => data === 'c'));
    expect(client.received.filter(isType('publish'))).toEqual([
      { type: 'publish', topic: '__proto__', data: 'p', clients: 1 },
      { type: 'publish', topic: 'constructor', data: 'c', clients: 1 },
    ]);
    expect(server.stats().topics).toBe(2);
  });

  it('refuses data too deeply nested to re-serialize (1007) when it must be relayed', async () => {
    const server = await pool.start({ limits: { maxMessageBytes: 1024 * 1024 } });
    const client = await pool.connect(server);
    client.send({ type: 'subscribe', topics: ['t'] });
    const depth = 200_000;
    client.send(`{"type":"publish","topic":"t","data":${deep(depth)}}`);
    const closed = await client.closed;
    // JSON.parse may refuse it first (not JSON) or JSON.stringify on the relay: both are 1007.
    expect(closed.code).toBe(1007);
    await assertServesNewClient(server);
  });

  it('answers a non-WebSocket upgrade to /signaling with HTTP 400', async () => {
    const server = await pool.start();
    const { request } = await import('node:http');
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(`${server.url}/signaling`, {
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '99' },
      });
      req.once('response', (response) => {
        response.resume();
        resolve(response.statusCode);
      });
      req.once('upgrade', () => reject(new Error('upgraded')));
      req.once('error', reject);
      req.end();
    });
    expect(status).toBe(400);
    await assertServesNewClient(server);
  });
});

describe('liveness', () => {
  it('drops a client that stops answering WebSocket pings and keeps the others', async () => {
    const server = await pool.start({ limits: { pingIntervalMs: 100 } });
    const live = await pool.connect(server);
    const dead = await pool.connect(server, { autoPong: false });
    dead.send({ type: 'subscribe', topics: ['t'] });
    await dead.roundtrip();
    expect(server.stats()).toEqual({ connections: 2, topics: 1, subscriptions: 1 });
    await dead.closed;
    await eventually(() => server.stats().connections === 1);
    expect(server.stats().topics).toBe(0);
    // Several intervals later the answering client is still served.
    await new Promise((resolve) => setTimeout(resolve, 400));
    await live.roundtrip();
  });

  it('closes clients with 1001 when the server shuts down', async () => {
    const server = await pool.start();
    const client = await pool.connect(server);
    await server.close();
    expect((await client.closed).code).toBe(1001);
  });
});
