/**
 * One load generator process of the signaling benchmark (forked by bench/signaling.ts, driven
 * over IPC). It opens its share of clients, subscribes each to its topic, then has every client
 * publish at a fixed rate and measures, per received relay, the latency from the sender's
 * timestamp. A topic's clients all live in one worker, so send and receive times come from one
 * monotonic clock.
 */
import { WebSocket } from 'ws';

/** Sent by the orchestrator. */
export type WorkerCommand =
  | {
      kind: 'connect';
      /** The server's processes: a topic's clients are spread over them in turn. */
      urls: string[];
      /** Topic indexes this worker owns; each gets `topicSize` clients. */
      topics: number[];
      topicSize: number;
    }
  | { kind: 'run'; durationMs: number; warmupMs: number; ratePerClient: number }
  | { kind: 'stop' };

/** Sent back to the orchestrator. */
export type WorkerReport =
  | { kind: 'connected'; clients: number; connectMs: number }
  | { kind: 'done'; stats: WorkerStats }
  | { kind: 'error'; message: string };

/** What one worker measured in the measured window (after warm-up). */
export interface WorkerStats {
  sent: number;
  received: number;
  windowMs: number;
  closedEarly: number;
  /** Latency histogram: bucket i counts relays with latency in [i, i+1) × BUCKET_MS. */
  histogram: number[];
}

/** Width of a latency histogram bucket. */
export const BUCKET_MS = 0.1;
const BUCKETS = 300_000; // up to 30 s
const PAD = 'x'.repeat(120); // a y-webrtc signal message is a few hundred bytes
const PONG = '{"type":"pong"}';
const T_FIELD = '"t":';

interface BenchClient {
  ws: WebSocket;
  topic: string;
  id: number;
}

const clients: BenchClient[] = [];
let measuring = false;
let stats: WorkerStats = { sent: 0, received: 0, windowMs: 0, closedEarly: 0, histogram: [] };
let histogram = new Uint32Array(BUCKETS);
let stopping = false;

function report(message: WorkerReport): void {
  process.send?.(message);
}

function open(url: string, topic: string, id: number): Promise<BenchClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/signaling`, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
    });
    const client = { ws, topic, id };
    ws.once('open', () => {
      ws.send(JSON.stringify({ type: 'subscribe', topics: [topic] }));
      // A ping answered after the subscribe proves the subscribe was processed.
      ws.send(JSON.stringify({ type: 'ping' }));
    });
    ws.once('error', reject);
    ws.on('close', () => {
      if (!stopping) stats.closedEarly += 1;
    });
    ws.on('message', (raw) => {
      // The load generators, not the server, would be the bottleneck if they parsed every relay
      // as JSON: read only the sender's timestamp.
      const text = String(raw);
      if (text === PONG) {
        resolve(client);
        return;
      }
      if (!measuring) return;
      const at = text.indexOf(T_FIELD);
      if (at === -1) return;
      const latency = performance.now() - Number.parseFloat(text.slice(at + T_FIELD.length));
      stats.received += 1;
      histogram[Math.min(BUCKETS - 1, Math.floor(latency / BUCKET_MS))]! += 1;
    });
  });
}

async function connect(command: Extract<WorkerCommand, { kind: 'connect' }>): Promise<void> {
  const started = performance.now();
  const wanted: [string, number][] = [];
  for (const topic of command.topics) {
    for (let i = 0; i < command.topicSize; i += 1) {
      wanted.push([`bench-topic-${topic}`, topic * command.topicSize + i]);
    }
  }
  // A bounded number of handshakes in flight: a burst of thousands overflows the listen backlog.
  const inFlight = 100;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < wanted.length) {
      const [topic, id] = wanted[next]!;
      next += 1;
      clients.push(await open(command.urls[id % command.urls.length]!, topic, id));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  report({ kind: 'connected', clients: clients.length, connectMs: performance.now() - started });
}

function run(command: Extract<WorkerCommand, { kind: 'run' }>): void {
  // Spread each client's sends evenly over the period: client i sends in slot i mod slots.
  const tickMs = 10;
  const periodMs = 1000 / command.ratePerClient;
  const slots = Math.max(1, Math.round(periodMs / tickMs));
  let tick = 0;
  const started = performance.now();
  const timer = setInterval(() => {
    const elapsed = performance.now() - started;
    if (!measuring && elapsed >= command.warmupMs) {
      measuring = true;
      stats = { sent: 0, received: 0, windowMs: 0, closedEarly: stats.closedEarly, histogram: [] };
      histogram = new Uint32Array(BUCKETS);
    }
    if (elapsed >= command.warmupMs + command.durationMs) {
      clearInterval(timer);
      // Relays still in flight count, up to a grace period; then the window closes.
      setTimeout(() => {
        measuring = false;
        stats.windowMs = command.durationMs;
        const buckets: number[] = [];
        for (const count of histogram) buckets.push(count);
        let last = buckets.length;
        while (last > 0 && buckets[last - 1] === 0) last -= 1;
        stats.histogram = buckets.slice(0, last);
        report({ kind: 'done', stats });
      }, 1_000);
      return;
    }
    // Timers fire late under load: catch up on every slot that is due, so the rate holds.
    const due = Math.floor(elapsed / tickMs);
    for (; tick <= due; tick += 1) {
      const slot = tick % slots;
      for (let i = slot; i < clients.length; i += slots) {
        const client = clients[i]!;
        if (client.ws.readyState !== WebSocket.OPEN) continue;
        client.ws.send(
          JSON.stringify({
            type: 'publish',
            topic: client.topic,
            data: { type: 'bench', from: client.id, t: performance.now(), pad: PAD },
          }),
        );
        if (measuring) stats.sent += 1;
      }
    }
  }, tickMs);
}

process.on('message', (command: WorkerCommand) => {
  switch (command.kind) {
    case 'connect':
      connect(command).catch((error: unknown) => report({ kind: 'error', message: String(error) }));
      return;
    case 'run':
      run(command);
      return;
    case 'stop':
      stopping = true;
      for (const client of clients) client.ws.terminate();
      process.exit(0);
  }
});
