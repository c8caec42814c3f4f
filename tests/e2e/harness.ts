/**
 * The end-to-end harness: the real signaling server on an ephemeral port of 127.0.0.1, one Debian
 * Chromium per test file (through playwright-core), and one isolated browser context per person.
 *
 * Every page is watched: an init script records each `securitypolicyviolation` event and reports
 * it at once through a binding, and uncaught page errors are caught too. Either fails the test:
 * immediately in any `person.evaluate` that is waiting, and in any case when the person is closed
 * (after each test). Console errors are collected and shown beside a failure.
 *
 * Usage, in a `*.e2e.ts` file:
 *
 *   describe('Alice and Bob ...', () => {
 *     const e2e = setupE2e({ site: 'fixtures' });
 *     it('...', async () => {
 *       const alice = await e2e.person('alice');
 *       await alice.goto('/webrtc.html');
 *     });
 *   });
 *
 * WebRTC files wrap their suite in `requireNetns()` instead of `describe`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, inject } from 'vitest';
import { startServer } from '../../signaling/server.ts';
import type { RunningServer } from '../../signaling/server.ts';
import { APP_DIST_DIR } from './paths.ts';

/** The Chromium the tests drive: Debian's package, or `KITH_CHROMIUM`. */
export const CHROMIUM_PATH = process.env.KITH_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Launch flags that work here (design section 8). Without the last one Chromium hides its host
 * address behind an mDNS name; with it, it offers the namespace's veth address itself.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

/** Bound for starting the server and the browser, and for tearing them down. */
const SETUP_TIMEOUT_MS = 60_000;

/** True when this process runs inside the private network namespace the e2e runner made. */
export const inNetns = process.env.KITH_IN_NETNS === '1';

/** True under CI, where a skipped WebRTC file counts as a failure. */
export const underCi = process.env.CI === 'true' || process.env.CI === '1';

/**
 * For files that use WebRTC: returns `describe` when inside the runner's network namespace.
 * Elsewhere WebRTC would have to use the machine's real network, so the suite is skipped with a
 * warning saying why, except under CI, where that throws and so fails the file.
 */
export function requireNetns(): (name: string, body: () => void) => void {
  if (inNetns) return describe;
  const why =
    'WebRTC e2e tests run only inside a private network namespace (KITH_IN_NETNS=1), never over ' +
    "the machine's real network, and this process is not inside one. Run them with " +
    '`npm run test:e2e` (or `npx tsx tests/e2e/run.ts FILE`) as root or where unprivileged user ' +
    'namespaces are allowed.';
  if (underCi) throw new Error(`${why} Under CI=true a skipped WebRTC test is a failure.`);
  console.warn(`skipping WebRTC e2e tests: ${why}`);
  return describe.skip;
}

/** Something a page did that fails its test. */
export type PageProblem =
  | {
      readonly kind: 'csp-violation';
      readonly person: string;
      readonly documentURI: string;
      readonly directive: string;
      readonly blockedURI: string;
      readonly sample: string;
      readonly source: string;
    }
  | {
      readonly kind: 'page-error';
      readonly person: string;
      readonly url: string;
      readonly message: string;
    };

/** Thrown when pages showed problems; `problems` says which. */
export class PageProblemError extends Error {
  constructor(
    readonly problems: readonly PageProblem[],
    readonly consoleErrors: readonly string[] = [],
  ) {
    const lines = problems.map(describeProblem);
    if (consoleErrors.length > 0) lines.push('console errors:', ...consoleErrors);
    super(`pages showed ${problems.length} problem(s):\n  ${lines.join('\n  ')}`);
    this.name = 'PageProblemError';
  }
}

function describeProblem(problem: PageProblem): string {
  if (problem.kind === 'page-error') {
    return `${problem.person}: uncaught error at ${problem.url}: ${problem.message}`;
  }
  return (
    `${problem.person}: Content-Security-Policy violation of ${problem.directive} at ` +
    `${problem.documentURI} (blocked ${problem.blockedURI || 'inline'}` +
    `${problem.sample ? `: ${problem.sample}` : ''}; source ${problem.source})`
  );
}

