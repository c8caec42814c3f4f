/**
 * The home peer's crash test (issue 25): its process is killed with SIGKILL while it syncs
 * 10,000 entries of its person's log, the files in FOLDER are then cut at seeded random offsets
 * past what it had made durable, and on restart nothing it had acknowledged is lost and the sync
 * completes.
 *
 * Everything is real but the distance: the relay is its own Node process (`relay-crash.fixture.ts`,
 * the FOLDER run of `main.ts` with ICE on loopback), the signaling server listens on 127.0.0.1,
 * and every connection is a werift data channel over loopback. Two nodes live in this process:
 *
 * - Alice's `source`, another relay device of hers holding her 10,000 entries, which the home
 *   peer replicates (they meet as devices of one person); it serves the first 5,000, then holds
 *   the rest back until the crash, so the kill comes mid-sync however fast each side is;
 * - Bob's relay device, Bob being Alice's friend in the home peer's handover only: Alice's
 *   source does not know Bob, so whatever Bob holds of Alice's he got from the home peer. The
 *   home peer sends an entry on (its live push, or an answer to Bob's request) only once its
 *   store holds it, so Bob's copy of her log, when the kill comes, is what the home peer had
 *   acknowledged to a peer. Bob then leaves: the restarted home peer completes its sync from
 *   the source, and says so in its status line.
 *
 * Set `KITH_CRASH_SEED` to replay a run; the seed is printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, open, readdir, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startServer } from '../../signaling/server.ts';
import { randomBytes } from '../core/bytes.ts';
import type { EntryHash } from '../core/ids.ts';
import { systemClock } from '../core/clock.ts';
import { startNewDevice } from '../core/identity/device-setup.ts';
import { SignalingClient, type WebSocketConstructor } from '../core/net/signaling-client.ts';
import { openNode, type NodeNetwork } from '../core/node.ts';
import type { RelayHandover } from '../core/relay-handover.ts';
import { MemoryStorageAdapter } from '../core/store/memory-storage-adapter.ts';
import { TestPerson } from '../core/sync/test-helpers.ts';
import { scanFrames } from './fs-frames.ts';
import { decodeRecords } from './fs-records.ts';
import { saveRelayState } from './relay-state.ts';
import { weriftPeers } from './werift-peer.ts';

const ENTRIES = 10_000;
/** Alice's source serves this many, then waits for the crash: it comes mid-sync whatever the speeds. */
const SERVED_BEFORE_CRASH = 5_000;
/** Bob must have been served this much by the home peer before the kill. */
const KILL_AFTER = 1_000;
const JOURNAL = 'journal';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((done) => setTimeout(done, 25));
  }
}

/** A small seeded generator (mulberry32): the same seed cuts the same offsets. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A store that answers reads of entries until it gave `limit`, then waits until `open()`. */
class GatedStore extends MemoryStorageAdapter {
  private served = 0;
  private opened: Promise<void>;
  open: () => void = () => undefined;

  constructor(private readonly limit: number) {
    super();
    this.opened = new Promise((resolve) => (this.open = resolve));
  }

  override async getEntries(
    ...args: Parameters<MemoryStorageAdapter['getEntries']>
  ): ReturnType<MemoryStorageAdapter['getEntries']> {
    if (this.served >= this.limit) await this.opened;
    const entries = await super.getEntries(...args);
    this.served += entries.length;
    return entries;
  }
}

/** The home peer as a process over `folder`; its JSON status lines as they come. */
function startHomePeer(folder: string) {
  const fixture = resolve(import.meta.dirname, 'relay-crash.fixture.ts');
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fixture, folder], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const lines: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, exited, lines, err: () => err };
}

/** A whole frame of the journal: where it ends, and the entries it holds (seq → hash). */
interface Frame {
  readonly end: number;
  readonly held: Map<number, EntryHash>;
}

/** The whole frames of FOLDER's journal (the relay holds one log, Alice's), and its size. */
async function journalFrames(
  folder: string,
): Promise<{ frames: Frame[]; valid: number; size: number }> {
  const file = await open(join(folder, JOURNAL), 'r');
  try {
    const frames: Frame[] = [];
    const valid = await scanFrames(file, ({ offset, body }) => {
      const held = new Map<number, EntryHash>();
      decodeRecords(body, offset, (record) => {
        if (record.kind === 'held') held.set(record.record.seq, record.record.hash);
      });
      frames.push({ end: offset + body.length, held });
    });
    return { frames, valid, size: (await file.stat()).size };
  } finally {
    await file.close();
  }
}

