/**
 * A network namespace of one person's own, on a bridge of the test namespace, so that the chaos
 * run can cut that person's network for real (`ip link set ... down`) while everyone else's goes
 * on. Only inside the e2e runner's namespace (tests/e2e/netns.ts): every address here exists in
 * namespaces the test made, and nothing reaches the machine's network.
 *
 *   test namespace                                 isolated namespace
 *   server 127.0.0.1:PORT <- forwarder 10.78.0.1:PORT  <- forwarder 127.0.0.1:PORT <- Chromium
 *   bridge kithbr0 10.78.0.1/24 -- veth kithc0 ====== kithc1 10.78.0.2/24 (default route via .1)
 *
 * The isolated Chromium loads the app from its own loopback, as everyone else does: a secure
 * context, and the same origin and signaling URL as in everyone's invite links. WebRTC goes
 * straight over the bridge (its host candidate is 10.78.0.2). The cut takes the bridge's port
 * down: the signaling socket and every peer connection of that person stop at once.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readlink, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CHROMIUM_PATH } from '../harness.ts';
import { REPO_ROOT } from '../paths.ts';
import { forwardTcp } from './forwarder.ts';

const run = promisify(execFile);

const BRIDGE = 'kithbr0';
const BRIDGE_PORT = 'kithc0';
const INSIDE = 'kithc1';
const BRIDGE_ADDRESS = '10.78.0.1';
const INSIDE_ADDRESS = '10.78.0.2';

/** Bound on each setup step (a namespace appearing, a forwarder starting). */
const SETUP_TIMEOUT_MS = 30_000;

/** One person's namespace and how to cut it off. */
export interface IsolatedNet {
  /** A Chromium executable (a script) that runs Debian's Chromium inside the namespace. */
  readonly chromiumPath: string;
  /** Takes the person's link down: no packet passes until `restore`. */
  cut(): Promise<void>;
  /** Brings the link back up. */
  restore(): Promise<void>;
  /** Ends the namespace's processes and removes the links. Close its Chromium first. */
  close(): Promise<void>;
}

/** Runs `ip` with `args`, inside the namespace of `pid` when given. */
async function ip(args: readonly string[], pid?: number): Promise<void> {
  const [command, commandArgs] =
    pid === undefined ? ['ip', args] : ['nsenter', ['-t', String(pid), '-n', 'ip', ...args]];
  await run(command, [...commandArgs]);
}

/** Resolves once `pid` lives in another network namespace than ours (unshare has run). */
async function namespaceOf(pid: number): Promise<void> {
  const ours = await readlink('/proc/self/ns/net');
  const deadline = Date.now() + SETUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const theirs = await readlink(`/proc/${pid}/ns/net`).catch(() => ours);
    if (theirs !== ours) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`process ${pid} did not enter a network namespace of its own`);
}

/** Resolves when `child` prints `ready`; rejects if it exits first or the bound passes. */
function ready(child: ChildProcess, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let said = '';
    const timer = setTimeout(
      () => reject(new Error(`${what} did not start: ${said}`)),
      SETUP_TIMEOUT_MS,
    );
    const settle = (error?: Error): void => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      if (said.includes('ready')) settle();
    });
    child.stderr?.on('data', (chunk: Buffer) => (said += chunk.toString()));
    child.once('exit', (code) => settle(new Error(`${what} exited (${code}): ${said}`)));
  });
}

/**
 * Makes the namespace, its bridge link and both forwarders for an app served on
 * `127.0.0.1:port` of the test namespace.
 */
export async function openIsolatedNet(port: number): Promise<IsolatedNet> {
  const cleanups: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    // A process that only holds the namespace open; everything else enters it with nsenter. It
    // waits on a pipe from this process rather than sleeping for ever, so it ends with this
    // process even when no cleanup runs (a run killed from outside).
    const holder = spawn('unshare', ['-n', 'sh', '-c', 'read _ || true'], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    cleanups.push(async () => void holder.kill());
    const pid = holder.pid;
    if (pid === undefined) throw new Error('cannot start unshare');
    await namespaceOf(pid);

    await ip(['link', 'add', BRIDGE, 'type', 'bridge']);
    cleanups.push(() => ip(['link', 'del', BRIDGE]));
    await ip(['addr', 'add', `${BRIDGE_ADDRESS}/24`, 'dev', BRIDGE]);
    await ip(['link', 'set', BRIDGE, 'up']);
    await ip(['link', 'add', BRIDGE_PORT, 'type', 'veth', 'peer', 'name', INSIDE]);
    // Deleting one end of a veth pair deletes both; after the holder ends, it is already gone.
    cleanups.push(() => ip(['link', 'del', BRIDGE_PORT]).catch(() => undefined));
    await ip(['link', 'set', INSIDE, 'netns', String(pid)]);
    await ip(['link', 'set', BRIDGE_PORT, 'master', BRIDGE]);
    await ip(['link', 'set', BRIDGE_PORT, 'up']);
    await ip(['link', 'set', 'lo', 'up'], pid);
    await ip(['addr', 'add', `${INSIDE_ADDRESS}/24`, 'dev', INSIDE], pid);
    await ip(['link', 'set', INSIDE, 'up'], pid);
    await ip(['route', 'add', 'default', 'via', BRIDGE_ADDRESS], pid);

    const outer: Server = await forwardTcp(
      { host: BRIDGE_ADDRESS, port },
      { host: '127.0.0.1', port },
    );
    cleanups.push(() => new Promise((resolve) => outer.close(() => resolve())));
    const tsx = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
    const script = join(REPO_ROOT, 'tests', 'e2e', 'chaos', 'forwarder.ts');
    const inner = spawn(
      'nsenter',
      [
        '-t',
        String(pid),
        '-n',
        tsx,
        script,
        '127.0.0.1',
        String(port),
        BRIDGE_ADDRESS,
        String(port),
      ],
      // Its stdin is a pipe from this process: it ends when this process does (forwarder.ts).
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    cleanups.push(async () => void inner.kill());
    await ready(inner, 'the forwarder inside the namespace');

    const dir = await mkdtemp(join(tmpdir(), 'kith-isolated-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const chromiumPath = join(dir, 'chromium-in-netns');
    // playwright talks to Chromium over inherited pipes, which nsenter keeps.
    await writeFile(
      chromiumPath,
      `#!/bin/sh\nexec nsenter -t ${pid} -n -- ${CHROMIUM_PATH} "$@"\n`,
    );
    await chmod(chromiumPath, 0o755);

    return {
      chromiumPath,
      cut: () => ip(['link', 'set', BRIDGE_PORT, 'down']),
      restore: () => ip(['link', 'set', BRIDGE_PORT, 'up']),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