/** One person: an isolated browser context (its own storage) with one page. */
export interface Person {
  readonly name: string;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console messages of type error seen so far, oldest first. */
  readonly consoleErrors: readonly string[];
  /** Opens `url` (absolute, or a path on the server) and checks the response is not an error. */
  goto(url: string): Promise<void>;
  /**
   * Runs `fn` in the page. Fails at once, instead of waiting on, if any page of this person
   * shows a problem meanwhile (or showed one before).
   */
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  /** Returns and forgets the problems seen so far, for tests that provoke them on purpose. */
  takeProblems(): Promise<PageProblem[]>;
  /** Closes the person's browser context; throws `PageProblemError` if pages showed problems. */
  close(): Promise<void>;
}

/** What the recording init script sees of a violation. */
interface RecordedViolation {
  readonly documentURI: string;
  readonly directive: string;
  readonly blockedURI: string;
  readonly sample: string;
  readonly source: string;
}

const RECORD_KEY = '__kithE2eCspViolations';
const REPORT_BINDING = '__kithE2eReportCspViolation';

/**
 * Runs in every frame before the page's own scripts (added through CDP, so the page's CSP does
 * not apply to it). Serialized by playwright: it may use nothing from this module.
 */
function recordCspViolations(keys: { record: string; report: string }): void {
  const recorded: unknown[] = [];
  const scope = window as unknown as Record<string, unknown>;
  Object.defineProperty(scope, keys.record, { value: recorded });
  window.addEventListener(
    'securitypolicyviolation',
    (event) => {
      const violation = {
        documentURI: event.documentURI,
        directive: event.effectiveDirective,
        blockedURI: event.blockedURI,
        sample: event.sample,
        source: `${event.sourceFile}:${event.lineNumber}:${event.columnNumber}`,
      };
      recorded.push(violation);
      const report = scope[keys.report];
      if (typeof report === 'function') void report(violation);
    },
    true,
  );
}

/** Warnings and errors each page logged last, for a failure's story (`explained`). */
const recentByPage = new WeakMap<Page, string[]>();
const RECENT_LINES = 30;

function keepRecent(page: Page, line: string): void {
  const lines = recentByPage.get(page) ?? [];
  lines.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
  if (lines.length > RECENT_LINES) lines.shift();
  recentByPage.set(page, lines);
}

/** The last warnings and errors `page` logged (at most 30), oldest first. */
export function recentConsole(page: Page): readonly string[] {
  return recentByPage.get(page) ?? [];
}

/** Watches one context's pages for problems. */
class ContextWatch {
  readonly problems: PageProblem[] = [];
  readonly consoleErrors: string[] = [];
  readonly #reported = new Set<string>();
  readonly #listeners = new Set<(problem: PageProblem) => void>();

  constructor(
    readonly person: string,
    readonly context: BrowserContext,
  ) {}

  async attach(): Promise<void> {
    await this.context.exposeBinding(REPORT_BINDING, (_source, violation: RecordedViolation) => {
      this.#addViolation(violation);
    });
    await this.context.addInitScript(recordCspViolations, {
      record: RECORD_KEY,
      report: REPORT_BINDING,
    });
    this.context.on('page', (page) => this.#watchPage(page));
    for (const page of this.context.pages()) this.#watchPage(page);
  }

  /** Calls `listener` on each new problem; the returned function stops that. */
  onProblem(listener: (problem: PageProblem) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Reads every open page's record too, in case a report did not arrive through the binding. */
  async collect(): Promise<void> {
    for (const page of this.context.pages()) {
      for (const frame of page.frames()) {
        const recorded = await frame
          .evaluate((key) => {
            const value = (window as unknown as Record<string, unknown>)[key];
            return Array.isArray(value) ? (value as RecordedViolation[]) : [];
          }, RECORD_KEY)
          // A frame that navigated away or crashed meanwhile has reported through the binding.
          .catch((): RecordedViolation[] => []);
        for (const violation of recorded) this.#addViolation(violation);
      }
    }
  }

  #watchPage(page: Page): void {
    page.on('pageerror', (error) => {
      this.#add({
        kind: 'page-error',
        person: this.person,
        url: page.url(),
        message: error.stack ?? error.message,
      });
    });
    page.on('console', (message) => {
      if (message.type() === 'error') {
        this.consoleErrors.push(`${this.person}: ${message.text()} (${page.url()})`);
      }
      if (message.type() === 'error' || message.type() === 'warning') {
        keepRecent(page, `${message.type()}: ${message.text()}`);
      }
    });
  }

  #addViolation(violation: RecordedViolation): void {
    const key = JSON.stringify(violation);
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.#add({ kind: 'csp-violation', person: this.person, ...violation });
  }

  #add(problem: PageProblem): void {
    this.problems.push(problem);
    for (const listener of [...this.#listeners]) listener(problem);
  }
}

