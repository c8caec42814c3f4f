/**
 * Core benchmark (`npm run bench:core`; not part of CI). Loopback only, no WebRTC.
 *
 * The page `bench/core-page/` is bundled with Vite's JS API into `.tmp/bench-core/`, served by
 * Kith's own server (strict CSP) on 127.0.0.1, and driven in Debian's headless Chromium with a
 * throw-away profile under `.tmp/`, so the store is the browser's real IndexedDB:
 *
 * 1. entries verified and stored per second (`Ingestor` into `IdbStorageAdapter`, fresh checking
 *    workers started before the clock as the app starts them at boot, certificate caches cold,
 *    identities fresh; also with the workers starting inside the timed run, as before session 17),
 *    with the CPU time of every thread of the browser over the measured run and the rate that
 *    CPU time allows on this machine's cores; and what checking one entry costs, part by part,
 *    on one thread (what each checking worker spends per entry, and crossing to it and back);
 * 2. sync of 10,000 entries over the in-memory network against its floor, in Node
 *    (`measureSync10k`, memory store; the median of three rounds) and in the page (IndexedDB
 *    store, and memory store);
 * 3. open a store of 10,000 and of 100,000 posts of 200 friends and read the first timeline page,
 *    each time in a browser process started for that one look (cold), and in a fresh page load
 *    of a running browser (warm); median of several looks;
 * 4. bytes a newcomer receives before a new friend's latest posts show, for histories of 1,000
 *    and 20,000 entries (Node, in-memory network, bytes counted by it);
 * 5. opening a friends-epoch record of 1,000 members (`keyRecordOpenMs`, Node; see
 *    `key-records.ts`);
 * 6. stored posts materialized into timeline views per second (`materializedPerSec`: the
 *    `Materializer` over IndexedDB, batches of 500 as the ingest hands them over), and the same
 *    rows written alone (`writeViews`), the floor under it;
 * 7. the same ingest into the home peer's folder store (`FsLogStore`, Node, fsync per batch;
 *    `core-fs.ts`), beside IndexedDB's.
 *
 * Every step has a hard time bound and the whole run a deadline. Figures are printed and written
 * to `bench/results/core.json`; nothing here judges them.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startServer, type RunningServer } from '../signaling/server.ts';
import { MemoryNetwork } from '../src/core/net/memory-network.ts';
import { TestPerson, TestReplica, settle, waitFor } from '../src/core/sync/test-helpers.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/e2e/harness.ts';
import type {
  CheckPartsResult,
  FirstPageResult,
  IngestMark,
  IngestResult,
  KithBench,
  MaterializeResult,
  SeedResult,
} from './core-page/api.ts';
import { measureSync10k, type Sync10kResult } from './core-sync.ts';
import { measureFsIngest, type FsIngestResult } from './core-fs.ts';
import { measureKeyRecordOpen, type KeyRecordOpenResult } from './key-records.ts';
import { chromiumCpu, cpuSpent, type CpuSnapshot, type CpuSpent } from './lib/chromium-cpu.ts';
import { armDeadline, buildBenchPage, median, within } from './lib/measure.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const PAGE_SOURCE = path.join(HERE, 'core-page');
const PAGE_OUT = path.join(ROOT, '.tmp', 'bench-core');
const PROFILE_DIR = path.join(ROOT, '.tmp', 'bench-core-profile');
const RESULTS = path.join(HERE, 'results', 'core.json');

const INGEST_ENTRIES = 10_000;
const INGEST_AUTHORS = 10;
const INGEST_BATCH = 256;
const SYNC_ENTRIES = 10_000;
/**
 * Rounds of the Node sync, each with its own floor; the median round is the figure. One round's
 * ratio ranged 1.02-1.26 across runs of the same code (session 17): each side is about a second.
 */
const SYNC_ROUNDS = 3;
const FRIENDS = 200;
const SIZES = [10_000, 100_000] as const;
const LOOKS = Number(process.env.BENCH_LOOKS ?? 5);
const NEWCOMER_LATEST = 100;
const NEWCOMER_HISTORIES = [1_000, 20_000] as const;
const MATERIALIZE_POSTS = 10_000;
const MATERIALIZE_FRIENDS = 50;
const MATERIALIZE_BATCH = 500;

/** Bound of one call into the page (seeding 100,000 posts is the longest). */
const STEP_TIMEOUT_MS = 600_000;
/** Bound of starting a browser or loading the page. */
const LAUNCH_TIMEOUT_MS = 60_000;
/** Bound of the whole run. */
const RUN_DEADLINE_MS = 45 * 60_000;

