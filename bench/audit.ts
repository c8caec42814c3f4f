/**
 * Lighthouse audit of the built app (`npm run audit`; not part of CI). Lighthouse 12.2.3, pinned:
 * 12 has no PWA category any more and 13 needs Node 22; installability is checked by the e2e
 * tests through CDP instead (`tests/e2e/pwa-install.e2e.ts`).
 *
 * The app is built with Vite's JS API into `.tmp/audit-dist/`, served by Kith's own server on
 * 127.0.0.1, and audited in Debian's headless Chromium (or `KITH_CHROMIUM`) for performance,
 * accessibility and best practices, with Lighthouse's default mobile settings and again with its
 * desktop config, on two screens:
 *
 * - **onboarding**: a fresh profile opening `/` (Lighthouse's default storage reset applies);
 * - **home**: the Home timeline of a profile that onboarded and posted a few posts (one with a
 *   photo). playwright-core prepares that profile in a persistent user-data-dir and closes; a
 *   plain Chromium is then started on the same `--user-data-dir` with a remote debugging port
 *   for Lighthouse alone (no Playwright attached while it measures), and Lighthouse runs with
 *   `disableStorageReset`, since a reset would wipe the identity and show onboarding again. So
 *   this is a returning visit: service worker, its cache and IndexedDB in place.
 *
 * Each onboarding run gets a new, empty profile. The browser Lighthouse used is checked (over CDP,
 * before the Home runs and after each onboarding run) to show that screen at that URL, so a
 * report of the wrong screen is never recorded. Each screen and form factor is audited `RUNS`
 * times (`AUDIT_RUNS`, default 3) and the run with the median performance score is summarized,
 * every run's scores kept. The run re-executes itself inside the e2e runner's private network
 * namespace when one can be made, so nothing can leave the machine; without one, every request
 * still goes to 127.0.0.1. Scores, key metrics and failing audits are printed and written to
 * `bench/results/audit.json`; each full Lighthouse report goes to `.tmp/audit-lhr-*.json`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import lighthouse, { desktopConfig, type Flags, type Result } from 'lighthouse';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { startServer } from '../signaling/server.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH, launchPersistent } from '../tests/e2e/harness.ts';
import { WAIT, onboard, openHome, post } from '../tests/e2e/app-helpers.ts';
import { NETNS_ENV, netnsCommand, whyNoNetns } from '../tests/e2e/netns.ts';
import { writeLargePng } from './app-assets.ts';
import { within } from './lib/measure.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const TMP = path.join(ROOT, '.tmp');
const DIST = path.join(TMP, 'audit-dist');
const RESULTS = path.join(HERE, 'results', 'audit.json');
/** Every profile of a run, made anew each run. */
const PROFILES = path.join(TMP, 'audit-profiles');

const CATEGORIES = ['performance', 'accessibility', 'best-practices'] as const;
const POSTS = 5;
/** Lighthouse runs per screen and form factor; the run with the median performance score is kept. */
const RUNS = Number(process.env.AUDIT_RUNS ?? 3);
/** Bound on one Lighthouse run: a loaded 2-core machine makes each take a minute or more. */
const RUN_BOUND_MS = 5 * 60_000;
/** Bound on Chromium starting or stopping. */
const BROWSER_BOUND_MS = 30_000;
/** Details kept per failing audit (elements or URLs), enough to find the culprit. */
const ITEMS_KEPT = 8;

type Screen = 'onboarding' | 'home';
type FormFactor = 'mobile' | 'desktop';

/** One failing audit of a category, with the elements (or resources) it names. */
interface Failing {
  readonly category: string;
  readonly id: string;
  readonly title: string;
  readonly score: number | null;
  readonly items: readonly string[];
}

/** What is kept of one Lighthouse run. */
interface AuditRun {
  readonly screen: Screen;
  readonly formFactor: FormFactor;
  readonly url: string;
  /** 0-100, or null when Lighthouse could not score the category. */
  readonly scores: Record<(typeof CATEGORIES)[number], number | null>;
  readonly metrics: {
    readonly fcpMs: number | null;
    readonly lcpMs: number | null;
    readonly tbtMs: number | null;
    readonly cls: number | null;
    readonly speedIndexMs: number | null;
    readonly totalByteWeight: number | null;
  };
  readonly failing: readonly Failing[];
  /** Audits Lighthouse could not compute in this run, with its reason. */
  readonly errored: readonly { readonly id: string; readonly message: string }[];
  readonly benchmarkIndex: number;
  readonly runWarnings: readonly string[];
}

