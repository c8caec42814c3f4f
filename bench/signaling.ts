/**
 * Signaling load benchmark (`npm run bench:signaling`; not part of CI). On loopback only.
 *
 * For each server (Kith's; two Kith processes sharing topics through a local redis-server, each
 * topic's clients split between them; then y-webrtc's `bin/server.js`) and each client count
 * (1,000 and 5,000): start the server in child processes, open the clients from two load-generator
 * processes in topics of 10, read the server's resident memory before and after connecting, then
 * have every client publish 5 messages per second for a bounded window and count the relays
 * delivered and their latency (sender timestamp in the payload). Every run has a hard deadline.
 * Then the "hundreds of friends" load (bench/lib/many-topics.ts): 500 connections with 500
 * pairwise topics each, saying hello on every topic every 50 s. Results go to
 * bench/results/signaling.json and are printed side by side.
 *
 * `npm run bench:signaling -- --many-topics` runs only the latter and updates only `manyTopics` in
 * the results file.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BUCKET_MS,
  type WorkerCommand,
  type WorkerReport,
  type WorkerStats,
} from './lib/load-worker.ts';
import { runManyTopics, type ManyTopicsResult } from './lib/many-topics.ts';
import { cpuSeconds, rssBytes, startSubject, type ServerName } from './lib/server-process.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.join(HERE, 'results', 'signaling.json');
const CLIENT_COUNTS = (process.env.BENCH_CLIENTS ?? '1000,5000').split(',').map(Number);
const SERVERS = (process.env.BENCH_SERVERS ?? 'kith,kith-redis,ywebrtc').split(',') as ServerName[];
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const TOPIC_SIZE = 10;
const RATE_PER_CLIENT = 5;
const WARMUP_MS = 2_000;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const WORKERS = 2;
const RUN_DEADLINE_MS = 120_000;
const MANY_TOPICS_DEADLINE_MS = 300_000;
const ONLY_MANY_TOPICS = process.argv.includes('--many-topics');

/** The figures of one run. */
interface RunResult {
  server: ServerName;
  repeat: number;
  clients: number;
  /** Relays the clients would receive if nothing were lost or late. */
  offeredMsgsPerSec: number;
  msgsPerSec: number;
  publishesPerSec: number;
  deliveredRatio: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  bytesPerConn: number;
  serverRssIdleMb: number;
  serverRssConnectedMb: number;
  serverRssEndMb: number;
  serverCpuPercent: number;
  connectSeconds: number;
  closedEarly: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function nextReport(worker: ChildProcess, kind: WorkerReport['kind']): Promise<WorkerReport> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: WorkerReport): void => {
      if (message.kind === 'error') reject(new Error(message.message));
      else if (message.kind === kind) {
        worker.off('message', onMessage);
        resolve(message);
      }
    };
    worker.on('message', onMessage);
  });
}

function percentile(histogram: number[], total: number, fraction: number): number {
  const target = Math.ceil(total * fraction);
  let seen = 0;
  for (let i = 0; i < histogram.length; i += 1) {
    seen += histogram[i]!;
    if (seen >= target) return (i + 1) * BUCKET_MS;
  }
  return histogram.length * BUCKET_MS;
}