/** The round whose ratio is the median of `rounds` (an odd number of them). */
function medianByRatio(rounds: readonly Sync10kResult[]): Sync10kResult {
  return [...rounds].sort((a, b) => a.ratio - b.ratio)[(rounds.length - 1) / 2]!;
}

/** A browser on the benchmark's own profile, with page errors turned into failures. */
class Browser {
  private readonly problems: string[] = [];

  private constructor(private readonly context: BrowserContext) {}

  static async launch(): Promise<Browser> {
    const context = await within(
      chromium.launchPersistentContext(PROFILE_DIR, {
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: [...CHROMIUM_ARGS],
      }),
      LAUNCH_TIMEOUT_MS,
      'launching Chromium',
    );
    return new Browser(context);
  }

  get version(): string {
    return this.context.browser()?.version() ?? 'unknown';
  }

  /** A fresh page load of the benchmark page, ready to be called. */
  async open(origin: string): Promise<Page> {
    const page = await this.context.newPage();
    page.on('pageerror', (err) => this.problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') {
        console.warn(`  [page ${msg.type()}] ${msg.text()}`);
      }
    });
    await within(page.goto(`${origin}/index.html`), LAUNCH_TIMEOUT_MS, 'loading the page');
    await page.waitForFunction(() => window.kithBench !== undefined, undefined, {
      timeout: LAUNCH_TIMEOUT_MS,
    });
    return page;
  }

  /** Calls `window.kithBench[name](...args)` in `page`, bounded in time. */
  async call<K extends keyof KithBench>(
    page: Page,
    name: K,
    ...args: Parameters<KithBench[K]>
  ): Promise<Awaited<ReturnType<KithBench[K]>>> {
    const run = page.evaluate(
      ([fn, list]) => {
        const bench = window.kithBench as unknown as Record<string, (...a: unknown[]) => unknown>;
        return bench[fn]!(...list);
      },
      [name, args] as [string, unknown[]],
    ) as Promise<Awaited<ReturnType<KithBench[K]>>>;
    const result = await within(run, STEP_TIMEOUT_MS, `page ${name}`);
    if (this.problems.length > 0) throw new Error(this.problems.join('\n'));
    return result;
  }

  async close(): Promise<void> {
    await within(this.context.close(), LAUNCH_TIMEOUT_MS, 'closing Chromium');
  }
}

/** Bytes received, recent first, until the newcomer holds a history's latest entries and pins. */
async function newcomerBytes(
  friend: TestPerson,
  newcomer: TestPerson,
  length: number,
): Promise<{ bytes: number; entriesHeld: number; historyBytes: number }> {
  const network = new MemoryNetwork();
  const history = friend.log.slice(0, length);
  const source = new TestReplica('friend', friend.id, { friends: [newcomer.id] });
  await source.store.putEntries(history);
  const me = new TestReplica('newcomer', newcomer.id, { friends: [friend.id] });
  const latest = Array.from({ length: NEWCOMER_LATEST }, (_, i) => length - i);
  const held = new Set<number>();
  let at: { bytes: number; entriesHeld: number } | undefined;
  me.engine.ingestor.onStored((entries) => {
    for (const e of entries) held.add(e.seq);
    // Seqs 1 and 2 are the profile and the key record: without them no post can show.
    if (at === undefined && held.has(1) && held.has(2) && latest.every((s) => held.has(s))) {
      at = { bytes: network.stats.bytes, entriesHeld: held.size };
    }
  });
  const [tf, tm] = network.connect('friend', 'newcomer');
  source.engine.attach(tf, 'newcomer');
  me.engine.attach(tm, 'friend');
  await waitFor(() => at !== undefined, 120_000);
  source.engine.close();
  me.engine.close();
  await settle([source.engine, me.engine], network);
  const historyBytes = history.reduce((sum, e) => sum + e.bytes.byteLength, 0);
  return { ...at!, historyBytes };
}

async function measureNewcomer(): Promise<
  Record<number, { bytes: number; entriesHeld: number; historyBytes: number }>
> {
  const friend = await TestPerson.create('friend');
  const newcomer = await TestPerson.create('newcomer');
  // Her profile and key record are as old as her log: the newcomer needs them to show a post.
  await friend.append(1, { docId: 'profile', payloadKind: 'yjs-update' });
  await friend.append(1, { docId: 'epoch/0' });
  await friend.append(Math.max(...NEWCOMER_HISTORIES) - 2, { payloadBytes: 200 });
  const out: Record<number, { bytes: number; entriesHeld: number; historyBytes: number }> = {};
  for (const length of NEWCOMER_HISTORIES) {
    out[length] = await newcomerBytes(friend, newcomer, length);
  }
  return out;
}

