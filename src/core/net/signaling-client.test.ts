import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { startServer, type RunningServer } from '../../../signaling/server.ts';
import { SignalingCipher } from './signaling-crypto.ts';
import { SignalingPool } from './signaling-pool.ts';
import { deriveTopic } from './topics.ts';
import { setLogSink, consoleSink, type LogRecord } from '../log.ts';
import {
  SignalingClient,
  SignalingMessageTooLargeError,
  backoffDelay,
  defaultSignalingUrl,
  parseServerMessage,
  type SignalingClientOptions,
} from './signaling-client.ts';

const WAIT_MS = 10_000;
const FAST = { initialMs: 20, maxMs: 200, jitter: 0.5 };

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  setLogSink(consoleSink);
});

/** Resolves once `check` holds, polling; fails after WAIT_MS saying what it waited for. */
async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function server(port = 0): Promise<RunningServer> {
  const s = await startServer({ port, host: '127.0.0.1' });
  cleanups.push(() => s.close());
  return s;
}

function client(url: string, extra: Partial<SignalingClientOptions> = {}): SignalingClient {
  const c = new SignalingClient({ url, WebSocket, backoff: FAST, ...extra });
  c.start();
  cleanups.push(() => c.stop());
  return c;
}

const wsUrl = (s: RunningServer) => `ws://127.0.0.1:${s.port}/signaling`;

