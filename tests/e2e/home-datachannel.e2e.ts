/**
 * The home peer's first step (issue 25, item 1): WebRTC in Node, in one file.
 *
 * - The built `dist/kith-home.mjs`, downloaded from the app's own server at `/kith-home.mjs` into
 *   an empty folder and run there alone with Node, passes its own `--check` (two werift peers
 *   over loopback), knows its version, refuses a bad flag with status 2, and says that the FOLDER
 *   run (pairing) is not available yet with status 3.
 * - Chromium (Kith's simple-peer connection manager, in the mesh fixture page) and a Node process
 *   (the same manager over the werift adapter, tests/e2e/fixtures/home-node.ts, built into one
 *   file by the home peer's own build and run alone) meet through the real signaling server, open a data channel inside the test's namespace and carry bytes both
 *   ways, a message of several pieces included. It then times Chromium→Node once and prints the
 *   figure with the load average (docs/benchmarks.md); nothing asserts a duration.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'vite';
import { afterEach, expect, it } from 'vitest';
import { startServer } from '../../signaling/server.ts';
import type {} from './fixtures/mesh-net.ts';
import { requireNetns, setupE2e } from './harness.ts';
import { APP_DIST_DIR, FIXTURES_SOURCE_DIR, REPO_ROOT } from './paths.ts';

const WAIT_MS = 30_000;
/** Chromium→Node for the throughput figure: this many messages of this many bytes. */
const TIMED_MESSAGES = 16;
const TIMED_BYTES = 1024 * 1024;

/** What the Node fixture says, one JSON object a line. */
type NodeSays =
  | { ready: { person: string; device: string } }
  | { connected: { pieceSize: number } }
  | { sent: { sha256: string } }
  | { received: { size: number; sha256: string; text?: string } };

