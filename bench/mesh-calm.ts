/**
 * Calm churn (`npm run bench:mesh -- --calm`, length `--calm-ms=N`, default 10 minutes): how
 * many RTCPeerConnections one person's device creates while 20 friends come and go every few
 * minutes, at a cap of 16 connections, as people's phones and laptops do on a quiet day.
 *
 * Node, in one process: each person is the whole network core (identity, store, ingest, peer,
 * sync engine, mesh, opened through `openNode` as the app and `src/core/mesh/mesh.test.ts` open
 * them); only the edges are stand-ins
 * (the in-memory signaling hub and a simple-peer whose connection is an in-process channel
 * pair, which counts creations as RTCPeerConnections are counted). A friend leaving is a page
 * unloading: `mesh.goodbye()`, then everything stops; coming back is a new page life on the
 * same store and device. Each friend posts soon after arriving, Alice posts every minute. About
 * 11 friends are online at a time (55 %): mostly below the cap, as on a quiet day; above it, a
 * post of Alice's reaches a friend waiting for a slot only at a rotation (every 5 minutes).
 *
 * When the run ends, nobody comes or goes any more and the delivery check waits (bounded) until
 * Alice holds every friend's log as far as it was written and every friend online holds Alice's:
 * connections made in that wait are not counted.
 */
import { systemClock } from '../src/core/clock.ts';
import { createIdentity, type IdentityOnDevice } from '../src/core/identity/device-setup.ts';
import type { PersonId } from '../src/core/ids.ts';
import type { Mesh } from '../src/core/mesh/mesh.ts';
import type { SimplePeerConstructor } from '../src/core/net/connection-manager.ts';
import { FakeSimplePeer, MemorySignaling } from '../src/core/net/test-helpers.ts';
import { openNode, type PersonNode } from '../src/core/node.ts';
import type { Peer } from '../src/core/peer/peer.ts';
import { MemoryStorageAdapter } from '../src/core/store/memory-storage-adapter.ts';
import { randomBytes } from '../src/core/bytes.ts';

const FRIENDS = 20;
const CAP = 16;
/** A friend's page stays open, then closed, for a uniformly random time in these bounds. */
const ONLINE_MS: readonly [number, number] = [60_000, 4 * 60_000];
const OFFLINE_MS: readonly [number, number] = [60_000, 3 * 60_000];
/** Friends first arrive at a uniformly random time within this, as if the day were under way. */
const FIRST_ARRIVAL_MS = 3 * 60_000;
/** A friend posts this long after arriving. */
const POST_AFTER_MS = 5_000;
const ALICE_POSTS_EVERY_MS = 60_000;
/** Bound of the delivery check after the run. */
const DRAIN_MS = 60_000;

/** What `connectionsPerHourCalm` holds in `bench/results/mesh.json`. */
export interface CalmResult {
  readonly arrivals: number;
  readonly created: number;
  readonly runMs: number;
  readonly perArrival: number;
  readonly extraPerHour: number;
  readonly friends: number;
  readonly cap: number;
  readonly departures: number;
  /** Entries written during the run (all friends' and Alice's). */
  readonly written: number;
  /** Whether every one of them was delivered (see the module doc). */
  readonly delivered: boolean;
  readonly deliveryWaitMs: number;
  readonly how: string;
}