describe('signaling client against the real server', () => {
  it('delivers publishes between two clients by topic, including the echo to the sender', async () => {
    const s = await server();
    const alice = client(wsUrl(s));
    const bob = client(wsUrl(s));
    const seenByBob: unknown[] = [];
    const seenByAlice: unknown[] = [];
    bob.subscribe('t1', (data) => seenByBob.push(data));
    alice.subscribe('t1', (data) => seenByAlice.push(data));
    const elsewhere: unknown[] = [];
    bob.subscribe('t2', (data) => elsewhere.push(data));
    await until('both open', () => alice.isOpen && bob.isOpen);
    // The subscription is confirmed by the round trip of a first publish.
    await until('bob hears alice', () => {
      alice.publish('t1', { n: 1 });
      return seenByBob.length > 0;
    });
    expect(seenByBob[0]).toEqual({ n: 1 });
    expect(seenByAlice[0]).toEqual({ n: 1 });
    expect(elsewhere).toEqual([]);
  });

  it('shows a third subscriber of a derived topic only ciphertext it cannot open', async () => {
    const s = await server();
    const [alice, bob, eve] = [client(wsUrl(s)), client(wsUrl(s)), client(wsUrl(s))];
    const secret = new Uint8Array(32).fill(42);
    const topic = await deriveTopic(secret, 'pairwise');
    const cipher = await SignalingCipher.fromSecret(secret, 'pairwise');
    const direction = { from: new Uint8Array(32).fill(1), to: new Uint8Array(32).fill(2) };
    const toBob: unknown[] = [];
    const toEve: unknown[] = [];
    bob.subscribe(topic, (d) => toBob.push(d));
    eve.subscribe(topic, (d) => toEve.push(d));
    await until('open', () => alice.isOpen && bob.isOpen && eve.isOpen);
    const sealed = await cipher.seal(topic, direction, { sdp: 'PLAINTEXT-SDP' }, Date.now());
    await until('both receive', () => {
      alice.publish(topic, sealed);
      return toBob.length > 0 && toEve.length > 0;
    });
    expect(JSON.stringify(toEve)).not.toContain('PLAINTEXT-SDP');
    const eveCipher = await SignalingCipher.fromSecret(new Uint8Array(32).fill(43), 'pairwise');
    await expect(eveCipher.open(topic, direction, toEve[0], Date.now())).rejects.toMatchObject({
      reason: 'auth-failed',
    });
    expect(await cipher.open(topic, direction, toBob[0], Date.now())).toEqual({
      sdp: 'PLAINTEXT-SDP',
    });
  });

  it('stops delivering after the last listener of a topic unsubscribes', async () => {
    const s = await server();
    const alice = client(wsUrl(s));
    const bob = client(wsUrl(s));
    const seen: unknown[] = [];
    const stop = bob.subscribe('t', (d) => seen.push(d));
    const marks: unknown[] = [];
    bob.subscribe('mark', (d) => marks.push(d));
    await until('open', () => alice.isOpen && bob.isOpen);
    await until('first delivery', () => {
      alice.publish('t', 'one');
      return seen.length > 0;
    });
    stop();
    const before = seen.length;
    // The server handles one connection's frames in order: once the mark arrives, so would 'two'.
    alice.publish('t', 'two');
    await until('mark', () => {
      alice.publish('mark', 1);
      return marks.length > 0;
    });
    expect(seen.length).toBe(before);
  });

  it('reconnects and resubscribes by itself after the server restarts on the same port', async () => {
    const first = await startServer({ port: 0, host: '127.0.0.1' });
    const port = first.port;
    const url = `ws://127.0.0.1:${port}/signaling`;
    const alice = client(url);
    const bob = client(url);
    const seen: unknown[] = [];
    bob.subscribe('rendezvous', (d) => seen.push(d));
    await until('open', () => alice.isOpen && bob.isOpen);
    await first.close();
    await until('both notice', () => !alice.isOpen && !bob.isOpen);
    const second = await server(port);
    await until('both reopen', () => alice.isOpen && bob.isOpen);
    expect(bob.openCount).toBe(2);
    await until('delivery after restart', () => {
      alice.publish('rendezvous', 'after');
      return seen.includes('after');
    });
    expect(second.stats().topics).toBeGreaterThan(0);
  });

  it('refuses to publish a frame over the server limit, and says when it cannot send', async () => {
    const s = await server();
    const alice = client(wsUrl(s));
    expect(alice.publish('t', 'x')).toBe(false);
    await until('open', () => alice.isOpen);
    expect(() => alice.publish('t', 'x'.repeat(70_000))).toThrow(SignalingMessageTooLargeError);
    expect(alice.publish('t', 'x'.repeat(1000))).toBe(true);
    expect(alice.isOpen).toBe(true);
  });

  it('paces its frames below the server rate limit, so a burst of publishes all arrive', async () => {
    const s = await startServer({
      port: 0,
      host: '127.0.0.1',
      limits: { messagesPerSecond: 50, messageBurst: 20 },
    });
    cleanups.push(() => s.close());
    const paced = client(wsUrl(s), { rate: { perSecond: 40, burst: 10 } });
    const bob = client(wsUrl(s));
    const seen: unknown[] = [];
    bob.subscribe('burst', (d) => seen.push(d));
    await until('open', () => paced.isOpen && bob.isOpen);
    // Bob's subscription is processed before this: one round trip through the server.
    const ready: unknown[] = [];
    paced.subscribe('ready', (d) => ready.push(d));
    await until('ready', () => {
      if (paced.queuedFrames === 0) paced.publish('ready', 1);
      return ready.length > 0;
    });
    for (let i = 0; i < 100; i++) expect(paced.publish('burst', i)).toBe(true);
    expect(paced.queuedFrames).toBeGreaterThan(0);
    await until('all 100', () => seen.length === 100);
    expect(seen).toEqual([...Array(100).keys()]);
    expect(paced.openCount).toBe(1);
  });

  it('is closed by the server when it sends faster than the limit (what pacing prevents)', async () => {
    const s = await startServer({
      port: 0,
      host: '127.0.0.1',
      limits: { messagesPerSecond: 50, messageBurst: 20 },
    });
    cleanups.push(() => s.close());
    const eager = client(wsUrl(s), { rate: { perSecond: 100_000, burst: 100_000 } });
    await until('open', () => eager.isOpen);
    for (let i = 0; i < 100; i++) eager.publish('burst', i);
    await until('closed by the server', () => !eager.isOpen);
  });

  it('refuses publishes once its queue is full', async () => {
    const s = await server();
    const c = client(wsUrl(s), { rate: { perSecond: 1, burst: 1 }, maxQueuedFrames: 3 });
    await until('open', () => c.isOpen);
    const results = [0, 1, 2, 3, 4, 5].map((i) => c.publish('t', i));
    expect(results.filter((r) => !r).length).toBeGreaterThan(0);
    expect(c.queuedFrames).toBe(3);
  });

  it('drops malformed server frames, keeps the connection, and still delivers good ones', async () => {
    // A hostile "server" sends garbage, then a valid publish.
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => new Promise((r) => wss.close(r)));
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as { port: number }).port;
    wss.on('connection', (ws) => {
      ws.on('message', () => {
        for (const frame of [
          'not json',
          '[]',
          'null',
          '{"type":"publish"}',
          '{"type":"publish","topic":"t"}',
          '{"type":"publish","topic":7,"data":1}',
          '{"type":"surprise"}',
        ]) {
          ws.send(frame);
        }
        ws.send(Buffer.from([1, 2, 3]));
        ws.send(JSON.stringify({ type: 'publish', topic: 't', data: 'good', clients: 2 }));
      });
    });
    const records: LogRecord[] = [];
    setLogSink((r) => records.push(r));
    const c = client(`ws://127.0.0.1:${port}`);
    const seen: [unknown, number | undefined][] = [];
    c.subscribe('t', (data, clients) => seen.push([data, clients]));
    await until('good frame', () => seen.length > 0);
    expect(seen).toEqual([['good', 2]]);
    expect(c.isOpen).toBe(true);
    expect(records.filter((r) => r.message === 'dropped a malformed signaling frame').length).toBe(
      8,
    );
  });

  it('replaces a socket whose server stops answering pings', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => new Promise((r) => wss.close(r)));
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as { port: number }).port;
    let connections = 0;
    wss.on('connection', () => connections++);
    const c = client(`ws://127.0.0.1:${port}`, { pingIntervalMs: 30, pongTimeoutMs: 30 });
    // The server may count the second connection a moment before the client's socket opens.
    await until(
      'a second connection, open at both ends',
      () => connections >= 2 && c.openCount >= 2,
    );
    expect(c.openCount).toBeGreaterThanOrEqual(2);
  });
});

