/**
 * App benchmark (`npm run bench:app`; not part of CI). The built app (`vite build` into its own
 * `.tmp/dist-bench/`, so it never replaces a `dist/` someone else is testing) served by Kith's own
 * server on 127.0.0.1, driven in Debian's headless Chromium:
 *
 * 1. navigation to the first timeline page rendered, with the store holding 1,000 and 100,000
 *    posts (seeded through the core's API by `bench/app-seed.ts`; Node signs the next chunk
 *    while the page ingests the current one; the big store stops growing when its seeding budget
 *    runs out, and the figures say how many it holds, with where the seeding time went);
 * 2. a photo post end to end: Bob clicks Post on a 5 MB photo, until Alice's copy of it is
 *    decoded on her timeline (real WebRTC, so the run re-executes itself inside the e2e runner's
 *    private network namespace; without one this figure is skipped, never run on the real net);
 * 3. the gzipped JS of the initial load;
 * 4. `searchMs`: a query of the device's search index with the big store (`bench/app-search.ts`);
 * 5. `appSeed100kSeconds`: 100,000 posts, signed ahead in Node, ingested and materialized through
 *    the app's own path, in seconds of the page's time.
 *
 * Figures are printed and written to `bench/results/app.json`; nothing here judges them.
 *
 * `BENCH_APP_REUSE=1` skips the seeding: the Home figures (first page, longest task) are taken
 * again on the big profile a full run left in `.tmp/`, served from the port it was seeded on
 * (IndexedDB belongs to an origin), with its service worker dropped so the new build is the one
 * measured. Printed only; `app.json` keeps the full run's figures.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { startServer } from '../signaling/server.ts';
import { launchBrowser, launchPersistent } from '../tests/e2e/harness.ts';
import { friendItem, openFriends, openScreen } from '../tests/e2e/app-helpers.ts';
import { NETNS_ENV, netnsCommand, whyNoNetns } from '../tests/e2e/netns.ts';
import { initialJs, writeLargePng } from './app-assets.ts';
import {
  PostSigner,
  type SignedChunk,
  befriendAll,
  countTimeline,
  ingestChunk,
  seedAhead,
  type SeedAheadTimes,
  waitForTestHooks,
} from './app-seed.ts';
import { median } from './lib/measure.ts';
import { homeLongestTask, recordLongTasks, type HomeLongestTask } from './app-longtask.ts';
import { searchLatency, settleSearch, type SearchLatency } from './app-search.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const DIST = path.join(ROOT, '.tmp', 'dist-bench');
const TMP = path.join(ROOT, '.tmp');
const RESULTS = path.join(HERE, 'results', 'app.json');

const SMALL = 1_000;
const BIG = Number(process.env.BENCH_APP_BIG ?? 100_000);
/** Seeding of a store chunk by chunk stops after this long, whatever it holds by then. */
const SEED_BUDGET_MS = Number(process.env.BENCH_APP_SEED_MINUTES ?? 30) * 60_000;
const FRIENDS = 20;
/** Posts handed to the page at once. */
const CHUNK = 2_000;
const LOOKS = 5;
const PHOTO_BYTES = 5_000_000;
const WAIT = { timeout: 60_000 };

