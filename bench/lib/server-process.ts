/**
 * The signaling server under test, in a child process of its own so that its memory and CPU can be
 * read from /proc: start it on a free loopback port, then read its resident set and CPU time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The servers the benchmark can run. */
export type ServerName = 'kith' | 'ywebrtc';

const SERVER_ENTRY: Record<ServerName, string> = {
  kith: path.join(HERE, 'kith-server.ts'),
  ywebrtc: path.join(HERE, 'ywebrtc-server.ts'),
};

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

/** Starts server `name` on a free loopback port and resolves once it listens. */
export async function startSubject(
  name: ServerName,
): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER_ENTRY[name]], {
    env: { ...process.env, ...KITH_BENCH_ENV, PORT: String(port), KITH_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${name} server exited with ${code}`)));
  });
  return { child, port };
}