describe('backoff', () => {
  it('doubles, is cut by jitter, and never exceeds the ceiling', () => {
    const options = { initialMs: 100, maxMs: 5000, jitter: 0.5 };
    expect(backoffDelay(0, options, () => 0)).toBe(100);
    expect(backoffDelay(3, options, () => 0)).toBe(800);
    expect(backoffDelay(3, options, () => 0.999)).toBeGreaterThanOrEqual(400);
    for (let attempt = 0; attempt < 2000; attempt += 37) {
      const d = backoffDelay(attempt, options, Math.random);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(5000);
    }
  });

  it('keeps retrying a server that is down, then connects when it comes up', async () => {
    const probe = await startServer({ port: 0, host: '127.0.0.1' });
    const port = probe.port;
    await probe.close();
    const states: string[] = [];
    const c = client(`ws://127.0.0.1:${port}/signaling`);
    c.onStateChange((s) => states.push(s));
    await until('a few failed attempts', () => states.filter((s) => s === 'waiting').length >= 3);
    await server(port);
    await until('open', () => c.isOpen);
    c.stop();
    expect(c.state).toBe('stopped');
  });
});

describe('helpers', () => {
  it('derives the origin’s signaling URL', () => {
    expect(defaultSignalingUrl('http://127.0.0.1:5173')).toBe('ws://127.0.0.1:5173/signaling');
    expect(defaultSignalingUrl('https://kith.example')).toBe('wss://kith.example/signaling');
  });

  it('parses server frames strictly', () => {
    expect(parseServerMessage('{"type":"pong"}')).toEqual({ kind: 'pong' });
    expect(parseServerMessage('{"type":"publish","topic":"a","data":null}')).toMatchObject({
      kind: 'publish',
      data: null,
    });
    expect(parseServerMessage(new Uint8Array(2))).toMatchObject({ kind: 'invalid' });
  });
});

describe('signaling through several servers', () => {
  it('delivers once what arrives through two servers, and works while one is down', async () => {
    const [s1, s2] = [await server(), await server()];
    const alice = new SignalingPool([client(wsUrl(s1)), client(wsUrl(s2))]);
    const bob = new SignalingPool([client(wsUrl(s1)), client(wsUrl(s2))]);
    const seen: unknown[] = [];
    bob.subscribe('t', (d) => seen.push(d));
    const marks: unknown[] = [];
    bob.subscribe('mark', (d) => marks.push(d));
    await until('open', () => alice.isOpen && bob.isOpen);
    await until('first', () => {
      alice.publish('t', { n: 1 });
      return seen.length > 0;
    });
    // Let every copy arrive (a mark through both servers), then count.
    await until('mark', () => {
      alice.publish('mark', Math.random());
      return marks.length >= 2;
    });
    expect(seen.filter((d) => JSON.stringify(d) === '{"n":1}').length).toBe(1);
    await s1.close();
    await until('second', () => {
      alice.publish('t', { n: 2 });
      return seen.some((d) => JSON.stringify(d) === '{"n":2}');
    });
  });
});
