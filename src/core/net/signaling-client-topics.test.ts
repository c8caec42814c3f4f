/**
 * The signaling client with hundreds or thousands of topics, against two small servers written
 * here: one that behaves like the current server (subscribes up to its cap and refuses the rest
 * one topic at a time with a `refused` frame) and one that behaves like older servers (closes
 * the socket with 1008 on the topic past its cap). Each records every frame it received, so the
 * tests look at the wire rather than at the client's insides.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import {
  SignalingClient,
  type Refusal,
  type SignalingClientOptions,
  type SubscribeRefusal,
} from './signaling-client.ts';
import { SignalingPool } from './signaling-pool.ts';
import { MemorySignaling } from './test-helpers.ts';

const WAIT_MS = 10_000;
const FAST = { initialMs: 20, maxMs: 200, jitter: 0.5 };
const FRAME_LIMIT = 64 * 1024;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A frame as one of the servers below received it. */
interface Received {
  readonly connection: number;
  readonly bytes: number;
  readonly message: { type: string; topics?: string[]; topic?: string; data?: unknown };
}

interface FakeServer {
  readonly url: string;
  readonly frames: Received[];
  /** Connections accepted so far. */
  connections(): number;
  /** Topics the newest connection holds. */
  held(): ReadonlySet<string>;
  /** Closes every open connection as a restarting server would (1001). */
  dropAll(): void;
}

interface FakeServerOptions {
  /** Topics one connection may hold. */
  readonly cap: number;
  /** 'refuse': the current server's way; 'close': older servers close with 1008. */
  readonly overCap: 'refuse' | 'close';
  /** Topics always refused as full. */
  readonly full?: ReadonlySet<string>;
}

/** A signaling server of the kind `options` describes, on 127.0.0.1. */
async function fakeServer(options: FakeServerOptions): Promise<FakeServer> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', maxPayload: FRAME_LIMIT });
  cleanups.push(() => new Promise((r) => wss.close(r)));
  await new Promise((r) => wss.once('listening', r));
  const port = (wss.address() as { port: number }).port;
  const frames: Received[] = [];
  const sockets: { ws: ServerSocket; topics: Set<string> }[] = [];
  const subscribers = (topic: string) => sockets.filter((s) => s.topics.has(topic));
  wss.on('connection', (ws) => {
    const me = { ws, topics: new Set<string>() };
    const connection = sockets.push(me);
    // A frame over maxPayload: ws closes with 1009 and reports it here.
    ws.on('error', () => undefined);
    ws.on('message', (raw) => {
      const text = String(raw);
      const message = JSON.parse(text) as Received['message'];
      frames.push({ connection, bytes: Buffer.byteLength(text), message });
      if (message.type === 'ping') ws.send('{"type":"pong"}');
      if (message.type === 'unsubscribe') for (const t of message.topics!) me.topics.delete(t);
      if (message.type === 'publish') {
        for (const s of subscribers(message.topic!)) {
          s.ws.send(JSON.stringify({ ...message, clients: subscribers(message.topic!).length }));
        }
      }
      if (message.type !== 'subscribe') return;
      if (options.overCap === 'close' && message.topics!.length > options.cap) {
        ws.close(1008, 'too many topics');
        return;
      }
      for (const topic of message.topics!) {
        if (me.topics.has(topic)) continue;
        const reason: SubscribeRefusal | undefined = options.full?.has(topic)
          ? 'topic-full'
          : me.topics.size >= options.cap
            ? 'connection-topic-cap'
            : undefined;
        if (reason === undefined) {
          me.topics.add(topic);
        } else if (options.overCap === 'close') {
          ws.close(1008, reason === 'topic-full' ? 'topic full' : 'too many topics');
          return;
        } else {
          ws.send(JSON.stringify({ type: 'refused', op: 'subscribe', topic, reason }));
        }
      }
    });
  });
  return {
    url: `ws://127.0.0.1:${port}/signaling`,
    frames,
    connections: () => sockets.length,
    held: () => sockets.at(-1)?.topics ?? new Set(),
    dropAll: () => {
      for (const s of sockets) s.ws.close(1001, 'going away');
    },
  };
}

function client(url: string, extra: Partial<SignalingClientOptions> = {}): SignalingClient {
  const c = new SignalingClient({ url, WebSocket, backoff: FAST, ...extra });
  cleanups.push(() => c.stop());
  return c;
}

