/**
 * The signaling server under test, in child processes of its own so that their memory and CPU can
 * be read from /proc: start it on free loopback ports, then read resident sets and CPU times.
 * `kith-redis` is two Kith processes sharing topics through a throwaway local redis-server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RedisServer } from '../../signaling/test-helpers.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The servers the benchmark can run. */
export type ServerName = 'kith' | 'kith-redis' | 'ywebrtc';

const KITH_ENTRY = path.join(HERE, 'kith-server.ts');
const YWEBRTC_ENTRY = path.join(HERE, 'ywebrtc-server.ts');

/** One server process under test. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
}

/** A running subject: its processes (clients spread over them) and how to stop it all. */
export interface Subject {
  readonly servers: readonly ServerProcess[];
  /** Kills every process it started, Redis included. */
  kill(): Promise<void>;
}

/**
 * The Kith server's environment in every benchmark: default limits except the per-address cap,
 * since every benchmark client comes from 127.0.0.1.
 */
const KITH_BENCH_ENV = { KITH_MAX_CONNECTIONS_PER_ADDRESS: '1000000' };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Resident memory of process `pid`, in bytes (VmRSS of /proc/PID/status). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb) * 1024;
}

/** User + system CPU time of a process, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
}

/** Starts the process `entry` on a free loopback port and resolves once it listens. */
async function startProcess(entry: string, env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, ...env, PORT: String(port), KITH_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${entry} exited with ${code}`)));
  });
  return { child, port };
}

/** Starts the subject `name` and resolves once every process of it listens. */
export async function startSubject(name: ServerName): Promise<Subject> {
  if (name === 'ywebrtc') return subjectOf([await startProcess(YWEBRTC_ENTRY, {})]);
  if (name === 'kith') return subjectOf([await startProcess(KITH_ENTRY, KITH_BENCH_ENV)]);
  const redis = await RedisServer.start();
  const env = { ...KITH_BENCH_ENV, REDIS_URL: redis.url };
  const servers = await Promise.all([startProcess(KITH_ENTRY, env), startProcess(KITH_ENTRY, env)]);
  return subjectOf(servers, () => redis.kill());
}

function subjectOf(
  servers: readonly ServerProcess[],
  after: () => Promise<void> = async () => undefined,
): Subject {
  return {
    servers,
    async kill() {
      for (const { child } of servers) child.kill('SIGKILL');
      await after();
    },
  };
}