/** Wraps a watched context and its page as a person; `closeAll` closes what owns the context. */
function makePerson(
  watch: ContextWatch,
  page: Page,
  baseUrl: string | undefined,
  closeAll: () => Promise<void>,
): Person {
  let closed = false;
  return {
    name: watch.person,
    context: watch.context,
    page,
    get consoleErrors() {
      return [...watch.consoleErrors];
    },

    async goto(url) {
      const target = baseUrl === undefined ? new URL(url) : new URL(url, baseUrl);
      const response = await page.goto(target.href);
      if (response && !response.ok()) {
        throw new Error(`${watch.person}: GET ${target.href} answered ${response.status()}`);
      }
    },

    async evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R> {
      if (watch.problems.length > 0) throw new PageProblemError(watch.problems);
      let stop = (): void => undefined;
      const problem = new Promise<never>((_resolve, reject) => {
        stop = watch.onProblem((seen) => reject(new PageProblemError([seen])));
      });
      try {
        // playwright's typings unbox handles in `arg`; plain serializable values pass unchanged.
        const run = page.evaluate(fn as (arg: unknown) => R | Promise<R>, arg);
        // When the problem wins, `run` is left behind and rejects once the context closes; that
        // later rejection says nothing new, and must not surface as an unhandled one.
        run.catch(() => undefined);
        return await Promise.race([run, problem]);
      } finally {
        stop();
      }
    },

    async takeProblems() {
      await watch.collect();
      return watch.problems.splice(0);
    },

    async close() {
      if (closed) return;
      closed = true;
      try {
        await watch.collect();
      } finally {
        await closeAll();
      }
      if (watch.problems.length > 0) {
        throw new PageProblemError(watch.problems, watch.consoleErrors);
      }
    },
  };
}

/** Launches this file's Chromium with the flags above plus `extraArgs`. */
export async function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  checkChromium();
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}

/** Options of a persistent profile. */
export interface PersistentOptions {
  /** Base for relative URLs given to `goto`. */
  readonly baseUrl?: string;
  /** Extra Chromium flags. */
  readonly browserArgs?: readonly string[];
}

/**
 * Launches Chromium on a persistent profile in `userDataDir`, for what an ordinary (incognito)
 * context cannot do, such as CDP `Page.getInstallabilityErrors`. The person's `close()` closes
 * that whole browser.
 */
export async function launchPersistent(
  userDataDir: string,
  options: PersistentOptions = {},
): Promise<Person> {
  checkChromium();
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.browserArgs ?? [])],
  });
  try {
    const watch = new ContextWatch('persistent', context);
    await watch.attach();
    const page = context.pages()[0] ?? (await context.newPage());
    return makePerson(watch, page, options.baseUrl, () => context.close());
  } catch (error) {
    await context.close();
    throw error;
  }
}

function checkChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. On Debian/Ubuntu: apt-get install -y chromium ` +
        '(as root), or point KITH_CHROMIUM at a Chromium binary.',
    );
  }
}

/** What a file's server serves. */
export type Site = 'app' | 'fixtures';

/** Options of `setupE2e`. */
export interface E2eOptions {
  /** The built Kith app (`dist/`), or the fixture pages of tests/e2e/fixtures. */
  readonly site: Site;
  /** Extra Chromium flags for this file's browser. */
  readonly browserArgs?: readonly string[];
  /** Called with every message the server relays (its test tap), across restarts too. */
  readonly onPublish?: (topic: string, data: unknown) => void;
}

/** A suite's server and browser, live between its `beforeAll` and `afterAll`. */
export interface E2eSession {
  readonly server: RunningServer;
  readonly browser: Browser;
  /** `http://127.0.0.1:PORT`: a secure context, as WebCrypto and service workers need. */
  readonly baseUrl: string;
  /** The server's signaling socket, `ws://127.0.0.1:PORT/signaling`. */
  readonly signalingUrl: string;
  /**
   * Opens a new isolated browser context for `name` (in `browser` when given, a second Chromium
   * the test launched itself); it is closed after the current test.
   */
  person(name: string, browser?: Browser): Promise<Person>;
  /**
   * Stops the server (every socket closed, as when it goes down) and starts a new one on the
   * same port, serving the same site: pages stay open, their signaling clients must reconnect.
   * With `staticDir`, the new server serves that directory instead (a second build of the app,
   * deployed in place of the first), and so do later restarts.
   */
  restartServer(staticDir?: string): Promise<void>;
  /**
   * Stops the server until the next `restartServer` (on the same port): pages stay open, their
   * signaling sockets close and cannot reconnect, WebRTC connections between them go on.
   */
  stopServer(): Promise<void>;
}

/** The directory a site is served from; fails clearly when it has not been built. */
export function siteDir(site: Site): string {
  if (site === 'fixtures') return inject('e2eFixturesDir');
  if (!existsSync(join(APP_DIST_DIR, 'index.html'))) {
    throw new Error(
      `${APP_DIST_DIR} holds no built app: run \`npm run build\` first ` +
        '(`npm run test:e2e` builds before running the e2e tests).',
    );
  }
  return APP_DIST_DIR;
}

/**
 * Registers hooks in the calling suite: before all its tests, start the server (serving `site`)
 * and Chromium; after each test, close that test's people and fail it on their pages' problems;
 * after all, close the browser and the server, whatever failed before.
 */
export function setupE2e(options: E2eOptions): E2eSession {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let people: Person[] = [];
  // The port of a server stopped by `stopServer`, for the restart.
  let stoppedPort: number | undefined;

  const live = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not running: use it inside a test`);
    return value;
  };

  let servedDir: string | undefined;
  const serve = (port: number): Promise<RunningServer> =>
    startServer({
      port,
      host: '127.0.0.1',
      staticDir: servedDir ?? siteDir(options.site),
      onPublish: options.onPublish,
    });

  beforeAll(async () => {
    const started = await serve(0);
    try {
      browser = await launchBrowser(options.browserArgs);
    } catch (error) {
      await started.close();
      throw error;
    }
    server = started;
  }, SETUP_TIMEOUT_MS);

  afterEach(async () => {
    const closing = people;
    people = [];
    const results = await Promise.allSettled(closing.map((person) => person.close()));
    const errors = results.flatMap((result) =>
      result.status === 'rejected' ? [result.reason] : [],
    );
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'several people showed problems');
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    try {
      await browser?.close();
    } finally {
      await server?.close();
    }
  }, SETUP_TIMEOUT_MS);

  return {
    get server() {
      return live(server, 'the server');
    },
    get browser() {
      return live(browser, 'the browser');
    },
    get baseUrl() {
      return `http://127.0.0.1:${live(server, 'the server').port}`;
    },
    get signalingUrl() {
      return `ws://127.0.0.1:${live(server, 'the server').port}/signaling`;
    },
    async person(name, other) {
      const context = await (other ?? live(browser, 'the browser')).newContext();
      try {
        const watch = new ContextWatch(name, context);
        await watch.attach();
        const page = await context.newPage();
        const person = makePerson(watch, page, this.baseUrl, () => context.close());
        people.push(person);
        return person;
      } catch (error) {
        await context.close();
        throw error;
      }
    },
    async restartServer(staticDir) {
      const old = server;
      const port = old?.port ?? live(stoppedPort, 'the server');
      server = undefined;
      await old?.close();
      if (staticDir !== undefined) servedDir = staticDir;
      server = await serve(port);
      stoppedPort = undefined;
    },
    async stopServer() {
      const old = live(server, 'the server');
      server = undefined;
      stoppedPort = old.port;
      await old.close();
    },
  };
}