const topicsOf = (n: number, prefix = 't') =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}-${'a'.repeat(56)}`);

const subscribeFrames = (s: FakeServer, type = 'subscribe') =>
  s.frames.filter((f) => f.message.type === type);

/** How many times `topic` was asked for in subscribe frames. */
const askedFor = (s: FakeServer, topic: string) =>
  subscribeFrames(s).filter((f) => f.message.topics!.includes(topic)).length;

describe('many topics', () => {
  it('subscribes 2,000 topics in frames each under 16 KiB and 64 topics, on one socket', async () => {
    const s = await fakeServer({ cap: 2048, overCap: 'refuse' });
    const c = client(s.url);
    const topics = topicsOf(2000);
    for (const topic of topics) c.subscribe(topic, () => undefined);
    c.start();
    await until('the server holds all 2,000', () => s.held().size === 2000);
    const frames = subscribeFrames(s);
    expect(frames.length).toBeGreaterThanOrEqual(2000 / 64);
    for (const frame of frames) {
      expect(frame.bytes).toBeLessThanOrEqual(16 * 1024);
      expect(frame.message.topics!.length).toBeLessThanOrEqual(64);
    }
    expect(frames.flatMap((f) => f.message.topics).sort()).toEqual(topics);
    expect(s.connections()).toBe(1);
    expect(c.openCount).toBe(1);
  });

  it('gathers topics added while open into few frames rather than one frame each', async () => {
    const s = await fakeServer({ cap: 2048, overCap: 'refuse' });
    const c = client(s.url);
    c.start();
    await until('open', () => c.isOpen);
    for (const topic of topicsOf(2000)) c.subscribe(topic, () => undefined);
    await until('the server holds all 2,000', () => s.held().size === 2000);
    expect(subscribeFrames(s).length).toBeLessThanOrEqual(2000 / 32);
  });

  it('splits the resubscription after a reconnect the same way', async () => {
    const s = await fakeServer({ cap: 2048, overCap: 'refuse' });
    const c = client(s.url);
    for (const topic of topicsOf(2000)) c.subscribe(topic, () => undefined);
    c.start();
    await until('first socket holds all', () => s.held().size === 2000);
    s.dropAll();
    await until('second socket holds all', () => s.connections() === 2 && s.held().size === 2000);
    const again = s.frames.filter((f) => f.connection === 2 && f.message.type === 'subscribe');
    expect(again.length).toBeGreaterThanOrEqual(2000 / 64);
    for (const frame of again) {
      expect(frame.bytes).toBeLessThanOrEqual(16 * 1024);
      expect(frame.message.topics!.length).toBeLessThanOrEqual(64);
    }
  });

  it('splits unsubscribe frames too', async () => {
    const s = await fakeServer({ cap: 2048, overCap: 'refuse' });
    const c = client(s.url);
    const stops = topicsOf(2000).map((topic) => c.subscribe(topic, () => undefined));
    c.start();
    await until('held', () => s.held().size === 2000);
    for (const stop of stops) stop();
    await until('all left', () => s.held().size === 0);
    for (const frame of subscribeFrames(s, 'unsubscribe')) {
      expect(frame.bytes).toBeLessThanOrEqual(16 * 1024);
      expect(frame.message.topics!.length).toBeLessThanOrEqual(64);
    }
  });
});

describe('refusals', () => {
  it('marks refused topics, does not ask again in a loop, and keeps the socket', async () => {
    const s = await fakeServer({ cap: 3, overCap: 'refuse' });
    const c = client(s.url);
    const seen: Refusal[] = [];
    c.onRefusal((r) => seen.push(r));
    const topics = topicsOf(5);
    for (const topic of topics) c.subscribe(topic, () => undefined);
    c.start();
    await until('two refusals', () => c.refusalCount === 2);
    // Time for a loop to show, if there were one.
    await sleep(500);
    expect([...c.refusedTopics]).toEqual([
      [topics[3], 'connection-topic-cap'],
      [topics[4], 'connection-topic-cap'],
    ]);
    expect(seen.map((r) => r.topic)).toEqual([topics[3], topics[4]]);
    expect(askedFor(s, topics[3]!)).toBe(1);
    expect(askedFor(s, topics[4]!)).toBe(1);
    expect(s.connections()).toBe(1);
    expect(c.openCount).toBe(1);
    expect(c.isOpen).toBe(true);
  });

  it('asks for a topic refused at the connection cap again once it unsubscribes another', async () => {
    const s = await fakeServer({ cap: 3, overCap: 'refuse' });
    const c = client(s.url);
    const topics = topicsOf(4);
    const stops = topics.map((topic) => c.subscribe(topic, () => undefined));
    c.start();
    await until('one refusal', () => c.refusalCount === 1);
    stops[0]!();
    await until('the refused one is held', () => s.held().has(topics[3]!));
    expect([...s.held()].sort()).toEqual(topics.slice(1));
    expect(c.refusedTopics.size).toBe(0);
  });

  it('retries a full topic later, with a delay that grows, while other topics work', async () => {
    const full = topicsOf(1, 'full')[0]!;
    const s = await fakeServer({ cap: 64, overCap: 'refuse', full: new Set([full]) });
    const c = client(s.url, { refusalBackoff: { initialMs: 100, maxMs: 400, jitter: 0 } });
    const got: unknown[] = [];
    c.subscribe('friend', (d) => got.push(d));
    c.subscribe(full, () => undefined);
    c.start();
    await until('refused twice', () => c.refusalCount >= 2);
    expect(c.refusedTopics.get(full)).toBe('topic-full');
    // A loop would ask hundreds of times in this window; backoff (100, 200, 400, 400 ms) a few.
    await sleep(1500);
    expect(askedFor(s, full)).toBeGreaterThanOrEqual(3);
    expect(askedFor(s, full)).toBeLessThanOrEqual(7);
    await until('the friend topic works', () => {
      c.publish('friend', 1);
      return got.length > 0;
    });
    expect(s.connections()).toBe(1);
  });

  it('counts a refused publish and keeps the socket', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => new Promise((r) => wss.close(r)));
    await new Promise((r) => wss.once('listening', r));
    wss.on('connection', (ws) =>
      ws.on('message', (raw) => {
        const m = JSON.parse(String(raw)) as { type: string; topic: string };
        if (m.type !== 'publish') return;
        ws.send(
          JSON.stringify({
            type: 'refused',
            op: 'publish',
            topic: m.topic,
            reason: 'relay-budget',
          }),
        );
      }),
    );
    const c = client(`ws://127.0.0.1:${(wss.address() as { port: number }).port}`);
    const seen: Refusal[] = [];
    c.onRefusal((r) => seen.push(r));
    c.start();
    await until('open', () => c.isOpen);
    c.publish('crowded', 1);
    await until('refused', () => seen.length === 1);
    expect(seen[0]).toEqual({ op: 'publish', topic: 'crowded', reason: 'relay-budget' });
    expect(c.refusalCount).toBe(1);
    expect(c.isOpen).toBe(true);
  });

  it('backs off from an old server that closes the socket on the 65th topic, and says so', async () => {
    const s = await fakeServer({ cap: 64, overCap: 'close' });
    // The ordinary reconnect backoff is fast here: only the policy close may slow it down.
    const c = client(s.url);
    for (const topic of topicsOf(70)) c.subscribe(topic, () => undefined);
    c.start();
    await until('closed by the server', () => c.policyCloseCount === 1);
    // A tight loop would reconnect every 20-200 ms here.
    await sleep(1000);
    expect(s.connections()).toBe(1);
    expect(c.state).toBe('waiting');
    expect(c.policyClose).toMatchObject({ code: 1008, reason: 'too many topics' });
    expect(c.policyClose!.retryInMs).toBeGreaterThanOrEqual(15_000);
  });
});

