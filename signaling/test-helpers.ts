import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket, type ClientOptions } from 'ws';
import { startServer, type RunningServer, type ServerOptions } from './server.ts';

/** How a test client's socket ended. */
export interface CloseEvent {
  code: number;
  reason: string;
}

/** A WebSocket client that queues what it receives, for tests and their assertions. */
export class TestClient {
  readonly ws: WebSocket;
  /** Every JSON message received, in order. */
  readonly received: unknown[] = [];
  /** Settles when the socket closes. */
  readonly closed: Promise<CloseEvent>;
  private readonly waiters = new Set<() => void>();

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      this.received.push(JSON.parse(String(data)));
      for (const wake of this.waiters) wake();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        for (const wake of this.waiters) wake();
        resolve({ code, reason: reason.toString() });
      });
    });
  }

  /** Opens a client to `${httpUrl}/signaling` (ws:, or wss: for an https: URL). */
  static async connect(httpUrl: string, options: ClientOptions = {}): Promise<TestClient> {
    const ws = new WebSocket(`${httpUrl.replace(/^http/, 'ws')}/signaling`, options);
    const client = new TestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade refused: HTTP ${response.statusCode}`)),
      );
    });
    // Later errors show up as the close event the tests assert on.
    ws.on('error', () => undefined);
    return client;
  }

  /** Sends `message` as JSON, or a string/Buffer frame as it is. */
  send(message: unknown): void {
    this.ws.send(
      typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message),
    );
  }

  /** Resolves with the first received message (from `from` on) matching `match`. */
  async waitFor(
    match: (message: unknown) => boolean,
    from = 0,
    timeoutMs = 5_000,
  ): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.slice(from).find(match);
      if (found !== undefined) return found;
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error('socket closed while waiting');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a message');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done(): void {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        const waiters = this.waiters;
        waiters.add(done);
      });
    }
  }

  /** Sends a ping and waits for the pong: proves the connection is open and served. */
  async roundtrip(): Promise<void> {
    const from = this.received.length;
    this.send({ type: 'ping' });
    await this.waitFor(isType('pong'), from);
  }

  /** Closes the socket and waits for the close to finish. */
  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close();
    await this.closed;
  }
}

/** A matcher for messages whose `type` is `type` (and, optionally, whose `data` matches). */
export function isType(type: string, data?: (data: unknown) => boolean) {
  return (message: unknown): boolean =>
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === type &&
    (data === undefined || data((message as { data?: unknown }).data));
}

/** Starts servers on 127.0.0.1 with ephemeral ports and closes them all in `closeAll`. */
export class ServerPool {
  private readonly servers: RunningServer[] = [];
  private readonly clients: TestClient[] = [];

  /** Starts a server with `options` over the test defaults. */
  async start(options: Partial<ServerOptions> = {}): Promise<RunningServer> {
    const server = await startServer({ port: 0, host: '127.0.0.1', ...options });
    this.servers.push(server);
    return server;
  }

  /** Connects a client that `closeAll` will close. */
  async connect(server: RunningServer, options?: ClientOptions): Promise<TestClient> {
    const client = await TestClient.connect(server.url, options);
    this.clients.push(client);
    return client;
  }

  /** Closes every client and server this pool made. */
  async closeAll(): Promise<void> {
    for (const client of this.clients.splice(0)) client.ws.terminate();
    await Promise.all(this.servers.splice(0).map((server) => server.close()));
  }
}

/**
 * Proves the server still works for a newcomer: a fresh client subscribes, publishes and gets its
 * own message back.
 */
export async function assertServesNewClient(server: Pick<RunningServer, 'url'>): Promise<void> {
  const client = await TestClient.connect(server.url);
  try {
    const topic = `p${Math.random().toString(36).slice(2, 8)}`; // short: fits small maxTopicLength
    client.send({ type: 'subscribe', topics: [topic] });
    client.send({ type: 'publish', topic, data: { probe: true } });
    await client.waitFor(isType('publish', (data) => (data as { probe?: unknown }).probe === true));
  } finally {
    await client.close();
  }
}

/** Polls `condition` until it holds (bounded by `timeoutMs`), for state reached asynchronously. */
export async function eventually(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Makes a self-signed certificate for 127.0.0.1 with openssl; undefined when it is missing. */
export function makeSelfSignedCert(dir: string): { certFile: string; keyFile: string } | undefined {
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
  } catch {
    return undefined;
  }
  return { certFile, keyFile };
}

/** A clock for the hub's `now` option that moves only when a test says so. */
export class ManualClock {
  private ms = 0;
  /** The current reading, in milliseconds. */
  readonly now = (): number => this.ms;
  /** Moves the clock forward by `ms`. */
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** A matcher for the server's `refused` frame about `topic` (and, optionally, `op`). */
export function isRefusal(topic: string, op?: 'subscribe' | 'publish') {
  return (message: unknown): boolean =>
    isType('refused')(message) &&
    (message as { topic?: unknown }).topic === topic &&
    (op === undefined || (message as { op?: unknown }).op === op);
}

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TSX = path.join(REPO, 'node_modules', '.bin', 'tsx');

/** A child process started by a test, with everything it printed. */
export interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `signaling/main.ts` the way `npm start` does, with `env` over a quiet environment. */
export function runMain(env: Record<string, string>): Run {
  const child = spawn(TSX, [path.join(REPO, 'signaling', 'main.ts')], {
    cwd: tmpdir(), // main.ts must find dist/ relative to the repository, not the cwd
    env: { ...process.env, KITH_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, output: () => output, exited };
}

/** Waits (at most `timeoutMs`) for a `runMain` server to print its URL, and returns it. */
export async function waitForUrl(run: Run, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = /Kith is running at (\S+)/.exec(run.output());
    if (match) return match[1]!;
    if (run.child.exitCode !== null) throw new Error(`main.ts exited: ${run.output()}`);
    if (Date.now() > deadline) throw new Error(`no URL printed: ${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Debian's redis-server, which `scripts/test-all.sh` installs when it is missing. */
export const REDIS_SERVER = '/usr/bin/redis-server';

/** A throwaway redis-server on a loopback port, without persistence, that can be killed and restarted. */
export class RedisServer {
  private run: Run | undefined;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts one on a free port and resolves once it accepts connections. */
  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.restart();
    return server;
  }

  /** Starts it again on the same port (after `kill`). */
  async restart(): Promise<void> {
    const child = spawn(
      REDIS_SERVER,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    this.run = { child, output: () => output, exited };
    const deadline = Date.now() + 10_000;
    while (!output.includes('Ready to accept connections')) {
      if (child.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not start: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Kills it outright (SIGKILL: no goodbye to its clients) and waits until it is gone. */
  async kill(): Promise<void> {
    const run = this.run;
    this.run = undefined;
    if (!run || run.child.exitCode !== null || run.child.signalCode !== null) return;
    run.child.kill('SIGKILL');
    await run.exited;
  }
}
