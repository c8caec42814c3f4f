/**
 * The whole network core of several people in one process: real identities, stores, ingest,
 * peers, sync engines, invites and meshes; only the network's edges are stand-ins (an in-memory
 * signaling hub and a simple-peer whose connection is an in-process data channel pair).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../clock.ts';
import { EntryVerifier } from '../feed/entry-verifier.ts';
import { createIdentity, type IdentityOnDevice } from '../identity/device-setup.ts';
import { defaultVerifier } from '../identity/verifier.ts';
import { randomBytes } from '../bytes.ts';
import { logKey, type PersonId } from '../ids.ts';
import { MemoryNetwork } from '../net/memory-network.ts';
import type { SimplePeerConstructor } from '../net/connection-manager.ts';
import { FakeSimplePeer, MemorySignaling } from '../net/test-helpers.ts';
import { Peer } from '../peer/peer.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import { Ingestor } from '../sync/ingest.ts';
import * as landedV1 from '../sync/landed-v1/messages.ts';
import { encodeHello } from '../sync/messages.ts';
import { SyncEngine } from '../sync/sync-engine.ts';
import { InviteRecords } from './invite-records.ts';
import { acceptInvite, issueInvite } from './invites.ts';
import { Mesh } from './mesh.ts';
import { docIdOf } from '../kinds/registry.ts';

interface Node {
  readonly name: string;
  readonly id: PersonId;
  readonly saved: IdentityOnDevice;
  readonly store: MemoryStorageAdapter;
  readonly peer: Peer;
  readonly engine: SyncEngine;
  readonly records: InviteRecords;
  mesh: Mesh;
}

const running: Node[] = [];

afterEach(() => {
  for (const node of running.splice(0)) {
    node.mesh.stop();
    node.peer.close();
  }
});

/**
 * A simple-peer whose first connection carries nothing (bytes sit in the sender's buffer, as on
 * a link that died without a close): what a stall looks like from inside.
 */
class FirstLinkDeadPeer extends FakeSimplePeer {
  static dead = 0;

  override on(event: string, listener: (...args: never[]) => void): this {
    if (event !== 'connect') return super.on(event, listener);
    return super.on(event, () => {
      if (FirstLinkDeadPeer.dead < 2 && this._channel) {
        // Both ends of the first pair: nothing goes either way.
        FirstLinkDeadPeer.dead++;
        this._channel.manual = true;
      }
      (listener as () => void)();
    });
  }
}

interface MeshTuning {
  readonly SimplePeer?: SimplePeerConstructor;
  readonly stallMs?: number;
  readonly announceMs?: number;
}

function startMesh(
  node: Omit<Node, 'mesh'>,
  hub: MemorySignaling,
  tuning: MeshTuning = {},
): Promise<Mesh> {
  return Mesh.start({
    identity: node.saved.identity,
    device: node.saved.device,
    store: node.store,
    peer: node.peer,
    engine: node.engine,
    signaling: hub.client(),
    SimplePeer: tuning.SimplePeer ?? (FakeSimplePeer as unknown as SimplePeerConstructor),
    iceServers: () => [],
    clock: systemClock,
    verifier: defaultVerifier,
    announceMs: tuning.announceMs ?? 100,
    acceptRetryMs: 100,
    checkMs: 100,
    ...(tuning.stallMs ? { stallMs: tuning.stallMs } : {}),
  });
}

async function person(name: string, hub: MemorySignaling, tuning?: MeshTuning): Promise<Node> {
  const store = new MemoryStorageAdapter();
  const saved = await createIdentity({ clock: systemClock });
  const verifier = new EntryVerifier();
  const ingestor = new Ingestor(store, verifier);
  const peer = await Peer.open({
    store,
    identity: saved.identity,
    device: saved.device,
    pipeline: ingestor,
    clock: systemClock,
  });
  await peer.setProfile({ name });
  const engine = new SyncEngine({
    store,
    self: saved.identity.personId,
    ingestor,
    verifier,
    receiveBlob: (id, bytes) => peer.receiveBlob(id, bytes),
  });
  const base = {
    name,
    id: saved.identity.personId,
    saved,
    store,
    peer,
    engine,
    records: new InviteRecords(store),
  };
  const node: Node = { ...base, mesh: await startMesh(base, hub, tuning) };
  running.push(node);
  return node;
}