/** Records, in every page, when the first post row appears (ms since navigation start). */
function recordFirstPost(): void {
  localStorage.setItem('kith:test-hooks', '1');
  const scope = window as unknown as { kithFirstPostMs?: number };
  // Anonymous callbacks only: tsx names named ones through a helper the page lacks.
  const observer = new MutationObserver(() => {
    if (scope.kithFirstPostMs !== undefined) return;
    if (document.querySelector('article[aria-label^="Post by"]')) {
      scope.kithFirstPostMs = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, { childList: true, subtree: true });
}

/** One look: reload, then the in-page time of the first post row and the wall-clock time. */
async function look(page: Page): Promise<{ inPageMs: number; wallMs: number }> {
  const start = performance.now();
  await page.reload();
  await page.locator('article[aria-label^="Post by"]').first().waitFor(WAIT);
  const wallMs = performance.now() - start;
  const inPageMs = await page.evaluate(
    () => (window as unknown as { kithFirstPostMs?: number }).kithFirstPostMs ?? NaN,
  );
  return { inPageMs, wallMs };
}

async function onboardPage(page: Page, baseUrl: string, name: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Start' }).click();
  await page.getByRole('link', { name: 'Home' }).waitFor(WAIT);
}

/** Where the seeding time went (ms; the page's figures are measured in the page). */
interface SeedTimes {
  /** Node waiting for a chunk to be signed (the rest of the signing overlaps the page's work). */
  readonly signWaitMs: number;
  /** Each chunk's page round trip: transfer, ingest and materialization. */
  readonly pageMs: number;
  /** The page's `Ingestor` (verify, chain check, store), overlapping the materializer. */
  readonly ingestMs: number;
  /** The page waiting for the materializer after a chunk's last batch was ingested. */
  readonly settleMs: number;
  /** Posts seeded per second over the whole seeding. */
  readonly postsPerSecond: number;
}

interface FirstPage {
  readonly target: number;
  readonly posts: number;
  readonly seedMs: number;
  readonly seed: SeedTimes;
  /** The search index catching up after the seeding (ms, in the page). */
  readonly searchSettleMs: number;
  readonly coldMs: number;
  readonly looksMs: readonly number[];
  readonly wallMs: readonly number[];
  readonly medianMs: number;
}

/** The browser profile seeded with up to `target` posts. */
function profileDir(target: number): string {
  return path.join(TMP, `bench-app-profile-${target}`);
}

/** Where a seeded profile notes the server's port: its stores belong to that origin. */
function portFile(target: number): string {
  return path.join(profileDir(target), 'kith-bench-port');
}

/**
 * How a profile is seeded: chunk by chunk with Node signing the next chunk meanwhile (stopped at
 * the budget), or every post signed first (`seedAhead`), so the page's time is the app's own path
 * alone: `appSeed100kSeconds`, measured on the very profile the big figures then read (one
 * seeding of 100,000 posts instead of two keeps `npm run bench` within 20 minutes).
 */
type SeedMode = 'overlapped' | 'ahead';

/** Seeds a fresh profile with up to `target` posts, then times the first page. */
async function firstPage(
  baseUrl: string,
  target: number,
  budgetMs: number,
  mode: SeedMode = 'overlapped',
): Promise<FirstPage & { readonly ahead?: SeedAheadTimes }> {
  const profile = profileDir(target);
  await rm(profile, { recursive: true, force: true });
  const person = await launchPersistent(profile, { baseUrl });
  await writeFile(portFile(target), new URL(baseUrl).port);
  await person.context.addInitScript(recordFirstPost);
  await onboardPage(person.page, baseUrl, 'Alice');
  await waitForTestHooks(person.page);
  await openScreen(person.page, 'Settings');
  const signer = await PostSigner.create(FRIENDS);
  await befriendAll(person.page, signer.friends);
  const seedStart = performance.now();
  const times = { signWaitMs: 0, pageMs: 0, ingestMs: 0, settleMs: 0 };
  let seeded = 0;
  const ahead = mode === 'ahead' ? await seedAhead(person.page, signer, target, CHUNK) : undefined;
  if (ahead) {
    seeded = ahead.posts;
    Object.assign(times, {
      signWaitMs: ahead.signMs,
      pageMs: ahead.pageMs,
      ingestMs: ahead.ingestMs,
      settleMs: ahead.settleMs,
    });
  }
  let next: Promise<SignedChunk> | undefined = ahead
    ? undefined
    : signer.sign(Math.min(CHUNK, target));
  while (next && performance.now() - seedStart < budgetMs) {
    let start = performance.now();
    const chunk: SignedChunk = await next;
    times.signWaitMs += performance.now() - start;
    const after = seeded + chunk.posts.length;
    // Node signs the next chunk while the page works on this one.
    next = after < target ? signer.sign(Math.min(CHUNK, target - after)) : undefined;
    start = performance.now();
    const page = await ingestChunk(person.page, chunk);
    times.pageMs += performance.now() - start;
    times.ingestMs += page.ingestMs;
    times.settleMs += page.settleMs;
    seeded = after;
    if (seeded % 10_000 === 0) {
      const s = (performance.now() - seedStart) / 1000;
      console.log(`  seeded ${seeded} in ${s.toFixed(0)} s (${(seeded / s).toFixed(0)} posts/s)`);
    }
  }
  const seedMs = performance.now() - seedStart;
  // A chunk signed ahead when the budget ran out is dropped, never half ingested.
  await next;
  const posts = await countTimeline(person.page);
  if (posts !== seeded) throw new Error(`timeline holds ${posts} of ${seeded}`);
  // The search index follows the seeding (it waits for the views to stop, `search-indexer.ts`):
  // its catch-up is timed apart, before the browser closes.
  const searchSettleMs = await settleSearch(person.page);
  await openScreen(person.page, 'Home');
  await person.close();

  return {
    target,
    posts,
    seedMs,
    seed: { ...times, postsPerSecond: posts / (seedMs / 1000) },
    searchSettleMs,
    ...(await firstPageLooks(baseUrl, target)),
    ...(ahead ? { ahead } : {}),
  };
}

/** The first page of a seeded profile: one cold look, then {@link LOOKS} reloads. */
async function firstPageLooks(
  baseUrl: string,
  target: number,
): Promise<Pick<FirstPage, 'coldMs' | 'looksMs' | 'wallMs' | 'medianMs'>> {
  // Cold: a browser process started for this look.
  const coldStart = performance.now();
  const person = await launchPersistent(profileDir(target), { baseUrl });
  await person.context.addInitScript(recordFirstPost);
  await person.page.goto(`${baseUrl}/`);
  await person.page.locator('article[aria-label^="Post by"]').first().waitFor(WAIT);
  const coldMs = performance.now() - coldStart;
  const looks: { inPageMs: number; wallMs: number }[] = [];
  for (let i = 0; i < LOOKS; i++) looks.push(await look(person.page));
  await person.close();
  const looksMs = looks.map((l) => l.inPageMs);
  return { coldMs, looksMs, wallMs: looks.map((l) => l.wallMs), medianMs: median(looksMs) };
}

/** `BENCH_APP_REUSE=1`: the Home figures again on the big profile of an earlier full run. */
async function homeAgain(): Promise<void> {
  const port = Number(await readFile(portFile(BIG), 'utf8').catch(() => ''));
  if (!port)
    throw new Error(`no seeded profile with its port in ${profileDir(BIG)}: run bench:app`);
  // The service worker would answer with the build it cached when the profile was seeded.
  await rm(path.join(profileDir(BIG), 'Default', 'Service Worker'), {
    recursive: true,
    force: true,
  });
  const server = await startServer({ port, host: '127.0.0.1', staticDir: DIST });
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' / ')}`,
    );
    const home = await homeTasks(baseUrl);
    console.log(`longest task on Home: ${home.homeLongestTaskMs.toFixed(0)} ms`);
    for (const look of home.looks) console.log(`  ${JSON.stringify(look)}`);
    const first = await firstPageLooks(baseUrl, BIG);
    console.log(
      `first page: ${first.medianMs.toFixed(0)} ms (looks ${first.looksMs.map((ms) => ms.toFixed(0)).join(', ')}; cold ${first.coldMs.toFixed(0)} ms)`,
    );
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' / ')}`,
    );
  } finally {
    await server.close();
  }
}