async function runOnce(name: ServerName, clients: number, repeat: number): Promise<RunResult> {
  const subject = await startSubject(name);
  const pids = subject.servers.map(({ child }) => child.pid!);
  // Memory and CPU of the subject: summed over its processes (Redis's own not counted).
  const rss = (): number => pids.reduce((sum, pid) => sum + rssBytes(pid), 0);
  const cpu = (): number => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const workers = Array.from({ length: WORKERS }, () =>
    fork(path.join(HERE, 'lib', 'load-worker.ts'), [], { execArgv: ['--import', 'tsx'] }),
  );
  const cleanup = (): void => {
    for (const worker of workers) worker.kill('SIGKILL');
    void subject.kill();
  };
  const deadline = setTimeout(() => {
    console.error(`run ${name}/${clients} passed its ${RUN_DEADLINE_MS / 1000} s deadline`);
    cleanup();
    process.exit(1);
  }, RUN_DEADLINE_MS);
  try {
    await sleep(500);
    const idle = rss();
    const topics = clients / TOPIC_SIZE;
    const started = performance.now();
    const connected = workers.map((worker) => nextReport(worker, 'connected'));
    workers.forEach((worker, w) => {
      const owned = Array.from({ length: topics }, (_, t) => t).filter((t) => t % WORKERS === w);
      const command: WorkerCommand = {
        kind: 'connect',
        urls: subject.servers.map(({ port }) => `ws://127.0.0.1:${port}`),
        topics: owned,
        topicSize: TOPIC_SIZE,
      };
      worker.send(command);
    });
    await Promise.all(connected);
    const connectSeconds = (performance.now() - started) / 1000;
    await sleep(1_000);
    const connectedRss = rss();

    const done = workers.map((worker) => nextReport(worker, 'done'));
    const run: WorkerCommand = {
      kind: 'run',
      durationMs: DURATION_MS,
      warmupMs: WARMUP_MS,
      ratePerClient: RATE_PER_CLIENT,
    };
    for (const worker of workers) worker.send(run);
    await sleep(WARMUP_MS);
    const cpuWindowStart = cpu();
    const reports = (await Promise.all(done)) as Extract<WorkerReport, { kind: 'done' }>[];
    const cpuAfter = cpu();
    const endRss = rss();

    const stats: WorkerStats[] = reports.map((r) => r.stats);
    const received = stats.reduce((sum, s) => sum + s.received, 0);
    const sent = stats.reduce((sum, s) => sum + s.sent, 0);
    const length = Math.max(...stats.map((s) => s.histogram.length));
    const histogram = Array.from({ length }, (_, i) =>
      stats.reduce((sum, s) => sum + (s.histogram[i] ?? 0), 0),
    );
    const seconds = DURATION_MS / 1000;
    const round = (value: number, digits = 1): number => Number(value.toFixed(digits));
    return {
      server: name,
      repeat,
      clients,
      offeredMsgsPerSec: clients * RATE_PER_CLIENT * TOPIC_SIZE,
      msgsPerSec: Math.round(received / seconds),
      publishesPerSec: Math.round(sent / seconds),
      deliveredRatio: round(received / Math.max(1, sent * TOPIC_SIZE), 3),
      p50Ms: round(percentile(histogram, received, 0.5)),
      p99Ms: round(percentile(histogram, received, 0.99)),
      maxMs: round(histogram.length * BUCKET_MS),
      bytesPerConn: Math.round((connectedRss - idle) / clients),
      serverRssIdleMb: round(idle / 2 ** 20),
      serverRssConnectedMb: round(connectedRss / 2 ** 20),
      serverRssEndMb: round(endRss / 2 ** 20),
      serverCpuPercent: round(((cpuAfter - cpuWindowStart) / (seconds + 1)) * 100, 0),
      connectSeconds: round(connectSeconds),
      closedEarly: stats.reduce((sum, s) => sum + s.closedEarly, 0),
    };
  } finally {
    clearTimeout(deadline);
    for (const worker of workers) if (worker.connected) worker.send({ kind: 'stop' });
    for (const { child } of subject.servers) child.kill('SIGTERM');
    await sleep(1_000);
    cleanup();
  }
}