describe('priority lanes', () => {
  it('sends offers and ICE ahead of 500 queued presence hellos', async () => {
    const s = await fakeServer({ cap: 2048, overCap: 'refuse' });
    const c = client(s.url, { rate: { perSecond: 200, burst: 1 } });
    c.start();
    await until('open', () => c.isOpen);
    for (let i = 0; i < 500; i++) {
      expect(c.publish(`friend-${i}`, { k: 'hello' }, 'presence')).toBe(true);
    }
    // The rate refills while the loop runs: some hellos are out already, the rest wait.
    const waiting = c.queuedFrames;
    expect(waiting).toBeGreaterThan(100);
    for (const k of ['offer', 'ice', 'ice']) expect(c.publish('friend-7', { k })).toBe(true);
    await until('all 503 arrived', () => s.frames.length === 503);
    const kinds = s.frames.map((f) => (f.message.data as { k: string }).k);
    // The signals overtake every hello still waiting (give or take one the rate let out).
    const offer = kinds.indexOf('offer');
    expect(offer).toBeLessThanOrEqual(500 - waiting + 2);
    expect(kinds.slice(offer, offer + 3)).toEqual(['offer', 'ice', 'ice']);
    expect(kinds.filter((k) => k === 'hello').length).toBe(500);
  });

  it('keeps only the newest queued presence of a topic', async () => {
    const s = await fakeServer({ cap: 2048, overCap: 'refuse' });
    const c = client(s.url, { rate: { perSecond: 20, burst: 1 } });
    c.start();
    await until('open', () => c.isOpen);
    for (let i = 0; i < 10; i++) c.publish('friend', { n: i }, 'presence');
    expect(c.queuedFrames).toBe(1);
    await until('two arrived', () => s.frames.length === 2);
    await sleep(200);
    expect(s.frames.map((f) => f.message.data)).toEqual([{ n: 0 }, { n: 9 }]);
  });

  it('is forwarded by the pool and taken by the in-memory hub', () => {
    const hub = new MemorySignaling();
    const pool = new SignalingPool([hub.client(), hub.client()]);
    pool.publish('t', 1, 'presence');
    pool.publish('t', 2);
    expect(hub.relayed.map((r) => r.lane)).toEqual(['presence', 'presence', 'signal', 'signal']);
  });
});