function dbName(size: number): string {
  return `bench-timeline-${size}`;
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

async function main(): Promise<void> {
  const deadline = armDeadline('bench:core', RUN_DEADLINE_MS);

  console.log('building the benchmark page ...');
  await buildBenchPage(PAGE_SOURCE, PAGE_OUT);
  await rm(PROFILE_DIR, { recursive: true, force: true });
  await mkdir(PROFILE_DIR, { recursive: true });
  const server: RunningServer = await startServer({
    port: 0,
    host: '127.0.0.1',
    staticDir: PAGE_OUT,
  });
  let browser: Browser | undefined;
  try {
    browser = await Browser.launch();
    const chromiumVersion = browser.version;
    let page = await browser.open(server.url);

    const ingest = await measureIngest(browser, page);
    const checkParts = await browser.call(page, 'checkParts', INGEST_ENTRIES);

    const materialized = await measureMaterialize(browser, page);

    console.log(`syncing ${fmt(SYNC_ENTRIES)} entries in the page (IndexedDB, then memory) ...`);
    const pageSyncIdb = await browser.call(page, 'sync', SYNC_ENTRIES, 'idb');
    const pageSyncMemory = await browser.call(page, 'sync', SYNC_ENTRIES, 'memory');

    const seeded: SeedResult[] = [];
    for (const size of SIZES) {
      console.log(`seeding ${fmt(size)} posts of ${FRIENDS} friends ...`);
      seeded.push(await browser.call(page, 'seed', dbName(size), size, FRIENDS));
      console.log(`  ${fmt(seeded.at(-1)!.ms / 1000, 1)} s`);
    }
    await page.close();

    // Warm: a fresh page load in the browser that just wrote the data.
    const warm: Record<number, FirstPageResult[]> = { [SIZES[0]]: [], [SIZES[1]]: [] };
    for (let look = 0; look < LOOKS; look++) {
      for (const size of SIZES) {
        page = await browser.open(server.url);
        warm[size]!.push(await browser.call(page, 'firstPage', dbName(size)));
        await page.close();
      }
    }
    await browser.close();
    browser = undefined;

    // Cold: a browser process started for this one look, so nothing of the database is in
    // Chromium's memory (the OS may still cache the files).
    const cold: Record<number, FirstPageResult[]> = { [SIZES[0]]: [], [SIZES[1]]: [] };
    for (let look = 0; look < LOOKS; look++) {
      for (const size of SIZES) {
        console.log(`first page, cold browser, ${fmt(size)} posts, look ${look + 1}/${LOOKS}`);
        browser = await Browser.launch();
        page = await browser.open(server.url);
        cold[size]!.push(await browser.call(page, 'firstPage', dbName(size)));
        await browser.close();
        browser = undefined;
      }
    }
    for (const size of SIZES) {
      for (const look of [...warm[size]!, ...cold[size]!]) {
        if (look.items !== 20) throw new Error(`first page of ${size} posts had ${look.items}`);
      }
    }

    console.log(`syncing ${fmt(SYNC_ENTRIES)} entries in Node (measureSync10k) ...`);
    const nodeSyncs: Sync10kResult[] = [];
    for (let round = 0; round < SYNC_ROUNDS; round++) {
      nodeSyncs.push(await within(measureSync10k(SYNC_ENTRIES), STEP_TIMEOUT_MS, 'measureSync10k'));
    }
    const nodeSync = medianByRatio(nodeSyncs);

    console.log('newcomer bytes in Node ...');
    const newcomer = await within(measureNewcomer(), STEP_TIMEOUT_MS, 'newcomer bytes');

    console.log('opening a key record of 1,000 members in Node ...');
    const keyRecord = await within(measureKeyRecordOpen(), STEP_TIMEOUT_MS, 'key record open');

    console.log(`ingesting ${fmt(INGEST_ENTRIES)} entries into the folder store in Node ...`);
    const fsIngest = await within(
      measureFsIngest(INGEST_ENTRIES, INGEST_AUTHORS, INGEST_BATCH),
      STEP_TIMEOUT_MS,
      'folder store ingest',
    );

    const ms10k = median(cold[SIZES[0]]!.map((l) => l.ms));
    const ms100k = median(cold[SIZES[1]]!.map((l) => l.ms));
    const h1k = newcomer[NEWCOMER_HISTORIES[0]]!.bytes;
    const h20k = newcomer[NEWCOMER_HISTORIES[1]]!.bytes;
    const results = {
      verifiedPerSec: Math.round(ingest.perSec),
      sync10k: { ms: nodeSync.ms, floorMs: nodeSync.floorMs, ratio: nodeSync.ratio },
      firstPage: { ms10k, ms100k, ratio: ms100k / ms10k },
      newcomerBytes: { h1k, h20k, ratio: h20k / h1k },
      keyRecordOpenMs: keyRecord.memberMs,
      materializedPerSec: Math.round(materialized.perSec),
      extra: {
        materialized,
        date: new Date().toISOString(),
        chromium: chromiumVersion,
        node: process.version,
        ingest,
        checkParts,
        sync10kRounds: nodeSyncs,
        sync10kInPage: { idb: pageSyncIdb, memory: pageSyncMemory },
        seeded,
        firstPageLooks: { cold, warm },
        firstPageWarm: {
          ms10k: median(warm[SIZES[0]]!.map((l) => l.ms)),
          ms100k: median(warm[SIZES[1]]!.map((l) => l.ms)),
        },
        newcomer: { latestEntries: NEWCOMER_LATEST, byHistory: newcomer },
        keyRecord,
        fsIngest,
      },
    };
    await mkdir(path.dirname(RESULTS), { recursive: true });
    await writeFile(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
    printTable(results);
    console.log(`\nwritten to ${path.relative(ROOT, RESULTS)}`);
  } finally {
    if (browser) await browser.close().catch((err: unknown) => console.error(String(err)));
    await server.close();
    await rm(PROFILE_DIR, { recursive: true, force: true });
    clearTimeout(deadline);
  }
}

/** The measured ingest's CPU time, all the browser's threads, and what it allows. */
interface IngestCpu {
  readonly totalMs: number;
  /** By process role and thread name, most first (`lib/chromium-cpu.ts`). */
  readonly threads: CpuSpent['threads'];
  /** Cores of this machine. */
  readonly cores: number;
  /**
   * Entries per second were that CPU time spread over every core without a pause: no ordering
   * of the same work on this machine does better.
   */
  readonly boundPerSec: number;
}

/**
 * `verifiedPerSec`, with the CPU time of every thread of the browser over its measured run: the
 * page, its checking workers, V8's helpers, IndexedDB's backend in the browser process.
 */
async function measureIngest(
  browser: Browser,
  page: Page,
): Promise<IngestResult & { readonly cpu: IngestCpu }> {
  console.log(`ingesting ${fmt(INGEST_ENTRIES)} entries into IndexedDB ...`);
  const marks = new Map<IngestMark, CpuSnapshot>();
  await page.exposeFunction('kithBenchIngestMark', (at: IngestMark) => {
    marks.set(
      at,
      chromiumCpu(() => 'chromium'),
    );
  });
  const ingest = await browser.call(page, 'ingest', INGEST_ENTRIES, INGEST_AUTHORS, INGEST_BATCH);
  const start = marks.get('start');
  const end = marks.get('end');
  if (!start || !end) throw new Error('the page did not mark its measured ingest run');
  const spent = cpuSpent(start, end);
  const cores = availableParallelism();
  const cpu: IngestCpu = {
    totalMs: spent.totalMs,
    threads: spent.threads,
    cores,
    boundPerSec: (ingest.entries / spent.totalMs) * cores * 1000,
  };
  console.log(
    `  ${fmt(ingest.perSec)} entries/s; CPU ${fmt(cpu.totalMs)} ms in ${fmt(ingest.ms)} ms ` +
      `(at most ${fmt(cpu.boundPerSec)} /s on ${cores} cores):`,
  );
  for (const t of cpu.threads) console.log(`    ${fmt(t.ms).padStart(6)} ms  ${t.thread}`);
  return { ...ingest, cpu };
}

/** `materializedPerSec`: stored public posts of friends turned into timeline rows, in the page. */
async function measureMaterialize(browser: Browser, page: Page): Promise<MaterializeResult> {
  console.log(`materializing ${fmt(MATERIALIZE_POSTS)} stored posts into the views ...`);
  const result = await browser.call(
    page,
    'materialize',
    MATERIALIZE_POSTS,
    MATERIALIZE_FRIENDS,
    MATERIALIZE_BATCH,
  );
  console.log(
    `  ${fmt(result.perSec)} posts/s; the rows written alone ` +
      `${fmt((result.posts / result.writeFloorMs) * 1000)} /s (x${fmt(result.vsWriteFloor, 2)})`,
  );
  return result;
}

function printTable(r: {
  verifiedPerSec: number;
  sync10k: Sync10kResult;
  firstPage: { ms10k: number; ms100k: number; ratio: number };
  newcomerBytes: { h1k: number; h20k: number; ratio: number };
  keyRecordOpenMs: number;
  materializedPerSec: number;
  extra: {
    chromium: string;
    keyRecord: KeyRecordOpenResult;
    ingest: IngestResult & { cpu: IngestCpu };
    checkParts: CheckPartsResult;
    materialized: MaterializeResult;
    fsIngest: FsIngestResult;
    sync10kInPage: { idb: Sync10kResult; memory: Sync10kResult };
    firstPageWarm: { ms10k: number; ms100k: number };
  };
}): void {
  const e = r.extra;
  const rows: [string, string][] = [
    [
      'verified + stored per second (Chromium, IndexedDB)',
      `${fmt(r.verifiedPerSec)} /s (verify alone ${fmt((e.ingest.entries / e.ingest.verifyOnlyMs) * 1000)} /s, ` +
        `store alone ${fmt((e.ingest.entries / e.ingest.storeOnlyMs) * 1000)} /s, ` +
        `${e.ingest.inFlight} batches in flight; one at a time ${fmt(e.ingest.sequentialPerSec)} /s; ` +
        `workers starting in the timed run ${fmt(e.ingest.coldStartPerSec)} /s; ` +
        `its CPU time allows at most ${fmt(e.ingest.cpu.boundPerSec)} /s on ${e.ingest.cpu.cores} cores)`,
    ],
    [
      'checking one entry on one thread, µs: decode / signatures / whole check',
      `${fmt(e.checkParts.decodeUs, 1)} / ${fmt(e.checkParts.signaturesUs, 1)} / ` +
        `${fmt(e.checkParts.checkUs, 1)} (to a worker and back, both halves of each clone: ` +
        `request ${fmt(e.checkParts.requestCloneUs, 1)}, reply ${fmt(e.checkParts.replyCloneUs, 1)})`,
    ],
    [
      'verified + stored per second (Node, folder store, fsync per batch)',
      `${fmt(e.fsIngest.ingestPerSec)} /s (store alone ${fmt(e.fsIngest.storeOnlyPerSec)} /s)`,
    ],
    [
      'posts materialized into timeline views per second (Chromium, IDB)',
      `${fmt(r.materializedPerSec)} /s (its rows written alone ` +
        `${fmt((e.materialized.posts / e.materialized.writeFloorMs) * 1000)} /s)`,
    ],
    [
      'sync 10k, Node, memory store: ms / floor / ratio',
      `${fmt(r.sync10k.ms)} / ${fmt(r.sync10k.floorMs)} / ${fmt(r.sync10k.ratio, 2)}`,
    ],
    [
      'sync 10k, Chromium, IndexedDB: ms / floor / ratio',
      `${fmt(e.sync10kInPage.idb.ms)} / ${fmt(e.sync10kInPage.idb.floorMs)} / ${fmt(e.sync10kInPage.idb.ratio, 2)}`,
    ],
    [
      'sync 10k, Chromium, memory store: ms / floor / ratio',
      `${fmt(e.sync10kInPage.memory.ms)} / ${fmt(e.sync10kInPage.memory.floorMs)} / ${fmt(e.sync10kInPage.memory.ratio, 2)}`,
    ],
    [
      'first page, cold browser: 10k / 100k posts / ratio',
      `${fmt(r.firstPage.ms10k, 1)} ms / ${fmt(r.firstPage.ms100k, 1)} ms / ${fmt(r.firstPage.ratio, 2)}`,
    ],
    [
      'first page, fresh page load: 10k / 100k posts / ratio',
      `${fmt(e.firstPageWarm.ms10k, 1)} ms / ${fmt(e.firstPageWarm.ms100k, 1)} ms / ${fmt(e.firstPageWarm.ms100k / e.firstPageWarm.ms10k, 2)}`,
    ],
    [
      'newcomer bytes: 1k / 20k history / ratio',
      `${fmt(r.newcomerBytes.h1k)} / ${fmt(r.newcomerBytes.h20k)} / ${fmt(r.newcomerBytes.ratio, 2)}`,
    ],
    [
      `key record of ${fmt(e.keyRecord.members)}: member / cold / non-member / v1 trial`,
      `${fmt(r.keyRecordOpenMs, 2)} / ${fmt(e.keyRecord.memberColdMs, 2)} / ${fmt(e.keyRecord.nonMemberMs, 2)} / ${fmt(e.keyRecord.v1TrialMs, 1)} ms`,
    ],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log(`\nKith core, Chromium ${e.chromium}, Node ${process.version}`);
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);
}

await main();
