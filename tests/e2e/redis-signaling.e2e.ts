/**
 * Signaling beyond one server (issue 30): a real redis-server and two signaling processes
 * (`signaling/main.ts`, as `npm start` runs it, with `REDIS_URL`) inside the test's namespace.
 * People whose pages load from different processes meet through Redis: two Kith users become
 * friends and sync, and y-webrtc's own `WebrtcProvider` syncs a Yjs doc. Redis stopped for a
 * while: each process keeps serving its own clients; Redis back: people on different processes
 * meet again without a restart of anything.
 */
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import {
  acceptAsNewcomer,
  createInvite,
  enableTestHooks,
  explained,
  onboard,
  post,
  waitConnected,
  waitForPost,
  WAIT,
} from './app-helpers.ts';
import type {} from './fixtures/ywebrtc.ts';
import { requireNetns, setupE2e, siteDir } from './harness.ts';
import { RedisServer, runMain, waitForUrl, type Run } from '../../signaling/test-helpers.ts';

/** Bound on each wait inside the y-webrtc pages. */
const WAIT_MS = 30_000;

/** Bound on a signaling process's start (tsx compiles it first: slow on a loaded machine). */
const STARTUP_MS = 90_000;

interface Cluster {
  readonly redis: RedisServer;
  /** The base URL of each signaling process, e.g. `http://127.0.0.1:PORT`. */
  readonly urls: readonly [string, string];
  readonly runs: readonly Run[];
}

/** A redis-server and two signaling processes sharing it, serving `staticDir`. */
async function startCluster(staticDir: string): Promise<Cluster> {
  const redis = await RedisServer.start();
  const env = { PORT: '0', KITH_STATIC_DIR: staticDir, REDIS_URL: redis.url };
  const runs = [runMain(env), runMain(env)];
  try {
    const [a, b] = await Promise.all(runs.map((run) => waitForUrl(run, STARTUP_MS)));
    const urls = [new URL(a!).origin, new URL(b!).origin] as const;
    await Promise.all(urls.map((url) => redisState(url, 'connected')));
    return { redis, urls, runs };
  } catch (error) {
    await stopCluster({ redis, urls: ['', ''], runs });
    throw error;
  }
}

async function stopCluster(cluster: Cluster): Promise<void> {
  for (const run of cluster.runs) run.child.kill('SIGKILL');
  await Promise.all(cluster.runs.map((run) => run.exited));
  await cluster.redis.kill();
}

/** Waits until the process at `url` reports Redis as `state` on `/health`. */
async function redisState(url: string, state: 'connected' | 'reconnecting'): Promise<void> {
  await expect
    .poll(async () => {
      const response = await fetch(`${url}/health`);
      return ((await response.json()) as { redis: string }).redis;
    }, WAIT)
    .toBe(state);
}

/** The invite `link` (made on one process) opened on the process at `origin`. */
function onOrigin(link: string, origin: string): string {
  const url = new URL(link);
  return `${origin}/${url.hash}`;
}

requireNetns()('signaling on Redis, two processes', () => {
  // The suite's own server is not used: its browser and people are.
  const e2e = setupE2e({ site: 'app' });

  it('two people on different processes become friends and sync; after Redis comes back, a third meets them', async () => {
    const cluster = await startCluster(siteDir('app'));
    try {
      const [onA, onB] = cluster.urls;
      const alice = await e2e.person('alice');
      const bob = await e2e.person('bob');
      const carol = await e2e.person('carol');
      await Promise.all([alice, bob, carol].map((p) => enableTestHooks(p.context)));
      const [a, b, c] = [alice.page, bob.page, carol.page];

      await explained({ alice: a, bob: b, carol: c }, async () => {
        await alice.goto(`${onA}/`);
        await onboard(a, 'Alice');
        await a.getByRole('link', { name: 'Home' }).waitFor(WAIT);
        // Bob opens Alice's invite on the other process: only Redis joins their topics.
        await acceptAsNewcomer(b, onOrigin(await createInvite(a), onB), 'Bob');
        await waitConnected(b, 'Alice');
        await waitConnected(a, 'Bob');
        await post(a, 'Hello from process A');
        await waitForPost(b, 'Alice', 'Hello from process A');
        await post(b, 'Hello back from process B');
        await waitForPost(a, 'Bob', 'Hello back from process B');

        // Redis goes away: each process keeps serving its own clients (Carol loads the app
        // from process B, which still answers), and says so on /health.
        await cluster.redis.kill();
        await Promise.all(cluster.urls.map((url) => redisState(url, 'reconnecting')));
        await carol.goto(`${onB}/`);
        await onboard(c, 'Carol');
        await c.getByRole('link', { name: 'Home' }).waitFor(WAIT);

        // Redis back: the processes reconnect by themselves, and Alice (on A) and Carol (on B)
        // meet through it.
        await cluster.redis.restart();
        await Promise.all(cluster.urls.map((url) => redisState(url, 'connected')));
        const invite = await createInvite(a);
        await c.goto(onOrigin(invite, onB));
        await c.getByRole('button', { name: 'Accept invite' }).click();
        await waitConnected(c, 'Alice');
        await waitConnected(a, 'Carol');
        await post(a, 'Redis is back');
        await waitForPost(c, 'Alice', 'Redis is back');
      });
    } finally {
      await stopCluster(cluster);
    }
  }, 300_000);

  it("y-webrtc's WebrtcProvider syncs a Yjs doc between clients of different processes", async () => {
    // `main.ts` serves a built app (it refuses a folder without index.html): the fixture pages
    // are copied beside a placeholder one.
    const fixtures = mkdtempSync(path.join(tmpdir(), 'kith-redis-fixtures-'));
    cpSync(siteDir('fixtures'), fixtures, { recursive: true });
    writeFileSync(path.join(fixtures, 'index.html'), '<!doctype html><title>fixtures</title>');
    const cluster = await startCluster(fixtures).catch((error: unknown) => {
      rmSync(fixtures, { recursive: true, force: true });
      throw error;
    });
    try {
      const [alice, bob] = await Promise.all([e2e.person('alice'), e2e.person('bob')]);
      const room = `e2e-redis-ywebrtc-${randomUUID()}`;
      const people = [
        { person: alice, origin: cluster.urls[0] },
        { person: bob, origin: cluster.urls[1] },
      ];
      for (const { person, origin } of people) {
        await person.goto(`${origin}/ywebrtc.html`);
        const start = { signalingUrl: `${origin.replace(/^http/, 'ws')}/signaling`, room };
        await person.evaluate((o) => window.e2eYwebrtc.start(o.signalingUrl, o.room), start);
      }
      // The contexts share no BroadcastChannel and their sockets end on different processes:
      // the offer and answer crossed Redis.
      for (const person of [alice, bob]) {
        expect(await person.evaluate((ms) => window.e2eYwebrtc.connectedPeers(ms), WAIT_MS)).toBe(
          1,
        );
      }
      await alice.evaluate(() => window.e2eYwebrtc.write('from-alice', 'hello across Redis'));
      await bob.evaluate(
        (ms) => window.e2eYwebrtc.sees('from-alice', 'hello across Redis', ms),
        WAIT_MS,
      );
      await bob.evaluate(() => window.e2eYwebrtc.write('from-bob', 'and back'));
      await alice.evaluate((ms) => window.e2eYwebrtc.sees('from-bob', 'and back', ms), WAIT_MS);
    } finally {
      await stopCluster(cluster);
      rmSync(fixtures, { recursive: true, force: true });
    }
  }, 180_000);
});