/**
 * `inviter` issues an invite; `invitee` accepts it; both meshes carry the rest. Returns once each
 * has the other's profile.
 */
async function befriendByInvite(inviter: Node, invitee: Node): Promise<void> {
  const { link } = await issueInvite({
    identity: inviter.saved.identity,
    records: inviter.records,
    clock: systemClock,
    origin: 'http://127.0.0.1',
    signalingUrls: ['ws://127.0.0.1/signaling'],
  });
  await inviter.mesh.refreshInvites();
  await acceptInvite({
    link,
    identity: invitee.saved.identity,
    records: invitee.records,
    clock: systemClock,
    verifier: defaultVerifier,
  });
  await invitee.mesh.refreshInvites();
  await until(
    `${inviter.name} and ${invitee.name} know each other`,
    async () => (await knows(inviter, invitee)) && knows(invitee, inviter),
  );
}

async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function knows(viewer: Node, other: Node): Promise<boolean> {
  return (await viewer.peer.profile(other.id))?.name === other.name;
}

function settled(node: Node): boolean {
  const status = node.mesh.status();
  return status.undelivered === 0 && !status.syncing;
}

describe('Mesh', () => {
  it('makes friends through an invite and syncs both ways', async () => {
    const hub = new MemorySignaling();
    const alice = await person('Alice', hub);
    const bob = await person('Bob', hub);
    await befriendByInvite(alice, bob);
    await until('both settle', () => settled(alice) && settled(bob));
    expect(alice.mesh.status().friends.get(bob.id)).toMatch(/^(connected|syncing)$/);
  });

  it('shows a friend offline as soon as their page says goodbye', async () => {
    const hub = new MemorySignaling();
    // Presence alone would notice Bob gone after 2.5 × 60 s.
    const alice = await person('Alice', hub, { announceMs: 60_000 });
    const bob = await person('Bob', hub, { announceMs: 60_000 });
    await befriendByInvite(alice, bob);
    await until('connected', () => alice.mesh.status().friends.get(bob.id) !== 'offline');
    bob.mesh.goodbye();
    await until('Bob offline', () => alice.mesh.status().friends.get(bob.id) === 'offline');
  });

  it('syncs an inviter’s second friendship while the first stays connected', async () => {
    const hub = new MemorySignaling();
    const alice = await person('Alice', hub);
    const bob = await person('Bob', hub);
    const carol = await person('Carol', hub);
    await befriendByInvite(alice, bob);
    await befriendByInvite(bob, carol);
    await until('everyone settles', () => settled(alice) && settled(bob) && settled(carol));
    expect(bob.mesh.status().friends.size).toBe(2);
  });

  it('restarts a session that makes no progress, and the new connection finishes the sync', async () => {
    const hub = new MemorySignaling();
    const tuning = {
      SimplePeer: FirstLinkDeadPeer as unknown as SimplePeerConstructor,
      stallMs: 500,
    };
    FirstLinkDeadPeer.dead = 0;
    const alice = await person('Alice', hub, tuning);
    const bob = await person('Bob', hub, tuning);
    const created = FakeSimplePeer.created;
    await befriendByInvite(alice, bob);
    expect(FirstLinkDeadPeer.dead).toBe(2);
    // The dead link was replaced: more than the one pair of peers was made.
    expect(FakeSimplePeer.created - created).toBeGreaterThan(2);
    await until('both settle', () => settled(alice) && settled(bob));
  });

  it('loses nothing sent before the slower side’s simple-peer says connect', async () => {
    FakeSimplePeer.answerConnectDelayMs = 150;
    try {
      const hub = new MemorySignaling();
      const alice = await person('Alice', hub);
      const bob = await person('Bob', hub);
      await befriendByInvite(alice, bob);
      await until('both settle', () => settled(alice) && settled(bob));
    } finally {
      FakeSimplePeer.answerConnectDelayMs = 0;
    }
  });

  it('marks what was written while no friend was reachable as pending, until a friend takes it', async () => {
    const hub = new MemorySignaling();
    const alice = await person('Alice', hub);
    const bob = await person('Bob', hub);
    await befriendByInvite(alice, bob);
    await until('both settle', () => settled(alice) && settled(bob));
    expect(alice.mesh.status().pending.size).toBe(0);
    bob.mesh.stop();
    await until('Bob is gone', () => alice.mesh.status().connections === 0);
    const written = await alice.peer.createPost({ text: 'while Bob is away' });
    const doc = docIdOf({ kind: 'post', postId: written.postId });
    await until('the post is pending', () => alice.mesh.status().pending.has(doc));
    expect(alice.mesh.status().undelivered).toBeGreaterThan(0);
    bob.mesh = await startMesh(bob, hub);
    await until('Bob has the post', async () => (await bob.peer.post(written)) !== undefined);
    await until('nothing is pending', () => alice.mesh.status().pending.size === 0);
    expect(alice.mesh.status().undelivered).toBe(0);
  });

  it('knows which friends lack a post: nobody has it, then all but Carol, then everyone', async () => {
    const hub = new MemorySignaling();
    const alice = await person('Alice', hub);
    const bob = await person('Bob', hub);
    const carol = await person('Carol', hub);
    await befriendByInvite(alice, bob);
    await befriendByInvite(alice, carol);
    await until('all settle', () => settled(alice) && settled(bob) && settled(carol));
    bob.mesh.stop();
    carol.mesh.stop();
    await until('both are gone', () => alice.mesh.status().connections === 0);
    const written = await alice.peer.createPost({ text: 'while both are away' });
    const doc = docIdOf({ kind: 'post', postId: written.postId });
    const delivery = () => alice.mesh.status().pending.get(doc);
    await until('no friend has it', () => delivery()?.reached === 'nobody');
    bob.mesh = await startMesh(bob, hub);
    await until('only Carol lacks it', () => delivery()?.reached === 'some');
    expect(delivery()).toEqual({ reached: 'some', lacking: [carol.id] });
    expect(alice.mesh.status().undelivered).toBe(0);
    carol.mesh = await startMesh(carol, hub);
    await until('everyone has it', () => delivery() === undefined);
    expect(await carol.peer.post(written)).toBeDefined();
  });

  it('names a friend whose device runs an older Kith, until that device speaks the current protocol', async () => {
    const hub = new MemorySignaling();
    const alice = await person('Alice', hub);
    const [bob, carol] = await Promise.all([
      createIdentity({ clock: systemClock }),
      createIdentity({ clock: systemClock }),
    ]);
    await alice.peer.addFriend({
      personId: bob.identity.personId,
      encryptionKey: bob.identity.encryptionPublicKey,
      rendezvous: randomBytes(32),
    });
    let told: ReadonlySet<PersonId> = new Set();
    alice.mesh.onChange(() => (told = alice.mesh.status().outdated));
    // A device meets Alice's engine as the mesh attaches it (labelled by its log key) and says
    // its hello: the landed v1 one, or the current one.
    const network = new MemoryNetwork();
    const meet = async (who: IdentityOnDevice, hello: Uint8Array) => {
      const [mine, theirs] = network.connect('alice', who.device.key.deviceId);
      alice.engine.attach(mine, logKey(who.identity.personId, who.device.key.deviceId));
      await theirs.send(hello);
    };
    await meet(bob, landedV1.encodeHello([]));
    // Carol, no friend of Alice, runs an old Kith too: not Alice's business.
    await meet(carol, landedV1.encodeHello([]));
    await until('both sessions closed', () => alice.engine.outdatedRemotes.size === 2);
    expect(alice.mesh.status().outdated).toEqual(new Set([bob.identity.personId]));
    expect(told).toEqual(new Set([bob.identity.personId]));

    await meet(bob, encodeHello([]));
    await until('Bob updated', () => alice.mesh.status().outdated.size === 0);
    expect(told.size).toBe(0);
  });
});
