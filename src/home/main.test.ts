/**
 * The home peer as a process: `node main.ts FOLDER --json` over a FOLDER with a saved relay
 * state starts, shows a status line, and on SIGTERM or SIGINT stops cleanly (exit 0, FOLDER
 * released); a FOLDER it may not write is one line and exit 2.
 * Its signaling URL points at a closed loopback port: nothing leaves this machine.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes } from '../core/bytes.ts';
import { systemClock } from '../core/clock.ts';
import { createIdentity, startNewDevice } from '../core/identity/device-setup.ts';
import { LOCK_FILE } from './folder-lock.ts';
import { saveRelayState } from './relay-state.ts';

const folders: string[] = [];
afterAll(() => Promise.all(folders.map((f) => rm(f, { recursive: true, force: true }))));

/** A FOLDER as pairing will leave it: Alice's relay, one friend. */
async function pairedFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'kith-home-main-'));
  folders.push(folder);
  const alice = await createIdentity({ clock: systemClock });
  const bob = await createIdentity({ clock: systemClock });
  await saveRelayState(folder, {
    device: await startNewDevice(alice.identity, {
      clock: systemClock,
      role: 'relay',
      extractable: true,
    }),
    handover: {
      person: alice.identity.personId,
      ownDevices: randomBytes(32),
      friends: [{ person: bob.identity.personId, pairwiseSecret: randomBytes(32) }],
    },
    signalingUrl: 'ws://127.0.0.1:9/signaling',
    iceServers: [],
  });
  return folder;
}

/** The home peer as a process (Node with tsx's loader, so signals reach it, not a wrapper). */
function start(args: readonly string[], options: { uid?: number; gid?: number } = {}) {
  const main = resolve(import.meta.dirname, 'main.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const lines: string[] = [];
  const firstLine = new Promise<string>((done) =>
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (lines.length === 1) done(line);
    }),
  );
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { child, exited, lines, firstLine, err: () => err };
}

// Each test starts a process through tsx: seconds on a loaded machine, beyond the 20 s default.
describe('kith-home FOLDER', { timeout: 90_000 }, () => {
  it.each([['SIGTERM' as const], ['SIGINT' as const]])(
    'runs a paired FOLDER with its caps, shows a JSON status line, and stops on %s with status 0',
    async (signal) => {
      const folder = await pairedFolder();
      const home = start([folder, '--json', '--quota', '2GB', '--max-connections', '4']);
      const status = JSON.parse(await home.firstLine) as Record<string, unknown>;
      expect(status).toMatchObject({
        status: 'running',
        friends: 1,
        friendsOnline: 0,
        entries: 0,
        quotaBytes: 2e9,
      });
      expect(status.diskBytes).toBeTypeOf('number');
      home.child.kill(signal);
      expect(await home.exited).toBe(0);
      expect(home.err()).toBe('');
      expect(JSON.parse(home.lines.at(-1)!)).toEqual({ status: 'stopped' });
      // The store closed and released its lock (a killed process would leave the lock file).
      expect(existsSync(join(folder, LOCK_FILE))).toBe(false);
    },
    30_000,
  );

  it('answers a FOLDER it may not write with one line and status 2', async () => {
    const base = await mkdtemp(join(tmpdir(), 'kith-home-main-'));
    folders.push(base);
    await chmod(base, 0o755);
    const folder = join(base, 'read-only');
    await mkdir(folder, { mode: 0o500 });
    // root may write anywhere: the home peer then runs as nobody, as a service user would.
    const asRoot = process.getuid?.() === 0;
    const home = start([folder], asRoot ? { uid: 65534, gid: 65534 } : {});
    expect(await home.exited).toBe(2);
    expect(home.lines).toEqual([]);
    expect(home.err()).toBe(`kith-home: cannot use ${folder} as FOLDER: EACCES\n`);
  }, 30_000);
});
