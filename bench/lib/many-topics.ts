/**
 * The "hundreds of friends" load (issue 20): CONNECTIONS people, each holding TOPICS_EACH pairwise
 * topics (every topic has exactly two subscribers, like a friendship's rendezvous topic), each
 * sending one hello (a ~300-byte publish) on every topic every HELLO_INTERVAL_MS, spread evenly.
 * The server runs in its own process; its resident memory (peak of one sample a second) and CPU
 * are read from /proc over a bounded window after set-up. Loopback only.
 */
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { WebSocket } from 'ws';
import { cpuSeconds, rssBytes, startSubject } from './server-process.ts';

const CONNECTIONS = 500;
const TOPICS_EACH = 500;
const HELLO_INTERVAL_MS = 50_000;
const HELLO_FRAME_BYTES = 300;
const WINDOW_MS = Number(process.env.BENCH_MANY_TOPICS_WINDOW_MS ?? 60_000);
const SETUP_BATCH = 50;
const TICK_MS = 10;

/** What `manyTopics` in bench/results/signaling.json holds. */
export interface ManyTopicsResult {
  connections: number;
  topicsEach: number;
  /** (connection, topic) pairs: connections × topicsEach. */
  subscriptions: number;
  /** Topics in the server (each has two subscribers). */
  distinctTopics: number;
  /** Peak server RSS during the window (one sample a second). */
  rssBytes: number;
  /** Server RSS before any client connected, and once all had subscribed. */
  rssIdleBytes: number;
  rssSetupBytes: number;
  /** Server CPU during the window, in % of one core. */
  cpuPercent: number;
  helloFrameBytes: number;
  helloIntervalMs: number;
  windowMs: number;
  setupSeconds: number;
  publishesSent: number;
  relaysReceived: number;
  refusals: number;
  closedEarly: number;
  /** `os.loadavg()` (1, 5, 15 min) at the end of the window: the machine is shared. */
  loadAverage: number[];
  method: string;
}

/** The topic shared by person `low` and person `(low + step) % CONNECTIONS`: 64 hex characters. */
function pairTopic(low: number, step: number): string {
  return createHash('sha256').update(`kith-bench-pair-${low}-${step}`).digest('hex');
}

/**
 * Person i's topics: with each person `step` ahead and `step` behind, for steps 1..TOPICS_EACH/2.
 * Every topic is held by exactly two people; each person has TOPICS_EACH topics.
 */
function topicsOf(person: number): string[] {
  const topics: string[] = [];
  for (let step = 1; step <= TOPICS_EACH / 2; step += 1) {
    topics.push(pairTopic(person, step));
    topics.push(pairTopic((person - step + CONNECTIONS) % CONNECTIONS, step));
  }
  return topics;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Person {
  ws: WebSocket;
  topics: string[];
  sent: number;
}

interface Counters {
  relays: number;
  refusals: number;
  closedEarly: number;
  measuring: boolean;
}

async function connect(url: string, topics: string[], counters: Counters): Promise<Person> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  // Settles on the pong that follows the subscribe, or fails if the socket closes first.
  const subscribed = new Promise<void>((resolve, reject) => {
    ws.once('close', (code) => reject(new Error(`socket closed during set-up (${code})`)));
    ws.on('message', (raw) => {
      const text = String(raw);
      if (text.startsWith('{"type":"pong"')) resolve();
      else if (text.startsWith('{"type":"refused"')) counters.refusals += 1;
      else if (counters.measuring) counters.relays += 1;
    });
  });
  ws.on('close', () => {
    if (counters.measuring) counters.closedEarly += 1;
  });
  ws.send(JSON.stringify({ type: 'subscribe', topics }));
  ws.send('{"type":"ping"}');
  await subscribed;
  return { ws, topics, sent: 0 };
}

