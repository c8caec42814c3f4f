/**
 * Signaling across processes through Redis: a real redis-server and two `signaling/main.ts`
 * processes on loopback, with clients on each.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL_PREFIX } from './redis-topics.ts';
import {
  isType,
  REDIS_SERVER,
  RedisServer,
  runMain,
  ServerPool,
  TestClient,
  waitForUrl,
  type Run,
} from './test-helpers.ts';

process.env.KITH_LOG_LEVEL ??= 'silent';

if (!existsSync(REDIS_SERVER)) {
  // scripts/test-all.sh installs it; a bare `npx vitest run` on a machine without it fails here.
  throw new Error(
    `${REDIS_SERVER} is missing: run scripts/test-all.sh or apt-get install redis-server`,
  );
}

/** A small message limit, so an oversized Redis message is cheap to make. */
const MAX_MESSAGE_BYTES = 4_096;

interface Relay {
  type: 'publish';
  topic: string;
  data: { n?: number; from?: string; type?: string; marker?: string };
  clients: number;
}

let redis: RedisServer;
let admin: ReturnType<typeof createClient>;
const runs: Run[] = [];
const clients: TestClient[] = [];
let urlA: string;
let urlB: string;
const dir = mkdtempSync(path.join(tmpdir(), 'kith-redis-'));

beforeAll(async () => {
  mkdirSync(path.join(dir, 'dist'));
  writeFileSync(path.join(dir, 'dist', 'index.html'), '<!doctype html>');
  redis = await RedisServer.start();
  admin = createClient({ url: redis.url, socket: { reconnectStrategy: 50 } });
  admin.on('error', () => undefined); // the test kills Redis: the admin client reconnects
  await admin.connect();
  const env = {
    PORT: '0',
    KITH_STATIC_DIR: path.join(dir, 'dist'),
    REDIS_URL: redis.url,
    KITH_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
  };
  runs.push(runMain(env), runMain(env));
  [urlA, urlB] = (await Promise.all(runs.map((run) => waitForUrl(run)))) as [string, string];
  await Promise.all([urlA, urlB].map((url) => waitForRedis(url, 'connected')));
}, 120_000);