/** The Node side: the fixture process, its lines as they come, and a way to wait for one. */
class NodeSide {
  readonly lines: NodeSays[] = [];
  private readonly waiters = new Set<() => void>();
  readonly stderr: string[] = [];

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      this.lines.push(JSON.parse(line) as NodeSays);
      for (const wake of [...this.waiters]) wake();
    });
    child.stderr.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()));
  }

  send(command: object): void {
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
  }

  /** The lines of kind `key`, once there are `count` of them. */
  async wait<K extends string>(
    key: K,
    count = 1,
  ): Promise<Extract<NodeSays, Record<K, unknown>>[K][]> {
    type Found = Extract<NodeSays, Record<K, unknown>>[K];
    const found = () =>
      this.lines.flatMap((line) => (key in line ? [(line as Record<string, unknown>)[key]] : []));
    const deadline = Date.now() + WAIT_MS;
    while (found().length < count) {
      if (this.child.exitCode !== null) {
        throw new Error(`the Node side exited: ${this.stderr.join('')}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`no ${count} "${key}" from the Node side; stderr: ${this.stderr.join('')}`);
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          resolve();
        };
        this.waiters.add(wake);
        setTimeout(wake, 200);
      });
    }
    return found() as Found[];
  }
}

const started: ChildProcessWithoutNullStreams[] = [];
const folders: string[] = [];
afterEach(async () => {
  for (const child of started.splice(0)) child.kill('SIGTERM');
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

requireNetns()('the home peer: WebRTC in Node, in one file', () => {
  const e2e = setupE2e({ site: 'fixtures' });

  it('the file downloaded from the app alone in an empty folder passes its own --check', async () => {
    const app = await startServer({ port: 0, host: '127.0.0.1', staticDir: APP_DIST_DIR });
    const folder = await mkdtemp(join(tmpdir(), 'kith-home-alone-'));
    folders.push(folder);
    try {
      const answer = await fetch(`${app.url}/kith-home.mjs`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-disposition')).toBe(
        'attachment; filename="kith-home.mjs"',
      );
      await writeFile(join(folder, 'kith-home.mjs'), new Uint8Array(await answer.arrayBuffer()));
    } finally {
      await app.close();
    }
    expect(await readdir(folder)).toEqual(['kith-home.mjs']);
    // Nothing of the repository reaches it: no NODE_OPTIONS (vitest's loaders), no NODE_PATH.
    const home = (...args: string[]) =>
      spawnSync(process.execPath, ['kith-home.mjs', ...args], {
        cwd: folder,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        encoding: 'utf8',
        timeout: 60_000,
      });

    const check = home('--check');
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    expect(check.stdout).toMatch(/^OK: WebRTC works here: .* 1 MiB each way intact\n$/);

    const version = home('--version');
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^kith-home \d+\.\d+\.\d+ \(Node \d+/);

    const bad = home('--frobnicate');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('kith-home: unknown option --frobnicate (see --help)\n');

    const run = home('data');
    expect(run.status).toBe(3);
    expect(run.stderr).toContain('is not paired yet');
    expect(run.stderr).toContain('--pair');
    expect((await readdir(folder)).sort()).toEqual(['data', 'kith-home.mjs']);
  });

  it('Chromium and a Node process on werift meet through the server and carry bytes both ways', async () => {
    // The Node side is built as the home peer's file is (vite.home.config.ts: werift, ws and the
    // core in one module) and runs alone in an empty folder, with nothing of the repository.
    const folder = await mkdtemp(join(tmpdir(), 'kith-home-node-'));
    folders.push(folder);
    await build({
      configFile: join(REPO_ROOT, 'vite.home.config.ts'),
      logLevel: 'warn',
      build: { ssr: join(FIXTURES_SOURCE_DIR, 'home-node.ts'), outDir: folder, emptyOutDir: true },
    });
    expect(await readdir(folder)).toEqual(['kith-home.mjs']);
    const child = spawn(process.execPath, ['kith-home.mjs', e2e.signalingUrl], {
      cwd: folder,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    started.push(child);
    const node = new NodeSide(child);
    const [nodeId] = await node.wait('ready');

    const alice = await e2e.person('alice');
    await alice.goto('/mesh-net.html');
    const aliceId = await alice.evaluate((o) => window.e2eMesh.start(o), {
      signalingUrl: e2e.signalingUrl,
    });
    const secret = randomBytes(32);
    const pairwiseSecret = secret.toString('base64url');
    node.send({ befriend: { person: aliceId.person, pairwiseSecret } });
    await alice.evaluate((o) => window.e2eMesh.befriend(o), {
      person: nodeId!.person,
      pairwiseSecret,
    });

    const aliceLink = await alice.evaluate((ms) => window.e2eMesh.connected(ms), WAIT_MS);
    const [nodeLink] = await node.wait('connected');
    expect(aliceLink.pieceSize).toBeGreaterThan(0);
    expect(nodeLink!.pieceSize).toBeGreaterThan(0);
    expect(await alice.evaluate((p) => window.e2eMesh.state(p), nodeId!.person)).toBe('connected');

    // Chromium → Node: a short text, then a message of several pieces.
    await alice.evaluate(() => window.e2eMesh.sendText('hello home, this is Alice'));
    const bigHash = await alice.evaluate((n) => window.e2eMesh.sendRandom(n), 1_500_000);
    const atNode = await node.wait('received', 2);
    expect(atNode[0]?.text).toBe('hello home, this is Alice');
    expect(atNode[1]).toMatchObject({ size: 1_500_000, sha256: bigHash });

    // Node → Chromium: the same.
    node.send({ sendRandom: 1_500_000 });
    const [sent] = await node.wait('sent');
    const atAlice = await alice.evaluate((ms) => window.e2eMesh.received(1, ms), WAIT_MS);
    expect(atAlice[0]).toMatchObject({ size: 1_500_000, sha256: sent!.sha256 });

    // Chromium → Node, timed once for docs/benchmarks.md.
    const before = node.lines.length;
    const load = loadavg().map((l) => l.toFixed(2));
    const t0 = performance.now();
    const hashes: string[] = [];
    for (let i = 0; i < TIMED_MESSAGES; i++) {
      hashes.push(await alice.evaluate((n) => window.e2eMesh.sendRandom(n), TIMED_BYTES));
    }
    const timed = (await node.wait('received', 2 + TIMED_MESSAGES)).slice(2);
    const seconds = (performance.now() - t0) / 1000;
    expect(timed.map((m) => m.sha256)).toEqual(hashes);
    expect(node.lines.length).toBeGreaterThan(before);
    const megabytes = (TIMED_MESSAGES * TIMED_BYTES) / 1e6;
    console.warn(
      `home-datachannel: Chromium→Node ${megabytes.toFixed(1)} MB in ${seconds.toFixed(2)} s = ` +
        `${(megabytes / seconds).toFixed(2)} MB/s (pieces ${aliceLink.pieceSize} B; ` +
        `load average ${load.join(' ')})`,
    );
  });
});