/** Runs the load against a fresh Kith server process and returns its figures. */
export async function runManyTopics(): Promise<ManyTopicsResult> {
  const subject = await startSubject('kith');
  const { child: server, port } = subject.servers[0]!;
  const pid = server.pid!;
  const counters: Counters = { relays: 0, refusals: 0, closedEarly: 0, measuring: false };
  const people: Person[] = [];
  try {
    await sleep(500);
    const rssIdleBytes = rssBytes(pid);
    const started = performance.now();
    for (let first = 0; first < CONNECTIONS; first += SETUP_BATCH) {
      const batch = Array.from({ length: SETUP_BATCH }, (_, k) => first + k);
      people.push(
        ...(await Promise.all(
          batch.map((i) => connect(`ws://127.0.0.1:${port}/signaling`, topicsOf(i), counters)),
        )),
      );
    }
    const setupSeconds = (performance.now() - started) / 1000;
    const rssSetupBytes = rssBytes(pid);

    // The data pads the frame to HELLO_FRAME_BYTES (topics are all 64 characters).
    const overhead = JSON.stringify({ type: 'publish', topic: topicsOf(0)[0], data: '' }).length;
    const hello = 'x'.repeat(HELLO_FRAME_BYTES - overhead);
    const gapMs = HELLO_INTERVAL_MS / TOPICS_EACH;
    counters.measuring = true;
    const windowStart = performance.now();
    const cpuStart = cpuSeconds(pid);
    let peakRss = rssBytes(pid);
    let publishesSent = 0;
    // Person i sends its n-th hello at offset_i + n × gap, offsets spread evenly over one gap.
    const ticker = setInterval(() => {
      const elapsed = performance.now() - windowStart;
      people.forEach((person, i) => {
        const due = Math.floor((elapsed - (i / CONNECTIONS) * gapMs) / gapMs) + 1;
        for (; person.sent < due; person.sent += 1) {
          const topic = person.topics[person.sent % TOPICS_EACH]!;
          person.ws.send(`{"type":"publish","topic":"${topic}","data":"${hello}"}`);
          publishesSent += 1;
        }
      });
    }, TICK_MS);
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, rssBytes(pid));
    }, 1_000);
    await sleep(WINDOW_MS);
    clearInterval(ticker);
    clearInterval(sampler);
    const cpuEnd = cpuSeconds(pid);
    const windowMs = performance.now() - windowStart;
    peakRss = Math.max(peakRss, rssBytes(pid));
    counters.measuring = false;

    return {
      connections: CONNECTIONS,
      topicsEach: TOPICS_EACH,
      subscriptions: CONNECTIONS * TOPICS_EACH,
      distinctTopics: (CONNECTIONS * TOPICS_EACH) / 2,
      rssBytes: peakRss,
      rssIdleBytes,
      rssSetupBytes,
      cpuPercent: Math.round(((cpuEnd - cpuStart) / (windowMs / 1000)) * 100),
      helloFrameBytes: HELLO_FRAME_BYTES,
      helloIntervalMs: HELLO_INTERVAL_MS,
      windowMs: Math.round(windowMs),
      setupSeconds: Number(setupSeconds.toFixed(1)),
      publishesSent,
      relaysReceived: counters.relays,
      refusals: counters.refusals,
      closedEarly: counters.closedEarly,
      loadAverage: loadavg().map((load) => Number(load.toFixed(2))),
      method:
        `Kith server (default limits, per-address cap raised: all clients are on 127.0.0.1) in a ` +
        `child process; ${CONNECTIONS} connections from one load process, each subscribed to ` +
        `${TOPICS_EACH} pairwise topics in one frame; then each sends one ${HELLO_FRAME_BYTES}-byte ` +
        `publish per topic every ${HELLO_INTERVAL_MS / 1000} s, spread evenly; RSS (peak of 1 s ` +
        `samples of /proc/PID/status VmRSS) and CPU (/proc/PID/stat utime+stime) over the ` +
        `${WINDOW_MS / 1000} s after set-up. Shared 2-core machine: see loadAverage.`,
    };
  } finally {
    for (const person of people) person.ws.terminate();
    server.kill('SIGTERM');
    await sleep(500);
    server.kill('SIGKILL');
  }
}