describe('the home peer killed mid-sync', () => {
  it('loses nothing it acknowledged when FOLDER is cut past its last fsync, and completes the sync on restart', async () => {
    const seed = Number(process.env.KITH_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 32));
    // Printed so that a failing run can be replayed.
    console.warn(`relay crash test: KITH_CRASH_SEED=${seed}`);
    const random = seeded(seed);

    const folder = await mkdtemp(join(tmpdir(), 'kith-crash-'));
    cleanups.push(() => rm(folder, { recursive: true, force: true }));
    const server = await startServer({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => server.close());
    const signalingUrl = `${server.url.replace(/^http/, 'ws')}/signaling`;

    const alice = await TestPerson.create('alice');
    const bob = await TestPerson.create('bob');
    const aliceDevice = alice.device.key.deviceId;
    const ownDevices = randomBytes(32);
    const pairwiseSecret = randomBytes(32);
    await saveRelayState(folder, {
      device: await startNewDevice(alice.identity, {
        clock: systemClock,
        role: 'relay',
        extractable: true,
      }),
      handover: { person: alice.id, ownDevices, friends: [{ person: bob.id, pairwiseSecret }] },
      signalingUrl,
      iceServers: [],
    });

    /** A relay device of `person` in this process, on the loopback network. */
    const relayHere = async (
      person: TestPerson,
      handover: RelayHandover,
      store: MemoryStorageAdapter,
    ) => {
      const node = await openNode({
        store,
        device: await startNewDevice(person.identity, { clock: systemClock, role: 'relay' }),
        handover,
        clock: systemClock,
      });
      const signaling = new SignalingClient({
        url: signalingUrl,
        WebSocket: WebSocket as unknown as WebSocketConstructor,
      });
      signaling.start();
      const network = await node.startNetwork({
        signaling,
        SimplePeer: weriftPeers({ loopbackOnly: true }),
        iceServers: () => [],
        tuning: { announceMs: 1000, acceptRetryMs: 500, checkMs: 200 },
      });
      cleanups.push(() => {
        network.stop();
        signaling.stop();
        node.close();
      });
      return network;
    };
    const online = (network: NodeNetwork) =>
      [...network.mesh.status().friends.values()].some((state) => state !== 'offline');

    const bobStore = new MemoryStorageAdapter();
    const bobHeld = async () => {
      const ranges = await bobStore.heldRanges(alice.id, aliceDevice);
      return ranges.flatMap((r) =>
        Array.from({ length: r.end - r.start + 1 }, (_, i) => r.start + i),
      );
    };
    const bobNetwork = await relayHere(
      bob,
      {
        person: bob.id,
        ownDevices: randomBytes(32),
        friends: [{ person: alice.id, pairwiseSecret }],
      },
      bobStore,
    );

    let home = startHomePeer(folder);
    // Alice's entries are signed while the home peer starts and meets Bob.
    await alice.append(ENTRIES);
    await until('Bob meets the home peer', () => online(bobNetwork));
    const sourceStore = new GatedStore(SERVED_BEFORE_CRASH);
    for (let i = 0; i < ENTRIES; i += 500)
      await sourceStore.putEntries(alice.log.slice(i, i + 500));
    await relayHere(alice, { person: alice.id, ownDevices, friends: [] }, sourceStore);

    await until('the home peer served Bob part of the log', async () => {
      if (home.child.exitCode !== null) throw new Error(`the home peer exited: ${home.err()}`);
      return (await bobHeld()).length >= KILL_AFTER;
    });
    home.child.kill('SIGKILL');
    await home.exited;
    const acknowledged = await bobHeld();
    bobNetwork.stop();
    sourceStore.open();

    // What the killed process left: every entry it acknowledged is in a whole frame.
    const before = await journalFrames(folder);
    const frameOf = new Map<number, number>();
    for (const frame of before.frames)
      for (const seq of frame.held.keys()) frameOf.set(seq, frame.end);
    expect(acknowledged.filter((seq) => !frameOf.has(seq))).toEqual([]);
    expect(frameOf.size, 'the kill came mid-sync').toBeLessThan(ENTRIES);

    // Cut each file at a random offset past its last fsync. The journal was fsynced at least
    // through the frames holding what was acknowledged (a frame is fsynced before its entries
    // are announced); a blob still being written aside had none. The rest (relay.json, the
    // lock) were fsynced whole when written.
    const durable = Math.max(0, ...acknowledged.map((seq) => frameOf.get(seq)!));
    const cutAt = durable + Math.floor(random() * (before.size - durable + 1));
    await truncate(join(folder, JOURNAL), cutAt);
    for (const name of await readdir(join(folder, 'blobs'))) {
      if (!name.startsWith('tmp-')) continue;
      const path = join(folder, 'blobs', name);
      await truncate(path, Math.floor(random() * ((await stat(path)).size + 1)));
    }
    const after = await journalFrames(folder);
    const survived = new Set(after.frames.flatMap((frame) => [...frame.held.keys()]));
    expect(
      acknowledged.filter((seq) => !survived.has(seq)),
      `seed ${seed}`,
    ).toEqual([]);

    // A new process on FOLDER alone: the dead one's lock is taken over, the torn tail dropped.
    home = startHomePeer(folder);
    await until('the home peer restarted', () => home.lines.length > 0);
    expect(home.lines[0]).toMatchObject({ status: 'running' });
    expect(home.lines[0]!.entries as number).toBeGreaterThanOrEqual(acknowledged.length);
    await until('the home peer holds all of Alice’s log', () => {
      if (home.child.exitCode !== null) throw new Error(`the home peer exited: ${home.err()}`);
      return home.lines.at(-1)?.entries === ENTRIES;
    });
    home.child.kill('SIGTERM');
    expect(await home.exited).toBe(0);
    expect(home.lines.at(-1)).toEqual({ status: 'stopped' });

    // FOLDER now holds the whole log, each entry the one Alice signed.
    const final = await journalFrames(folder);
    expect(final.valid).toBe(final.size);
    const held = new Map(final.frames.flatMap((frame) => [...frame.held]));
    expect(held.size).toBe(ENTRIES);
    expect(alice.log.filter((entry) => held.get(entry.seq) !== entry.hash)).toEqual([]);
  }, 300_000);
});