/** `searchMs` with the big store, in a newly started browser. */
async function searchTimes(baseUrl: string, posts: number): Promise<SearchLatency> {
  const person = await launchPersistent(profileDir(BIG), { baseUrl });
  try {
    await person.context.addInitScript(recordFirstPost);
    await person.page.goto(`${baseUrl}/`);
    return await searchLatency(person.page, posts);
  } finally {
    await person.close();
  }
}

/** The longest task on Home with the big store (`bench/app-longtask.ts`). */
async function homeTasks(baseUrl: string): Promise<HomeLongestTask> {
  const person = await launchPersistent(profileDir(BIG), { baseUrl });
  try {
    await person.context.addInitScript(recordLongTasks);
    await person.page.goto(`${baseUrl}/`);
    return await homeLongestTask(person.page, LOOKS);
  } finally {
    await person.close();
  }
}

/**
 * Waits until the Friends screen of `page` shows `name` connected (or syncing). The e2e helpers'
 * `befriendExisting` polls with vitest's `expect`, which needs a running test; this bench is a
 * plain script, so it waits through Playwright alone.
 */
async function waitConnected(page: Page, name: string): Promise<void> {
  await openFriends(page);
  await friendItem(page, name)
    .filter({ hasText: /connected|syncing/ })
    .waitFor({ timeout: 120_000 });
}

