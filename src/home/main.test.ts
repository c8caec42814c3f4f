/**
 * The home peer as a process: `node main.ts FOLDER --json` over a FOLDER with a saved relay
 * state starts, shows a status line, and on SIGTERM stops cleanly (exit 0, FOLDER released).
 * Its signaling URL points at a closed loopback port: nothing leaves this machine.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
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

describe('kith-home FOLDER', () => {
  it('runs a paired FOLDER, shows a JSON status line, and stops on SIGTERM with status 0', async () => {
    const folder = await pairedFolder();
    // Node itself with tsx's loader (not the `tsx` wrapper): the signal reaches the home peer.
    const main = resolve(import.meta.dirname, 'main.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', main, folder, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
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

    const status = JSON.parse(await firstLine) as Record<string, unknown>;
    expect(status).toMatchObject({ status: 'running', friends: 1, friendsOnline: 0, entries: 0 });
    expect(status.diskBytes).toBeTypeOf('number');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(err).toBe('');
    expect(JSON.parse(lines.at(-1)!)).toEqual({ status: 'stopped' });
    // The store closed and released its lock (a killed process would leave the lock file).
    expect(existsSync(join(folder, LOCK_FILE))).toBe(false);
  }, 30_000);
});
