/**
 * Mesh benchmark (`npm run bench:mesh`; not part of CI). Real WebRTC between Chromium contexts.
 *
 * Unless already inside one, it re-executes itself inside the project's private network
 * namespace (`tests/e2e/netns.ts`), as the e2e runner does: Chromium finds a host candidate on
 * the namespace's veth and no packet leaves the machine. The page `bench/mesh-page/` is bundled
 * with Vite's JS API into `.tmp/bench-mesh/` and served, with the signaling endpoint, by Kith's
 * own server on 127.0.0.1.
 *
 * 1. `sync10k`: Alice (a context of one Chromium) signs 10,000 entries in her page; Bob (a
 *    persistent context, its own Chromium process, so that IndexedDB is on disk) starts empty.
 *    They connect through Kith's signaling client and connection manager (simple-peer, one data
 *    channel, `DataChannelTransport`). Raw: the same bytes, concatenated, over a plain
 *    `RTCPeerConnection` data channel between the same two pages (offer and answer relayed by
 *    this script), in 256 KiB pieces paced only by `bufferedAmount`, until Bob has them all.
 *    Sync: a `SyncEngine` on each side attached to the manager's transport, until Bob's ingestor
 *    has verified and stored all 10,000. Memory store, then IndexedDB, each on a fresh pair of
 *    pages (so a fresh connection); the raw transfer is timed three times per pair (median).
 *    After the IndexedDB round, Bob's page verifies and stores the same entries again alone into
 *    a fresh database (`ingestFloor`): `sync10kIdb.vsFloor` is the sync against the larger of the
 *    raw transfer and that ingest floor. A third round, IndexedDB both sides, runs with `lo`
 *    shaped to 40 Mbit/s by `tc` inside the bench's own namespace (the pages reach each other's
 *    veth addresses through `lo`), raw and sync alike: `sync10kShaped`.
 * 2. `connectionsCreatedPerHour`: one person with a cap and several friends whose pages close
 *    and reopen at random intervals for a bounded run; her manager's `connectionsCreated`,
 *    extrapolated to an hour.
 *
 * With `--calm` (never part of `npm run bench`) it runs only `mesh-calm.ts` instead: 20 friends
 * coming and going every few minutes at a cap of 16, in Node, as `connectionsPerHourCalm`.
 *
 * Every step has a time bound and the run a deadline; figures are printed and written to
 * `bench/results/mesh.json`; nothing here judges them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startServer, type RunningServer } from '../signaling/server.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/e2e/harness.ts';
import { NETNS_ENV, netnsCommand, whyNoNetns } from '../tests/e2e/netns.ts';
import { chromiumCpu, cpuSpent, type CpuSpent } from './lib/chromium-cpu.ts';
import type { KithMesh, StoreKind } from './mesh-page/api.ts';
import { armDeadline, buildBenchPage, median, within } from './lib/measure.ts';
import { calmChurn } from './mesh-calm.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const PAGE_SOURCE = path.join(HERE, 'mesh-page');
const PAGE_OUT = path.join(ROOT, '.tmp', 'bench-mesh');
const BOB_PROFILE = path.join(ROOT, '.tmp', 'bench-mesh-bob');
const RESULTS = path.join(HERE, 'results', 'mesh.json');

const ENTRIES = 10_000;
const RAW_REPEATS = 3;
const STORES: readonly StoreKind[] = ['memory', 'idb'];
/** Churn run: its length, the person's cap, and friends who come and go. */
const CHURN_MS = Number(process.env.BENCH_CHURN_MS ?? 150_000);
const CHURN_CAP = 3;
const CHURN_FRIENDS = 5;
/** A friend's page stays open, then closed, for a uniformly random time in these bounds. */
const ONLINE_MS: readonly [number, number] = [10_000, 40_000];
const OFFLINE_MS: readonly [number, number] = [5_000, 20_000];
/** Default length of the calm churn run (`--calm`). */
const CALM_MS = 10 * 60_000;