afterAll(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  for (const run of runs.splice(0)) run.child.kill('SIGKILL');
  admin?.destroy();
  await redis?.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function connect(url: string): Promise<TestClient> {
  const client = await TestClient.connect(url);
  clients.push(client);
  return client;
}

interface Health {
  redis: string;
  redisDropped: number;
  topics: number;
}

async function health(url: string): Promise<Health> {
  return (await (await fetch(`${url}/health`)).json()) as Health;
}

async function waitForRedis(url: string, state: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await health(url)).redis !== state) {
    if (Date.now() > deadline) throw new Error(`${url}: Redis never ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** How many Redis connections (one per process) are subscribed to `topic`'s channel. */
async function processesOn(topic: string): Promise<number> {
  const counts = await admin.pubSubNumSub(CHANNEL_PREFIX + topic);
  return Number(counts[CHANNEL_PREFIX + topic] ?? 0);
}

/** Waits until exactly `count` processes hold `topic` in Redis. */
async function untilProcessesOn(topic: string, count: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await processesOn(topic)) !== count) {
    if (Date.now() > deadline) throw new Error(`${topic}: never held by ${count} processes`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let topicCount = 0;
const freshTopic = (): string => `redis-test-${process.pid}-${++topicCount}`;

const relays = (client: TestClient, topic: string): Relay[] =>
  client.received.filter(
    (message): message is Relay => isType('publish')(message) && (message as Relay).topic === topic,
  );

const hasMarker = (marker: string) =>
  isType('publish', (data) => (data as { marker?: string }).marker === marker);

describe('signaling on Redis (two processes)', () => {
  it("lets y-webrtc clients on different processes meet (y-webrtc's exact frames)", async () => {
    const [alice, bob] = await Promise.all([connect(urlA), connect(urlB)]);
    const room = freshTopic();
    alice.send(`{"type":"subscribe","topics":["${room}"]}`);
    bob.send(`{"type":"subscribe","topics":["${room}"]}`);
    await untilProcessesOn(room, 2);
    bob.send(`{"type":"publish","topic":"${room}","data":{"type":"announce","from":"bob-id"}}`);
    const announce = await alice.waitFor(
      isType('publish', (data) => (data as { from?: string }).from === 'bob-id'),
    );
    // `clients` counts the subscribers of the process that delivers.
    expect(announce).toEqual({
      type: 'publish',
      topic: room,
      data: { type: 'announce', from: 'bob-id' },
      clients: 1,
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
  });

  it('delivers each publish exactly once, to subscribers on the same process and on the other', async () => {
    const [a1, a2, b1, b2] = await Promise.all([
      connect(urlA),
      connect(urlA),
      connect(urlB),
      connect(urlB),
    ]);
    const topic = freshTopic();
    for (const client of [a1, a2, b1, b2]) client.send({ type: 'subscribe', topics: [topic] });
    await untilProcessesOn(topic, 2);
    await Promise.all([a1, a2, b1, b2].map((client) => client.roundtrip()));
    for (let n = 0; n < 5; n += 1) a1.send({ type: 'publish', topic, data: { n, from: 'a1' } });
    for (let n = 0; n < 5; n += 1) b2.send({ type: 'publish', topic, data: { n, from: 'b2' } });
    // Markers published after the messages, one from each process: once a client has both, an
    // echo of any message (local delivery plus Redis's copy) would have arrived before them.
    a1.send({ type: 'publish', topic, data: { marker: 'a' } });
    b2.send({ type: 'publish', topic, data: { marker: 'b' } });
    for (const client of [a1, a2, b1, b2]) {
      await client.waitFor(hasMarker('a'));
      await client.waitFor(hasMarker('b'));
    }
    const expected = ['a1', 'b2'].flatMap((from) => [0, 1, 2, 3, 4].map((n) => `${from}:${n}`));
    for (const client of [a1, a2, b1, b2]) {
      const seen = relays(client, topic)
        .filter((relay) => relay.data.marker === undefined)
        .map((relay) => `${relay.data.from}:${relay.data.n}`)
        .sort();
      expect(seen).toEqual(expected.sort());
      expect(relays(client, topic)).toHaveLength(12);
    }
  });

  it('holds one Redis channel per topic in use per process, not per client', async () => {
    const [a1, a2, b1] = await Promise.all([connect(urlA), connect(urlA), connect(urlB)]);
    const shared = freshTopic();
    const onlyA = freshTopic();
    a1.send({ type: 'subscribe', topics: [shared, onlyA] });
    a2.send({ type: 'subscribe', topics: [shared, onlyA] });
    b1.send({ type: 'subscribe', topics: [shared] });
    await untilProcessesOn(shared, 2);
    await untilProcessesOn(onlyA, 1);
    const channels = await admin.pubSubChannels(`${CHANNEL_PREFIX}redis-test-${process.pid}-*`);
    expect(channels).toContain(CHANNEL_PREFIX + shared);
    expect(channels).toContain(CHANNEL_PREFIX + onlyA);

    // One of A's two subscribers leaving keeps A's channel; the last one leaving drops it.
    a1.send({ type: 'unsubscribe', topics: [shared, onlyA] });
    await a1.roundtrip();
    await a2.roundtrip();
    expect(await processesOn(shared)).toBe(2);
    expect(await processesOn(onlyA)).toBe(1);
    a2.send({ type: 'unsubscribe', topics: [onlyA] });
    await untilProcessesOn(onlyA, 0);
    expect(await processesOn(shared)).toBe(2);
    // A closed socket leaves its topics as an unsubscribe does.
    await a2.close();
    await untilProcessesOn(shared, 1);
    await b1.close();
    await untilProcessesOn(shared, 0);
    const left = await admin.pubSubChannels(`${CHANNEL_PREFIX}redis-test-${process.pid}-*`);
    expect(left).not.toContain(CHANNEL_PREFIX + shared);
  });

  it('drops and counts oversized or malformed Redis messages, and delivers a well-formed one', async () => {
    const [a1, b1] = await Promise.all([connect(urlA), connect(urlB)]);
    const topic = freshTopic();
    a1.send({ type: 'subscribe', topics: [topic] });
    b1.send({ type: 'subscribe', topics: [topic] });
    await untilProcessesOn(topic, 2);
    const before = (await health(urlA)).redisDropped;
    const channel = CHANNEL_PREFIX + topic;
    const bad = [
      'not json',
      '[1,2,3]',
      '{"data":{"no":"origin"}}',
      '{"origin":"elsewhere"}',
      JSON.stringify({ origin: 'elsewhere', data: { pad: 'x'.repeat(MAX_MESSAGE_BYTES + 100) } }),
    ];
    for (const message of bad) expect(await admin.publish(channel, message)).toBe(2);
    // Another process's well-formed message, in the format processes exchange.
    await admin.publish(channel, JSON.stringify({ origin: 'elsewhere', data: { marker: 'ok' } }));
    for (const client of [a1, b1]) await client.waitFor(hasMarker('ok'));
    expect((await health(urlA)).redisDropped).toBe(before + bad.length);
    expect(relays(a1, topic)).toEqual([
      { type: 'publish', topic, data: { marker: 'ok' }, clients: 1 },
    ]);
    // Both processes still serve.
    a1.send({ type: 'publish', topic, data: { marker: 'after' } });
    await b1.waitFor(hasMarker('after'));
  });

  it('keeps local delivery while Redis is down, says so in /health, and resumes across processes', async () => {
    const [a1, a2, b1] = await Promise.all([connect(urlA), connect(urlA), connect(urlB)]);
    const topic = freshTopic();
    for (const client of [a1, a2, b1]) client.send({ type: 'subscribe', topics: [topic] });
    await untilProcessesOn(topic, 2);

    await redis.kill();
    await Promise.all([urlA, urlB].map((url) => waitForRedis(url, 'reconnecting')));
    a1.send({ type: 'publish', topic, data: { marker: 'while-down' } });
    await a2.waitFor(hasMarker('while-down'));
    await a1.waitFor(hasMarker('while-down'));
    // A topic first used during the outage is subscribed once Redis is back.
    const late = freshTopic();
    a1.send({ type: 'subscribe', topics: [late] });
    b1.send({ type: 'subscribe', topics: [late] });
    await a1.roundtrip();
    await b1.roundtrip();

    await redis.restart();
    await Promise.all([urlA, urlB].map((url) => waitForRedis(url, 'connected')));
    await untilProcessesOn(topic, 2);
    await untilProcessesOn(late, 2);
    a1.send({ type: 'publish', topic, data: { marker: 'back' } });
    await b1.waitFor(hasMarker('back'));
    b1.send({ type: 'publish', topic: late, data: { marker: 'late' } });
    await a1.waitFor(hasMarker('late'));
    // The outage's publish never reached B, and nothing came twice.
    expect(relays(b1, topic).map((relay) => relay.data.marker)).toEqual(['back']);
    expect(relays(a2, topic).map((relay) => relay.data.marker)).toEqual(['while-down', 'back']);
  }, 60_000);
});

describe('signaling without REDIS_URL', () => {
  const pool = new ServerPool();
  afterAll(() => pool.closeAll());

  it("never connects to Redis and says 'off'", async (context) => {
    // A listener on Redis's default port sees any connection a default client would make.
    const seen: Socket[] = [];
    const listener = createServer((socket) => {
      seen.push(socket);
      socket.destroy();
    });
    const bound = await new Promise<boolean>((resolve) => {
      listener.once('error', () => resolve(false));
      listener.listen(6379, '127.0.0.1', () => resolve(true));
    });
    if (!bound) return context.skip('port 6379 is in use');
    try {
      const server = await pool.start();
      const client = await pool.connect(server);
      const topic = freshTopic();
      client.send({ type: 'subscribe', topics: [topic] });
      client.send({ type: 'publish', topic, data: { marker: 'local' } });
      await client.waitFor(hasMarker('local'));
      expect(await health(server.url)).toMatchObject({ redis: 'off', redisDropped: 0 });
      expect(seen).toHaveLength(0);
    } finally {
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });
});