/** A Chromium started by this script with a remote debugging port, on a given profile. */
interface DebuggableChromium {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts Chromium on `userDataDir` and reads its debugging port from what it prints. */
async function startChromium(userDataDir: string): Promise<DebuggableChromium> {
  const child: ChildProcess = spawn(
    CHROMIUM_PATH,
    [
      ...CHROMIUM_ARGS,
      `--user-data-dir=${userDataDir}`,
      '--remote-debugging-port=0',
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await within(exited, BROWSER_BOUND_MS, 'Chromium stopping').catch(async () => {
      child.kill('SIGKILL');
      await exited;
    });
  };
  try {
    const port = await within(
      new Promise<number>((resolve, reject) => {
        let seen = '';
        child.stderr?.on('data', (data: Buffer) => {
          seen += String(data);
          const match = /DevTools listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(seen);
          if (match) resolve(Number(match[1]));
        });
        child.once('error', reject);
        child.once('exit', (code) => reject(new Error(`Chromium exited (${code}): ${seen}`)));
      }),
      BROWSER_BOUND_MS,
      'Chromium printing its debugging port',
    );
    // Keep draining stderr so Chromium never blocks on a full pipe.
    child.stderr?.resume();
    return { port, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Checks, through CDP on the browser Lighthouse will use, that `url` shows `screen`; fails
 * otherwise, so a report of the wrong screen is never recorded. The check's tab is closed.
 */
async function checkScreen(port: number, url: string, screen: Screen): Promise<void> {
  const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
  try {
    const context = browser.contexts()[0];
    if (!context) throw new Error('the debugged Chromium has no default context');
    const page = await context.newPage();
    try {
      await page.goto(url);
      if (screen === 'onboarding') await page.getByLabel('Your name').waitFor(WAIT);
      else
        await page
          .getByRole('article')
          .nth(POSTS - 1)
          .waitFor(WAIT);
    } finally {
      await page.close();
    }
  } finally {
    // A browser reached through connectOverCDP is only disconnected, not closed.
    await browser.close();
  }
}

/** Makes the Home profile: onboards, posts `POSTS` posts (the first with a photo), closes. */
async function prepareHomeProfile(profile: string, baseUrl: string): Promise<void> {
  const photo = path.join(TMP, 'audit-photo.png');
  await writeLargePng(photo, 1600, 1200, 400_000);
  const person = await launchPersistent(profile, { baseUrl });
  try {
    await person.goto('/');
    await onboard(person.page, 'Ada');
    await openHome(person.page);
    for (let i = 1; i <= POSTS; i++) {
      const text = `Audit post ${i}: a walk by the river, and the light on the water.`;
      await post(person.page, text, i === 1 ? [photo] : []);
    }
  } finally {
    // Fails on any CSP violation or uncaught error the page showed meanwhile.
    await person.close();
  }
}

function score(lhr: Result, id: string): number | null {
  const value = lhr.categories[id]?.score;
  return value === null || value === undefined ? null : Math.round(value * 100);
}

function numeric(lhr: Result, id: string): number | null {
  const value = lhr.audits[id]?.numericValue;
  return value === undefined ? null : value;
}

/** One line per element or resource an audit names: selector, snippet or URL. */
function describeItems(details: unknown): string[] {
  if (typeof details !== 'object' || details === null || !('items' in details)) return [];
  const items = (details as { items: unknown }).items;
  if (!Array.isArray(items)) return [];
  return items.slice(0, ITEMS_KEPT).map((item: Record<string, unknown>) => {
    const node = item.node as { selector?: string; snippet?: string } | undefined;
    if (node) return `${node.selector ?? '?'} ${node.snippet ?? ''}`.trim();
    const parts = [item.url, item.source, item.description, item.label]
      .map((part) =>
        typeof part === 'object' && part !== null && 'url' in part
          ? (part as { url: unknown }).url
          : part,
      )
      .filter((part) => typeof part === 'string' && part !== '');
    return parts.join(' — ') || JSON.stringify(item).slice(0, 200);
  });
}

/** Audits of the accessibility and best-practices categories that did not pass. */
function failingAudits(lhr: Result): Failing[] {
  const failing: Failing[] = [];
  for (const category of ['accessibility', 'best-practices']) {
    for (const ref of lhr.categories[category]?.auditRefs ?? []) {
      const audit = lhr.audits[ref.id];
      if (!audit || audit.score === null || audit.score >= 1) continue;
      if (['notApplicable', 'manual', 'informative'].includes(audit.scoreDisplayMode)) continue;
      failing.push({
        category,
        id: audit.id,
        title: audit.title,
        score: audit.score,
        items: describeItems(audit.details),
      });
    }
  }
  return failing;
}

/** Runs Lighthouse once against `url` in the browser on `port`. */
async function audit(
  port: number,
  url: string,
  screen: Screen,
  formFactor: FormFactor,
  index: number,
): Promise<AuditRun> {
  const flags: Flags = {
    port,
    output: 'json',
    logLevel: 'error',
    onlyCategories: [...CATEGORIES],
    // The Home profile's identity and posts live in its storage: a reset shows onboarding.
    disableStorageReset: screen === 'home',
  };
  const result = await within(
    lighthouse(url, flags, formFactor === 'desktop' ? desktopConfig : undefined),
    RUN_BOUND_MS,
    `Lighthouse on ${screen} (${formFactor})`,
  );
  if (!result) throw new Error(`Lighthouse on ${screen} (${formFactor}) returned nothing`);
  const lhr = result.lhr;
  if (lhr.runtimeError) {
    throw new Error(`Lighthouse on ${screen} (${formFactor}): ${lhr.runtimeError.message}`);
  }
  const report = Array.isArray(result.report) ? result.report.join('\n') : result.report;
  await writeFile(path.join(TMP, `audit-lhr-${screen}-${formFactor}-${index}.json`), report);
  return {
    screen,
    formFactor,
    url,
    scores: {
      performance: score(lhr, 'performance'),
      accessibility: score(lhr, 'accessibility'),
      'best-practices': score(lhr, 'best-practices'),
    },
    metrics: {
      fcpMs: numeric(lhr, 'first-contentful-paint'),
      lcpMs: numeric(lhr, 'largest-contentful-paint'),
      tbtMs: numeric(lhr, 'total-blocking-time'),
      cls: numeric(lhr, 'cumulative-layout-shift'),
      speedIndexMs: numeric(lhr, 'speed-index'),
      totalByteWeight: numeric(lhr, 'total-byte-weight'),
    },
    failing: failingAudits(lhr),
    errored: Object.values(lhr.audits)
      .filter((audit) => audit.scoreDisplayMode === 'error')
      .map((audit) => ({ id: audit.id, message: audit.errorMessage ?? '' })),
    benchmarkIndex: lhr.environment.benchmarkIndex,
    runWarnings: lhr.runWarnings,
  };
}

const FORM_FACTORS = ['mobile', 'desktop'] as const;

/**
 * Audits the onboarding screen: each run in a Chromium started on a new, empty profile, so no
 * earlier visit leaves data behind (Lighthouse warns about stored IndexedDB otherwise). The
 * screen is checked after the run, in the same browser: with no identity stored, `/` onboards.
 */
async function auditOnboarding(url: string): Promise<AuditRun[]> {
  const runs: AuditRun[] = [];
  for (const formFactor of FORM_FACTORS) {
    for (let index = 1; index <= RUNS; index++) {
      console.log(`audit: onboarding, ${formFactor}, run ${index} of ${RUNS}`);
      // One directory per run: Chromium's helpers may still be writing into the last one.
      const profile = path.join(PROFILES, `onboarding-${formFactor}-${index}`);
      const browser = await startChromium(profile);
      try {
        runs.push(await audit(browser.port, url, 'onboarding', formFactor, index));
        await checkScreen(browser.port, url, 'onboarding');
      } finally {
        await browser.close();
      }
    }
  }
  return runs;
}

/** Audits the Home timeline of the prepared `profile`, checked to show it before the runs. */
async function auditHome(profile: string, url: string): Promise<AuditRun[]> {
  const browser = await startChromium(profile);
  try {
    await checkScreen(browser.port, url, 'home');
    const runs: AuditRun[] = [];
    for (const formFactor of FORM_FACTORS) {
      for (let index = 1; index <= RUNS; index++) {
        console.log(`audit: home, ${formFactor}, run ${index} of ${RUNS}`);
        runs.push(await audit(browser.port, url, 'home', formFactor, index));
      }
    }
    return runs;
  } finally {
    await browser.close();
  }
}

/** Per screen and form factor, the run with the median performance score, and every score. */
interface Summary {
  readonly screen: Screen;
  readonly formFactor: FormFactor;
  readonly performanceScores: readonly (number | null)[];
  readonly median: AuditRun;
}

function summarize(runs: readonly AuditRun[]): Summary[] {
  const summaries: Summary[] = [];
  for (const screen of ['onboarding', 'home'] as const) {
    for (const formFactor of FORM_FACTORS) {
      const group = runs.filter((run) => run.screen === screen && run.formFactor === formFactor);
      const sorted = [...group].sort(
        (a, b) => (a.scores.performance ?? -1) - (b.scores.performance ?? -1),
      );
      const median = sorted[Math.floor((sorted.length - 1) / 2)];
      if (!median) continue;
      summaries.push({
        screen,
        formFactor,
        performanceScores: group.map((run) => run.scores.performance),
        median,
      });
    }
  }
  return summaries;
}

function ms(value: number | null): string {
  return value === null ? '-' : `${Math.round(value)} ms`;
}

function printSummary(summaries: readonly Summary[]): void {
  console.table(
    summaries.map(({ screen, formFactor, performanceScores, median }) => ({
      screen: `${screen} (${formFactor})`,
      perf: median.scores.performance ?? '-',
      'perf, all runs': performanceScores.join(' '),
      a11y: median.scores.accessibility ?? '-',
      'best pr.': median.scores['best-practices'] ?? '-',
      FCP: ms(median.metrics.fcpMs),
      LCP: ms(median.metrics.lcpMs),
      TBT: ms(median.metrics.tbtMs),
      CLS: median.metrics.cls === null ? '-' : median.metrics.cls.toFixed(3),
      bytes: median.metrics.totalByteWeight ?? '-',
    })),
  );
  const seen = new Set<string>();
  const once = (line: string): void => {
    if (seen.has(line)) return;
    seen.add(line);
    console.log(line);
  };
  for (const { screen, formFactor, median } of summaries) {
    const where = `${screen} (${formFactor})`;
    for (const failing of median.failing) {
      console.log(`failing on ${where}: ${failing.id}: ${failing.title}`);
      for (const item of failing.items) console.log(`    ${item}`);
    }
    for (const warning of median.runWarnings) once(`warning on ${where}: ${warning}`);
    for (const { id, message } of median.errored) once(`not computed: ${id}: ${message}`);
  }
}

function reexecInNetns(): number | undefined {
  if (process.env[NETNS_ENV] === '1') return undefined;
  const why = whyNoNetns();
  if (why !== undefined) {
    console.warn(`audit: no private network namespace (${why}); running on 127.0.0.1 only`);
    return undefined;
  }
  const [command, args] = netnsCommand(process.execPath, [
    ...process.execArgv,
    fileURLToPath(import.meta.url),
  ]);
  return spawnSync(command, args, { stdio: 'inherit' }).status ?? 1;
}

/** The commit built, and whether the working tree differed from it (the build includes that). */
function sourceVersion(): { commit: string; uncommittedChanges: boolean } {
  const git = (args: string[]): string =>
    spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  return {
    commit: git(['rev-parse', '--short', 'HEAD']),
    uncommittedChanges: git(['status', '--porcelain', '--untracked-files=no']) !== '',
  };
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: apt-get install -y chromium, or set KITH_CHROMIUM`,
    );
  }
  await mkdir(TMP, { recursive: true });
  const loadBefore = os.loadavg();
  console.log('audit: building the app (vite build into .tmp/audit-dist)');
  const source = sourceVersion();
  await rm(PROFILES, { recursive: true, force: true, maxRetries: 5 });
  await build({ root: ROOT, logLevel: 'warn', build: { outDir: DIST, emptyOutDir: true } });
  const server = await startServer({ port: 0, host: '127.0.0.1', staticDir: DIST });
  const baseUrl = `http://127.0.0.1:${server.port}`;
  const url = `${baseUrl}/`;
  try {
    const runs = await auditOnboarding(url);
    console.log('audit: preparing the Home profile (onboarding and posts, with playwright-core)');
    const home = path.join(PROFILES, 'home');
    await prepareHomeProfile(home, baseUrl);
    runs.push(...(await auditHome(home, url)));
    const summaries = summarize(runs);
    printSummary(summaries);
    const result = {
      date: new Date().toISOString(),
      source,
      lighthouse: '12.2.3',
      chromium: CHROMIUM_PATH,
      inNetns: process.env[NETNS_ENV] === '1',
      machine: {
        cpus: os.cpus().length,
        loadAverageBefore: loadBefore.map((load) => Number(load.toFixed(2))),
        loadAverageAfter: os.loadavg().map((load) => Number(load.toFixed(2))),
        note: '2 cores shared with other engineers building and testing',
      },
      method:
        'Lighthouse Node API, default throttling (mobile: simulated, 4x CPU; desktop: desktopConfig); ' +
        'onboarding on a new empty profile per run; home on a prepared profile with disableStorageReset; ' +
        `${RUNS} runs each, the run with the median performance score summarized`,
      summary: summaries.map(({ screen, formFactor, performanceScores, median }) => ({
        screen,
        formFactor,
        performanceScores,
        medianRun: median,
      })),
      runs,
    };
    await writeFile(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`written to ${path.relative(ROOT, RESULTS)}`);
  } finally {
    await server.close();
  }
}

const code = reexecInNetns();
if (code !== undefined) process.exitCode = code;
else await main();