function table(runs: RunResult[]): string {
  const rows: [string, (r: RunResult) => string][] = [
    ['clients', (r) => String(r.clients)],
    ['offered relays/s', (r) => String(r.offeredMsgsPerSec)],
    ['delivered msgs/s', (r) => String(r.msgsPerSec)],
    ['delivered / sent×10', (r) => r.deliveredRatio.toFixed(3)],
    ['p50 latency (ms)', (r) => r.p50Ms.toFixed(1)],
    ['p99 latency (ms)', (r) => r.p99Ms.toFixed(1)],
    ['bytes per connection', (r) => String(r.bytesPerConn)],
    [
      'server RSS idle/connected/end (MB)',
      (r) => `${r.serverRssIdleMb}/${r.serverRssConnectedMb}/${r.serverRssEndMb}`,
    ],
    ['server CPU (% of one core)', (r) => String(r.serverCpuPercent)],
    ['closed early', (r) => String(r.closedEarly)],
  ];
  const header = `| | ${runs.map((r) => `${r.server} ${r.clients}`).join(' | ')} |`;
  const rule = `|---|${runs.map(() => '---:').join('|')}|`;
  return [
    header,
    rule,
    ...rows.map(([label, cell]) => `| ${label} | ${runs.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** The side-by-side load comparison: every run, and the medians at the largest client count. */
async function runComparison(): Promise<Record<string, unknown>> {
  const runs: RunResult[] = [];
  // Repeats are interleaved (kith, y-webrtc, kith, …) so that load from other work on the machine
  // falls on both servers alike.
  for (const clients of CLIENT_COUNTS) {
    for (let repeat = 1; repeat <= REPEATS; repeat += 1) {
      for (const name of SERVERS) {
        console.log(`running ${name} with ${clients} clients (${repeat}/${REPEATS})…`);
        const result = await runOnce(name, clients, repeat);
        console.log(JSON.stringify(result));
        runs.push(result);
      }
    }
  }

  /** The median run (by delivered messages per second) of a server at a client count. */
  function median(name: ServerName, clients: number): RunResult | undefined {
    const same = runs
      .filter((r) => r.server === name && r.clients === clients)
      .sort((a, b) => a.msgsPerSec - b.msgsPerSec);
    return same[Math.floor((same.length - 1) / 2)];
  }
  const largest = Math.max(...CLIENT_COUNTS);
  const pick = (name: ServerName): Record<string, number> | undefined => {
    const run = median(name, largest);
    if (!run) return undefined;
    const { clients, msgsPerSec, p50Ms, p99Ms, bytesPerConn } = run;
    return { clients, msgsPerSec, p50Ms, p99Ms, bytesPerConn };
  };
  const medians = CLIENT_COUNTS.flatMap((clients) =>
    SERVERS.map((name) => median(name, clients)).filter((r): r is RunResult => r !== undefined),
  );
  console.log(`\nMedian of ${REPEATS} runs each:\n\n${table(medians)}`);
  return {
    kith: pick('kith'),
    kithRedis: pick('kith-redis'),
    ywebrtc: pick('ywebrtc'),
    runs,
    repeats: REPEATS,
    durationMs: DURATION_MS,
    ratePerClient: RATE_PER_CLIENT,
    topicSize: TOPIC_SIZE,
    workers: WORKERS,
    node: process.version,
  };
}

async function manyTopics(): Promise<ManyTopicsResult> {
  console.log('running the many-topics load (500 connections × 500 pairwise topics)…');
  const deadline = setTimeout(() => {
    console.error(`many-topics passed its ${MANY_TOPICS_DEADLINE_MS / 1000} s deadline`);
    process.exit(1);
  }, MANY_TOPICS_DEADLINE_MS);
  try {
    const result = await runManyTopics();
    console.log(JSON.stringify(result, null, 2));
    return result;
  } finally {
    clearTimeout(deadline);
  }
}

// With --many-topics the comparison figures already in the file are kept as they are.
const previous: Record<string, unknown> =
  ONLY_MANY_TOPICS && existsSync(RESULTS)
    ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>)
    : {};
const comparison = ONLY_MANY_TOPICS ? previous : await runComparison();
const results = { ...comparison, manyTopics: await manyTopics(), date: new Date().toISOString() };
mkdirSync(path.dirname(RESULTS), { recursive: true });
writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
console.log(`written to ${path.relative(process.cwd(), RESULTS)}`);