/** `inviter` invites `invitee` (both onboarded); returns once each sees the other connected. */
async function befriend(inviter: Page, inviterName: string, invitee: Page, inviteeName: string) {
  await openFriends(inviter);
  await inviter.getByRole('button', { name: 'Create invite link' }).click();
  const box = inviter.getByRole('textbox', { name: 'Invite link' });
  await box.waitFor(WAIT);
  await invitee.goto(await box.inputValue());
  await invitee.getByRole('button', { name: 'Accept invite' }).click();
  await waitConnected(invitee, inviterName);
  await waitConnected(inviter, inviteeName);
}

interface PhotoResult {
  readonly photoBytes: number;
  readonly runs: readonly number[];
  readonly medianMs: number;
}

/** Bob posts a 5 MB photo; until Alice's copy is decoded on her timeline. */
async function photoEndToEnd(baseUrl: string, runs: number): Promise<PhotoResult> {
  const file = path.join(TMP, 'bench-app-photo.png');
  const photoBytes = await writeLargePng(file, 4000, 3000, PHOTO_BYTES);
  const browser = await launchBrowser();
  try {
    const pages: Page[] = [];
    for (const name of ['Alice', 'Bob']) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await onboardPage(page, baseUrl, name);
      pages.push(page);
    }
    const [alice, bob] = pages as [Page, Page];
    await befriend(alice, 'Alice', bob, 'Bob');
    await openScreen(alice, 'Home');
    const times: number[] = [];
    for (let run = 1; run <= runs; run++) {
      await openScreen(bob, 'Home');
      await bob.getByLabel('Add photos').setInputFiles([file]);
      await bob.getByRole('img', { name: 'Photo 1 to post' }).waitFor(WAIT);
      const text = `Photo run ${run}`;
      await bob.getByLabel("What's on your mind?").fill(text);
      const start = performance.now();
      await bob.getByRole('button', { name: 'Post', exact: true }).click();
      await alice.waitForFunction(
        (wanted) =>
          [...document.querySelectorAll('article')].some(
            (a) =>
              a.textContent?.includes(wanted) &&
              [...a.querySelectorAll('img')].some((img) => img.complete && img.naturalWidth > 0),
          ),
        text,
        { timeout: 120_000, polling: 20 },
      );
      times.push(performance.now() - start);
    }
    return { photoBytes, runs: times, medianMs: median(times) };
  } finally {
    await browser.close();
  }
}

function reexecInNetns(): number | undefined {
  if (process.env[NETNS_ENV] === '1') return undefined;
  const why = whyNoNetns();
  if (why !== undefined) {
    console.warn(`bench:app: no private network namespace (${why}); the photo figure is skipped`);
    return undefined;
  }
  const [command, args] = netnsCommand(process.execPath, [
    ...process.execArgv,
    fileURLToPath(import.meta.url),
  ]);
  return spawnSync(command, args, { stdio: 'inherit' }).status ?? 1;
}