/** Bound of one call into a page (signing 10,000 entries is the longest). */
const STEP_TIMEOUT_MS = 300_000;
/** Bound of starting a browser, loading a page, or a connection opening. */
const LAUNCH_TIMEOUT_MS = 60_000;
/** Bound of the whole run. */
const RUN_DEADLINE_MS = 25 * 60_000;

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function between([low, high]: readonly [number, number]): number {
  return low + Math.random() * (high - low);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A page of the benchmark, its errors turned into failures of the next call. */
class MeshPage {
  private readonly problems: string[] = [];

  private constructor(
    readonly name: string,
    readonly page: Page,
  ) {
    page.on('pageerror', (err) => this.problems.push(`${name}: page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') console.warn(`  [${name} ${msg.type()}] ${msg.text()}`);
    });
  }

  static async open(name: string, context: BrowserContext, origin: string): Promise<MeshPage> {
    const page = await context.newPage();
    const meshPage = new MeshPage(name, page);
    await within(page.goto(`${origin}/index.html`), LAUNCH_TIMEOUT_MS, `${name}: loading`);
    await page.waitForFunction(() => window.kithMesh !== undefined, undefined, {
      timeout: LAUNCH_TIMEOUT_MS,
    });
    return meshPage;
  }

  /** Calls `window.kithMesh[name](...args)` in the page, bounded in time. */
  async call<K extends keyof KithMesh>(
    name: K,
    ...args: Parameters<KithMesh[K]>
  ): Promise<Awaited<ReturnType<KithMesh[K]>>> {
    const run = this.page.evaluate(
      ([fn, list]) => {
        const mesh = window.kithMesh as unknown as Record<string, (...a: unknown[]) => unknown>;
        return mesh[fn]!(...list);
      },
      [name, args] as [string, unknown[]],
    ) as Promise<Awaited<ReturnType<KithMesh[K]>>>;
    const result = await within(run, STEP_TIMEOUT_MS, `${this.name}: ${name}`);
    if (this.problems.length > 0) throw new Error(this.problems.join('\n'));
    return result;
  }

  async close(): Promise<void> {
    await within(this.page.close(), LAUNCH_TIMEOUT_MS, `${this.name}: closing`);
  }
}

/** Makes two pages friends on a fresh pairwise secret. */
async function befriend(a: MeshPage, aPerson: string, b: MeshPage, bPerson: string): Promise<void> {
  const pairwiseSecret = randomBytes(32).toString('base64url');
  await Promise.all([
    a.call('befriend', { person: bPerson, pairwiseSecret }),
    b.call('befriend', { person: aPerson, pairwiseSecret }),
  ]);
}

/** Rate `lo` is shaped to for the `sync10kShaped` round. */
const SHAPED_MBIT = 40;

/**
 * Shapes `lo` inside this run's own network namespace (the two pages reach each other's veth
 * addresses through it), or removes the shaping. A token bucket whose burst holds a 64 KiB
 * loopback packet; the raw transfer of the same round shows whether it took effect.
 */
function shapeLoopback(mbit: number | undefined): void {
  const args =
    mbit === undefined
      ? ['qdisc', 'del', 'dev', 'lo', 'root']
      : [
          'qdisc',
          'add',
          'dev',
          'lo',
          'root',
          'tbf',
          'rate',
          `${mbit}mbit`,
          'burst',
          '256kb',
          'latency',
          '200ms',
        ];
  const run = spawnSync('tc', args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`tc ${args.join(' ')}: ${run.stderr || run.error}`);
}

/** CPU time of both browsers, every thread (`lib/chromium-cpu.ts`), while Bob's page ... */
interface RoundCpu {
  /** ... received the raw transfer (the look whose time is the median). */
  readonly raw: CpuSpent;
  /** ... synced. */
  readonly sync: CpuSpent;
  /** ... verified and stored the same entries alone (IndexedDB only). */
  readonly floor?: CpuSpent;
}

/** Snapshot of both browsers' CPU time; Bob's is the one on his profile folder. */
function cpuNow(): ReturnType<typeof chromiumCpu> {
  return chromiumCpu((cmdline) => (cmdline.includes(BOB_PROFILE) ? 'bob' : 'alice'));
}

/** One sync10k round on a fresh pair of pages. */
interface SyncRound {
  readonly store: StoreKind;
  /** `lo` shaped to this many Mbit/s during the round (raw and sync alike), if at all. */
  readonly shapedMbit?: number;
  /** IndexedDB only: the same entries verified and stored alone on the receiver. */
  readonly floorMs?: number;
  readonly entries: number;
  readonly bytes: number;
  readonly pieceSize: number;
  readonly rawLooksMs: number[];
  readonly rawMs: number;
  readonly rawPieces: number;
  readonly ms: number;
  readonly ratio: number;
  readonly signMs: number;
  readonly cpu: RoundCpu;
}

async function syncRound(
  store: StoreKind,
  aliceContext: BrowserContext,
  bobContext: BrowserContext,
  server: RunningServer,
  signalingUrl: string,
  shapedMbit?: number,
): Promise<SyncRound> {
  const alice = await MeshPage.open('alice', aliceContext, server.url);
  const bob = await MeshPage.open('bob', bobContext, server.url);
  try {
    console.log(`  signing ${fmt(ENTRIES)} entries in Alice's page ...`);
    const made = await alice.call('makePerson', ENTRIES);
    const bobMade = await bob.call('makePerson', 0);
    await alice.call('startMesh', { signalingUrl });
    await bob.call('startMesh', { signalingUrl });
    await befriend(alice, made.person, bob, bobMade.person);
    const [link] = await Promise.all([
      alice.call('connected', LAUNCH_TIMEOUT_MS),
      bob.call('connected', LAUNCH_TIMEOUT_MS),
    ]);

    if (shapedMbit !== undefined) shapeLoopback(shapedMbit);
    const offer = await alice.call('rawOffer');
    const answer = await bob.call('rawAnswer', offer);
    await alice.call('rawAccept', answer);
    await Promise.all([
      alice.call('rawOpened', LAUNCH_TIMEOUT_MS),
      bob.call('rawOpened', LAUNCH_TIMEOUT_MS),
    ]);
    const rawLooksMs: number[] = [];
    const rawLooksCpu: CpuSpent[] = [];
    let rawPieces = 0;
    for (let look = 0; look < RAW_REPEATS; look++) {
      const cpuBefore = cpuNow();
      const arrival = bob.call('rawExpect', made.bytes, STEP_TIMEOUT_MS);
      const sent = await alice.call('rawSend');
      const arrived = await arrival;
      if (arrived.count !== made.bytes) throw new Error(`raw: ${arrived.count} bytes arrived`);
      rawLooksMs.push(arrived.endAt - sent.startAt);
      rawLooksCpu.push(cpuSpent(cpuBefore, cpuNow()));
      rawPieces = sent.pieces;
    }

    await alice.call('syncPrepare', store, bobMade.person);
    await bob.call('syncPrepare', store, made.person);
    // The page's own bound comes first, so a stalled sync reports how far it got.
    const syncCpuBefore = cpuNow();
    const arrival = bob.call('syncExpect', ENTRIES, STEP_TIMEOUT_MS - 10_000);
    const bobAt = await bob.call('syncAttach');
    const aliceAt = await alice.call('syncAttach');
    const arrived = await arrival;
    const syncCpu = cpuSpent(syncCpuBefore, cpuNow());
    if (arrived.count !== ENTRIES) throw new Error(`sync: ${arrived.count} entries stored`);
    // Nothing can move before both have attached: time from the later attach.
    const ms = arrived.endAt - Math.max(aliceAt, bobAt);
    if (shapedMbit !== undefined) shapeLoopback(undefined);
    if (store === 'idb') await bob.call('floorPrepare');
    const floorCpuBefore = cpuNow();
    const floor = store === 'idb' ? await bob.call('ingestFloor') : undefined;
    const floorCpu = floor ? cpuSpent(floorCpuBefore, cpuNow()) : undefined;
    if (floor && floor.count !== ENTRIES) throw new Error(`floor: ${floor.count} entries stored`);
    await Promise.all([alice.call('syncClose'), bob.call('syncClose')]);
    const rawMs = median(rawLooksMs);
    return {
      store,
      ...(shapedMbit !== undefined ? { shapedMbit } : {}),
      ...(floor ? { floorMs: floor.ms } : {}),
      entries: ENTRIES,
      bytes: made.bytes,
      pieceSize: link.pieceSize,
      rawLooksMs,
      rawMs,
      rawPieces,
      ms,
      ratio: ms / rawMs,
      signMs: made.signMs,
      cpu: {
        raw: rawLooksCpu[rawLooksMs.indexOf(rawMs)] ?? rawLooksCpu.at(-1)!,
        sync: syncCpu,
        ...(floorCpu ? { floor: floorCpu } : {}),
      },
    };
  } finally {
    if (shapedMbit !== undefined) spawnSync('tc', ['qdisc', 'del', 'dev', 'lo', 'root']);
    await alice.close();
    await bob.close();
  }
}

/** What the churn run saw. */
interface ChurnResult {
  readonly runMs: number;
  readonly cap: number;
  readonly friends: number;
  readonly onlineMs: readonly [number, number];
  readonly offlineMs: readonly [number, number];
  readonly arrivals: number;
  readonly departures: number;
  readonly created: number;
  readonly maxHeld: number;
  readonly friendsCreated: number;
  readonly perHour: number;
}

async function churn(
  browser: Browser,
  server: RunningServer,
  signalingUrl: string,
): Promise<ChurnResult> {
  const aliceContext = await browser.newContext();
  const friendContexts = await Promise.all(
    Array.from({ length: CHURN_FRIENDS }, () => browser.newContext()),
  );
  try {
    const alice = await MeshPage.open('alice', aliceContext, server.url);
    const aliceKeys = {
      identitySeed: randomBytes(32).toString('base64url'),
      deviceSeed: randomBytes(32).toString('base64url'),
    };
    const aliceId = await alice.call('startMesh', {
      signalingUrl,
      ...aliceKeys,
      maxConnections: CHURN_CAP,
    });
    const start = Date.now();
    const end = start + CHURN_MS;
    let arrivals = 0;
    let departures = 0;
    let friendsCreated = 0;

    // Each friend keeps one device (its keys) and one pairwise secret across its page's lives.
    const friendLife = async (i: number, context: BrowserContext): Promise<void> => {
      const keys = {
        identitySeed: randomBytes(32).toString('base64url'),
        deviceSeed: randomBytes(32).toString('base64url'),
      };
      const pairwiseSecret = randomBytes(32).toString('base64url');
      let first = true;
      // Friends start at staggered times, as people do.
      await sleep(Math.random() * OFFLINE_MS[0]);
      while (Date.now() < end) {
        const page = await MeshPage.open(`friend-${i}`, context, server.url);
        arrivals++;
        const id = await page.call('startMesh', { signalingUrl, ...keys });
        if (first) {
          await alice.call('befriend', { person: id.person, pairwiseSecret });
          first = false;
        }
        await page.call('befriend', { person: aliceId.person, pairwiseSecret });
        await sleep(Math.min(between(ONLINE_MS), Math.max(0, end - Date.now())));
        friendsCreated += (await page.call('connections')).created;
        await page.close();
        departures++;
        if (Date.now() >= end) break;
        await sleep(Math.min(between(OFFLINE_MS), Math.max(0, end - Date.now())));
      }
    };
    await within(
      Promise.all(friendContexts.map((context, i) => friendLife(i, context))),
      CHURN_MS + STEP_TIMEOUT_MS,
      'the churn run',
    );
    const runMs = Date.now() - start;
    const seen = await alice.call('connections');
    return {
      runMs,
      cap: CHURN_CAP,
      friends: CHURN_FRIENDS,
      onlineMs: ONLINE_MS,
      offlineMs: OFFLINE_MS,
      arrivals,
      departures,
      created: seen.created,
      maxHeld: seen.maxHeld,
      friendsCreated,
      perHour: (seen.created / runMs) * 3_600_000,
    };
  } finally {
    await aliceContext.close();
    for (const context of friendContexts) await context.close();
  }
}

async function measure(): Promise<void> {
  const deadline = armDeadline('bench:mesh', RUN_DEADLINE_MS);

  console.log('building the benchmark page ...');
  await buildBenchPage(PAGE_SOURCE, PAGE_OUT);
  await rm(BOB_PROFILE, { recursive: true, force: true });
  await mkdir(BOB_PROFILE, { recursive: true });
  const server = await startServer({ port: 0, host: '127.0.0.1', staticDir: PAGE_OUT });
  const signalingUrl = `ws://127.0.0.1:${server.port}/signaling`;
  const launch = { executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] };
  let browser: Browser | undefined;
  let bobContext: BrowserContext | undefined;
  try {
    browser = await within(chromium.launch(launch), LAUNCH_TIMEOUT_MS, 'launching Chromium');
    bobContext = await within(
      chromium.launchPersistentContext(BOB_PROFILE, launch),
      LAUNCH_TIMEOUT_MS,
      "launching Bob's Chromium",
    );
    const aliceContext = await browser.newContext();
    const rounds: SyncRound[] = [];
    for (const store of STORES) {
      console.log(`sync of ${fmt(ENTRIES)} entries, Bob's store: ${store}`);
      rounds.push(await syncRound(store, aliceContext, bobContext, server, signalingUrl));
      const r = rounds.at(-1)!;
      console.log(`  sync ${fmt(r.ms)} ms, raw ${fmt(r.rawMs)} ms, ratio ${fmt(r.ratio, 2)}`);
    }
    console.log(`sync of ${fmt(ENTRIES)} entries, IndexedDB, lo shaped to ${SHAPED_MBIT} Mbit/s`);
    const shaped = await syncRound(
      'idb',
      aliceContext,
      bobContext,
      server,
      signalingUrl,
      SHAPED_MBIT,
    );
    rounds.push(shaped);
    console.log(
      `  sync ${fmt(shaped.ms)} ms, raw ${fmt(shaped.rawMs)} ms, ratio ${fmt(shaped.ratio, 2)}`,
    );
    await aliceContext.close();
    await bobContext.close();
    bobContext = undefined;

    console.log(
      `churn: ${CHURN_FRIENDS} friends coming and going for ${fmt(CHURN_MS / 1000)} s, cap ${CHURN_CAP} ...`,
    );
    const churned = await churn(browser, server, signalingUrl);

    const memory = rounds.find((r) => r.store === 'memory')!;
    const idb = rounds.find((r) => r.store === 'idb' && r.shapedMbit === undefined)!;
    // Unshaped, the sync is judged against the slower of its two floors: the wire and the ingest.
    const idbFloorMs = Math.max(idb.rawMs, idb.floorMs!);
    // On two cores both pages share, the sync's CPU time is what bounds it: read beside the CPU
    // time of its two floors' own work (what the receiver's ingest alone and the raw transfer
    // of the same bytes cost).
    const cpuOf = (r: SyncRound) => {
      const floorMs = r.cpu.floor?.totalMs ?? 0;
      return {
        syncMs: r.cpu.sync.totalMs,
        floorMs,
        rawMs: r.cpu.raw.totalMs,
        vsFloors: r.cpu.sync.totalMs / (floorMs + r.cpu.raw.totalMs),
      };
    };
    const results = {
      sync10k: { ms: memory.ms, rawMs: memory.rawMs, ratio: memory.ratio },
      sync10kIdb: {
        ms: idb.ms,
        rawMs: idb.rawMs,
        floorMs: idb.floorMs!,
        vsFloor: idb.ms / idbFloorMs,
        cpu: cpuOf(idb),
      },
      sync10kShaped: {
        ms: shaped.ms,
        rawMs: shaped.rawMs,
        ratio: shaped.ratio,
        mbit: SHAPED_MBIT,
        cpu: cpuOf(shaped),
      },
      connectionsCreatedPerHour: churned.perHour,
      extra: {
        date: new Date().toISOString(),
        chromium: browser.version(),
        node: process.version,
        connection:
          'Kith SignalingClient + ConnectionManager (simple-peer) + DataChannelTransport; raw: a plain RTCPeerConnection data channel between the same pages',
        rounds,
        churn: churned,
      },
    };
    await mkdir(path.dirname(RESULTS), { recursive: true });
    await writeFile(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
    printTable(rounds, churned, results.extra.chromium);
    console.log(`\nwritten to ${path.relative(ROOT, RESULTS)}`);
  } finally {
    if (bobContext) await bobContext.close().catch((err: unknown) => console.error(String(err)));
    if (browser) await browser.close().catch((err: unknown) => console.error(String(err)));
    await server.close();
    await rm(BOB_PROFILE, { recursive: true, force: true });
    clearTimeout(deadline);
  }
}

function printTable(rounds: readonly SyncRound[], c: ChurnResult, chromiumVersion: string): void {
  const seconds = (ms: number) => `${fmt(ms / 1000, 2)} s`;
  const rows: [string, string][] = rounds.flatMap((r): [string, string][] => {
    const round = `sync ${fmt(r.entries)} (${fmt(r.bytes)} B), Bob on ${r.store}${r.shapedMbit ? `, lo at ${r.shapedMbit} Mbit/s` : ''}`;
    const { sync, raw, floor } = r.cpu;
    return [
      [
        `${round}: sync / raw / ratio`,
        `${fmt(r.ms)} ms / ${fmt(r.rawMs)} ms (looks ${r.rawLooksMs.map((m) => fmt(m)).join(', ')}) / ${fmt(r.ratio, 2)}` +
          (r.floorMs === undefined ? '' : `; ingest floor ${fmt(r.floorMs)} ms`),
      ],
      [
        `  CPU of both browsers: sync (Alice, Bob) / raw${floor ? ' / floor' : ''}`,
        `${seconds(sync.totalMs)} (${seconds(sync.bySide.alice ?? 0)}, ${seconds(sync.bySide.bob ?? 0)}) / ${seconds(raw.totalMs)}` +
          (floor
            ? ` / ${seconds(floor.totalMs)}; sync / (raw + floor) ${fmt(sync.totalMs / (raw.totalMs + floor.totalMs), 2)}`
            : ''),
      ],
    ];
  });
  rows.push([
    `connections created per hour (cap ${c.cap}, ${c.friends} friends, ${fmt(c.runMs / 1000)} s)`,
    `${fmt(c.perHour)} (${c.created} created, ${c.arrivals} arrivals, ${c.departures} departures, most held ${c.maxHeld})`,
  ]);
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log(`\nKith mesh, Chromium ${chromiumVersion}, Node ${process.version}`);
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);
}

/** Re-runs this script inside the private network namespace; resolves with its exit code. */
function inNamespace(): Promise<number> {
  const [command, args] = netnsCommand(process.execPath, [
    ...process.execArgv,
    fileURLToPath(import.meta.url),
    ...process.argv.slice(2),
  ]);
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.on('error', (error) => {
      console.error(`bench:mesh: cannot run ${command}: ${error.message}`);
      resolve(127);
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/**
 * `--calm`: only the calm churn (`mesh-calm.ts`, in Node, no browser), added to the results as
 * `connectionsPerHourCalm`; `--calm-ms=N` sets its length (default 10 minutes).
 */
async function calm(): Promise<void> {
  const lengthArg = process.argv.find((a) => a.startsWith('--calm-ms='));
  const runMs = lengthArg ? Number(lengthArg.slice('--calm-ms='.length)) : CALM_MS;
  if (!(runMs > 0)) throw new Error(`bad --calm-ms: ${lengthArg}`);
  console.log(`calm churn: 20 friends coming and going for ${fmt(runMs / 1000)} s, cap 16 ...`);
  const deadline = armDeadline('bench:mesh --calm', runMs + 5 * 60_000);
  try {
    const result = await calmChurn(runMs);
    const previous = await readFile(RESULTS, 'utf8').then(
      (text) => JSON.parse(text) as Record<string, unknown>,
      () => ({}),
    );
    await mkdir(path.dirname(RESULTS), { recursive: true });
    const results = { ...previous, connectionsPerHourCalm: result };
    await writeFile(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
    console.log(`\nwritten to ${path.relative(ROOT, RESULTS)}`);
  } finally {
    clearTimeout(deadline);
  }
}

async function main(): Promise<number> {
  if (process.argv.includes('--calm')) {
    await calm();
    return 0;
  }
  if (process.env[NETNS_ENV] === '1') {
    await measure();
    return 0;
  }
  const why = whyNoNetns();
  if (why !== undefined) {
    console.error(`bench:mesh: no private network namespace (${why}); WebRTC needs one`);
    return 1;
  }
  console.log('bench:mesh: entering a private network namespace (veth 10.77.0.1 <-> 10.77.0.2)');
  return inNamespace();
}

process.exitCode = await main();