function between([low, high]: readonly [number, number]): number {
  return low + Math.random() * (high - low);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One person's device: its store outlives its page lives. */
class Device {
  readonly store = new MemoryStorageAdapter();
  private life: { node: PersonNode; peer: Peer; mesh: Mesh; stop: () => void } | undefined;

  private constructor(readonly saved: IdentityOnDevice) {}

  static async create(): Promise<Device> {
    return new Device(await createIdentity({ clock: systemClock }));
  }

  get id(): PersonId {
    return this.saved.identity.personId;
  }

  get online(): { peer: Peer; mesh: Mesh } | undefined {
    return this.life;
  }

  /** Opens the node without its network (for setting up friendships before any mesh runs). */
  open(): Promise<PersonNode> {
    return openNode({ store: this.store, ...this.saved, clock: systemClock });
  }

  /** A new page life: node, engine and mesh over the same store. */
  async arrive(hub: MemorySignaling, maxConnections?: number): Promise<Mesh> {
    const node = await this.open();
    const { mesh, stop } = await node.startNetwork({
      signaling: hub.client(),
      SimplePeer: FakeSimplePeer as unknown as SimplePeerConstructor,
      iceServers: () => [],
      maxConnections,
    });
    this.life = { node, peer: node.peer, mesh, stop };
    return mesh;
  }

  /** The page unloads: a goodbye, then everything stops. */
  leave(): void {
    if (!this.life) return;
    this.life.mesh.goodbye();
    this.life.stop();
    this.life.node.close();
    this.life = undefined;
  }

  /** How far this device's own log goes. */
  async head(): Promise<number> {
    return this.heldOf(this);
  }

  /** How far this device holds `other`'s log. */
  async heldOf(other: Device): Promise<number> {
    const ranges = await this.store.heldRanges(other.id, other.saved.device.key.deviceId);
    return ranges.at(-1)?.end ?? 0;
  }
}

/** Runs the calm churn for `runMs` and returns its figures. */
export async function calmChurn(runMs: number): Promise<CalmResult> {
  const hub = new MemorySignaling();
  const alice = await Device.create();
  const friends = await Promise.all(Array.from({ length: FRIENDS }, () => Device.create()));
  // Friendships as an invite leaves them: each side holds the other and the pairwise secret.
  const aliceNode = await alice.open();
  for (const friend of friends) {
    const rendezvous = randomBytes(32);
    const node = await friend.open();
    await node.peer.addFriend({
      personId: alice.id,
      encryptionKey: alice.saved.identity.encryptionPublicKey,
      rendezvous,
    });
    node.close();
    await aliceNode.peer.addFriend({
      personId: friend.id,
      encryptionKey: friend.saved.identity.encryptionPublicKey,
      rendezvous,
    });
  }
  aliceNode.close();

  const mesh = await alice.arrive(hub, CAP);
  const createdBefore = mesh.connectionsCreated;
  const start = Date.now();
  const end = start + runMs;
  let arrivals = 0;
  let departures = 0;
  let written = 0;
  const posting = setInterval(() => {
    void alice.online?.peer.createPost({ text: `Alice at ${Date.now()}` }).then(() => written++);
  }, ALICE_POSTS_EVERY_MS);

  const life = async (friend: Device): Promise<void> => {
    await sleep(Math.random() * Math.min(FIRST_ARRIVAL_MS, runMs / 2));
    while (Date.now() < end) {
      await friend.arrive(hub);
      arrivals++;
      const online = between(ONLINE_MS);
      await sleep(Math.min(POST_AFTER_MS, online));
      await friend.online?.peer.createPost({ text: `hello from ${friend.id.slice(0, 6)}` });
      written++;
      const stay = Math.max(0, Math.min(online - POST_AFTER_MS, end - Date.now()));
      await sleep(stay);
      if (Date.now() >= end) return;
      friend.leave();
      departures++;
      await sleep(Math.min(between(OFFLINE_MS), Math.max(0, end - Date.now())));
    }
  };
  await Promise.all(friends.map((f) => life(f)));
  clearInterval(posting);
  const created = mesh.connectionsCreated - createdBefore;
  const elapsed = Date.now() - start;

  const waitStart = Date.now();
  const deliveredAll = async (): Promise<boolean> => {
    for (const friend of friends) {
      if ((await alice.heldOf(friend)) < (await friend.head())) return false;
      if (friend.online && (await friend.heldOf(alice)) < (await alice.head())) return false;
    }
    return true;
  };
  let delivered = await deliveredAll();
  while (!delivered && Date.now() - waitStart < DRAIN_MS) {
    await sleep(500);
    delivered = await deliveredAll();
  }
  const deliveryWaitMs = Date.now() - waitStart;
  for (const device of [alice, ...friends]) device.leave();

  return {
    arrivals,
    created,
    runMs: elapsed,
    perArrival: arrivals === 0 ? 0 : created / arrivals,
    extraPerHour: ((created - arrivals) / elapsed) * 3_600_000,
    friends: FRIENDS,
    cap: CAP,
    departures,
    written,
    delivered,
    deliveryWaitMs,
    how: 'Node, one process: whole network core per person (Mesh, SyncEngine, Peer, memory store); in-memory signaling hub and FakeSimplePeer (in-process channel pairs), default mesh timings',
  };
}