async function main(): Promise<void> {
  await mkdir(TMP, { recursive: true });
  console.log('bench:app: building the app (vite build)');
  await build({ root: ROOT, logLevel: 'warn', build: { outDir: DIST, emptyOutDir: true } });
  const js = await initialJs(DIST);
  console.log(`initial JS: ${js.files.length} file(s), ${js.gzipBytes} bytes gzipped`);
  if (process.env.BENCH_APP_REUSE === '1') return homeAgain();

  const server = await startServer({ port: 0, host: '127.0.0.1', staticDir: DIST });
  const baseUrl = `http://127.0.0.1:${server.port}`;
  // The machine is shared: its load during the run belongs with the figures.
  const loads = [loadavg()[0]!];
  const sampler = setInterval(() => loads.push(loadavg()[0]!), 30_000);
  try {
    const small = await firstPage(baseUrl, SMALL, SEED_BUDGET_MS);
    console.log(`first page, ${small.posts} posts: ${small.medianMs.toFixed(0)} ms`);
    console.log(`seeding ${BIG} posts signed ahead through the app ...`);
    const big = await firstPage(baseUrl, BIG, SEED_BUDGET_MS, 'ahead');
    const seeded = big.ahead!;
    console.log(
      `  ${(seeded.pageMs / 1000).toFixed(1)} s of page time (ingest ${(seeded.ingestMs / 1000).toFixed(1)} s, ` +
        `waiting for the views ${(seeded.settleMs / 1000).toFixed(1)} s; signing first ${(seeded.signMs / 1000).toFixed(1)} s)`,
    );
    console.log(`  then the search index caught up in ${(big.searchSettleMs / 1000).toFixed(1)} s`);
    console.log(`first page, ${big.posts} posts: ${big.medianMs.toFixed(0)} ms`);
    const home = await homeTasks(baseUrl);
    console.log(
      `longest task on Home, ${big.posts} posts: ${home.homeLongestTaskMs.toFixed(0)} ms`,
    );
    const search = await searchTimes(baseUrl, big.posts);
    console.log(`search, ${big.posts} posts: ${search.medianMs.toFixed(0)} ms (median of 20)`);
    // Written now and again after the photo: a failed photo never costs the seeded figures.
    await writeResults(small, big, js, null, loads, seeded, home, search);
    const photo = process.env[NETNS_ENV] === '1' ? await photoEndToEnd(baseUrl, 3) : null;
    if (photo)
      console.log(`photo end to end (${photo.photoBytes} B): ${photo.medianMs.toFixed(0)} ms`);
    await writeResults(small, big, js, photo, loads, seeded, home, search);
  } finally {
    clearInterval(sampler);
    await server.close();
  }
}

/** Writes the figures to `bench/results/app.json`. */
async function writeResults(
  small: FirstPage,
  big: FirstPage,
  js: Awaited<ReturnType<typeof initialJs>>,
  photo: PhotoResult | null,
  loads: readonly number[],
  seeded: SeedAheadTimes,
  home: HomeLongestTask,
  search: SearchLatency,
): Promise<void> {
  const result = {
    appSeed100kSeconds: seeded.pageMs / 1000,
    firstPageMs1k: Math.round(small.medianMs),
    firstPageMs100k: Math.round(big.medianMs),
    photoEndToEndMs: photo ? Math.round(photo.medianMs) : null,
    initialJsGzipBytes: js.gzipBytes,
    homeLongestTaskMs: Math.round(home.homeLongestTaskMs),
    searchMs: Math.round(search.medianMs),
    extra: {
      date: new Date().toISOString(),
      bigStorePosts: big.posts,
      bigStoreNote:
        big.posts < BIG
          ? `seeding stopped after ${Math.round(SEED_BUDGET_MS / 60_000)} min at ${big.posts} posts: firstPageMs100k is measured on ${big.posts} posts, not ${BIG}`
          : `${BIG} posts`,
      friends: FRIENDS,
      firstPage: [small, big],
      firstPageMethod:
        'median of in-page performance.now() when the first post row appears, over reloads of a running browser; coldMs is goto to first row visible in a newly started browser',
      seedAhead: seeded,
      search: {
        posts: big.posts,
        method:
          'median of 20 in-page DeviceSearch.search calls (limits 5/10/10) after the index settled, in a newly started browser',
        ...search,
      },
      photo,
      homeLongestTask: {
        posts: big.posts,
        method:
          'median over reloads of the longest PerformanceObserver longtask from navigation until 2 s after the 20th post row appears (0: no task of 50 ms or more)',
        looks: home.looks,
      },
      initialJs: js.files,
      machine: '2 cores shared with other work',
      loadAverage1m: {
        samples: loads.length,
        min: Math.min(...loads),
        median: median(loads),
        max: Math.max(...loads),
      },
    },
  };
  await writeFile(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`written to ${path.relative(ROOT, RESULTS)}`);
}

// The reused profile's figures need no network namespace (no photo).
const code = process.env.BENCH_APP_REUSE === '1' ? undefined : reexecInNetns();
if (code !== undefined) process.exitCode = code;
else await main();
