/**
 * The whole network core of several people in one process, each opened through the composition
 * root (`openNode`: real identities, stores, ingest, peers, sync engines, invites and meshes);
 * only the network's edges are stand-ins (an in-memory signaling hub and a simple-peer whose
 * connection is an in-process data channel pair).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../clock.ts';
import { createIdentity, startNewDevice, type IdentityOnDevice } from '../identity/device-setup.ts';
import { defaultVerifier } from '../identity/verifier.ts';
import { randomBytes, toBase64Url } from '../bytes.ts';
import { encryptionKeyOfGeneration } from '../identity/keys.ts';
import { decodeInvite } from '../invite/invite-codec.ts';
import { inviteChannel, openAccept } from '../invite/invite-exchange.ts';
import { logKey, type PersonId } from '../ids.ts';
import { MemoryNetwork } from '../net/memory-network.ts';
import type { SimplePeerConstructor } from '../net/connection-manager.ts';
import { FakeSimplePeer, MemorySignaling } from '../net/test-helpers.ts';
import { openNode, type NodeNetwork, type PersonNode } from '../node.ts';
import type { Peer } from '../peer/peer.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import * as landedV1 from '../sync/landed-v1/messages.ts';
import { encodeHello } from '../sync/messages.ts';
import type { SyncEngine } from '../sync/sync-engine.ts';
import { InviteRecords } from './invite-records.ts';
import { acceptInvite, issueInvite } from './invites.ts';
import type { Mesh } from './mesh.ts';
import { docIdOf } from '../kinds/registry.ts';
import { relayHandover } from '../relay-handover.ts';

interface Node {
  readonly name: string;
  readonly id: PersonId;
  readonly saved: IdentityOnDevice;
  readonly store: WatchedStore;
  readonly kith: PersonNode;
  readonly peer: Peer;
  readonly records: InviteRecords;
  /** The running network's engine and mesh (a restart replaces both). */
  engine: SyncEngine;
  mesh: Mesh;
}

const running: Node[] = [];

/** A memory store that remembers the name of every setting written (what a device kept). */
class WatchedStore extends MemoryStorageAdapter {
  readonly settingsWritten = new Set<string>();

  override async setSetting(key: string, value: unknown): Promise<void> {
    this.settingsWritten.add(key);
    await super.setSetting(key, value);
  }
}

afterEach(() => {
  for (const node of running.splice(0)) {
    node.mesh.stop();
    node.kith.close();
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
  readonly checkMs?: number;
}

/** Starts a node's network on `hub`. */
function startNetwork(
  kith: PersonNode,
  hub: MemorySignaling,
  tuning: MeshTuning = {},
): Promise<NodeNetwork> {
  return kith.startNetwork({
    signaling: hub.client(),
    SimplePeer: tuning.SimplePeer ?? (FakeSimplePeer as unknown as SimplePeerConstructor),
    iceServers: () => [],
    verifier: defaultVerifier,
    tuning: {
      announceMs: tuning.announceMs ?? 100,
      acceptRetryMs: 100,
      checkMs: tuning.checkMs ?? 100,
      ...(tuning.stallMs ? { stallMs: tuning.stallMs } : {}),
    },
  });
}

/** A new page life of `node`'s network (after its mesh stopped): a new engine and mesh. */
async function startMesh(node: Node, hub: MemorySignaling): Promise<Mesh> {
  const network = await startNetwork(node.kith, hub);
  node.engine = network.engine;
  return network.mesh;
}

async function person(name: string, hub: MemorySignaling, tuning?: MeshTuning): Promise<Node> {
  const store = new WatchedStore();
  const saved = await createIdentity({ clock: systemClock });
  const kith = await openNode({ store, ...saved, clock: systemClock });
  await kith.peer.setProfile({ name });
  const { engine, mesh } = await startNetwork(kith, hub, tuning);
  const node: Node = {
    name,
    id: saved.identity.personId,
    saved,
    store,
    kith,
    peer: kith.peer,
    records: new InviteRecords(store),
    engine,
    mesh,
  };
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
    keys: inviter.peer.inviteKeys,
    records: inviter.records,
    clock: systemClock,
    origin: 'http://127.0.0.1',
    signalingUrls: ['ws://127.0.0.1/signaling'],
  });
  await inviter.mesh.refreshInvites();
  await acceptInvite({
    link,
    identity: invitee.saved.identity,
    keys: invitee.peer.inviteKeys,
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

/**
 * Nothing waits to be delivered, nothing moves, and no friend shows as syncing (a session that
 * fell idle with no progress event after its last one left a friend "syncing…" for good).
 */
function settled(node: Node): boolean {
  const status = node.mesh.status();
  const marked = [...status.friends.values()].includes('syncing');
  return status.undelivered === 0 && !status.syncing && !marked;
}

describe('Mesh', () => {
  it('makes friends through an invite and syncs both ways', async () => {
    const hub = new MemorySignaling();
    const alice = await person('Alice', hub);
    const bob = await person('Bob', hub);
    await befriendByInvite(alice, bob);
    await until('both settle', () => settled(alice) && settled(bob));
    expect(alice.mesh.status().friends.get(bob.id)).toBe('connected');
  });

  it('an invite and its accept made after a device removal hand out the current key generation', async () => {
    const hub = new MemorySignaling();
    const alice = await person('Alice', hub);
    const bob = await person('Bob', hub);
    // Each removed a device once: their keys are of generation 1.
    await alice.peer.nextKeyGeneration();
    await bob.peer.nextKeyGeneration();
    const current = async (node: Node) =>
      (await encryptionKeyOfGeneration(node.saved.identity.seed, 1)).publicKey;

    const { link } = await issueInvite({
      identity: alice.saved.identity,
      keys: alice.peer.inviteKeys,
      records: alice.records,
      clock: systemClock,
      origin: 'http://127.0.0.1',
      signalingUrls: ['ws://127.0.0.1/signaling'],
    });
    const invite = await decodeInvite(link, systemClock, defaultVerifier);
    expect(invite.keyRecord.generation).toBe(1);
    expect(invite.keyRecord.encryptionKey).toEqual(await current(alice));
    const { record } = await acceptInvite({
      link,
      identity: bob.saved.identity,
      keys: bob.peer.inviteKeys,
      records: bob.records,
      clock: systemClock,
      verifier: defaultVerifier,
    });
    const acceptance = await openAccept({
      accept: record.accept,
      channel: await inviteChannel(invite.secret),
      opening: alice.peer.inviteKeys.opening(),
      verifier: defaultVerifier,
    });
    expect(acceptance.keyRecord.generation).toBe(1);
    expect(acceptance.keyRecord.encryptionKey).toEqual(await current(bob));

    // The meshes carry it: Alice's desk opens an accept sealed to her key of now.
    await alice.mesh.refreshInvites();
    await bob.mesh.refreshInvites();
    await until('both are friends', () => alice.peer.friends().has(bob.id));
    await until(
      'Bob hears welcome',
      async () => (await bob.records.accepted())[0]?.outcome === 'welcome',
    );
    expect(alice.peer.friends().get(bob.id)?.encryptionKey).toBe(toBase64Url(await current(bob)));
    expect(bob.peer.friends().get(alice.id)?.encryptionKey).toBe(toBase64Url(await current(alice)));
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

  it('marks a post delivered as it goes to a connected friend, not at the next check', async () => {
    const hub = new MemorySignaling();
    // The slow check never comes in this test: what marks the post is its own write.
    const alice = await person('Alice', hub, { checkMs: 3_600_000 });
    const bob = await person('Bob', hub);
    await befriendByInvite(alice, bob);
    // Connected and done with what was there before: the post goes to Bob live.
    await until(
      'Bob is connected and both are idle',
      () =>
        alice.mesh.status().connections > 0 &&
        !alice.mesh.status().syncing &&
        !bob.mesh.status().syncing,
    );
    const written = await alice.peer.createPost({ text: 'while Bob is here' });
    await until('Bob has the post', async () => (await bob.peer.post(written)) !== undefined);
    await until(
      'nothing is pending',
      () => alice.mesh.status().pending.size === 0 && alice.mesh.status().undelivered === 0,
    );
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

describe('a relay device', () => {
  it('replicates its person’s log and serves it to a friend while the person is away, reading and signing nothing', async () => {
    const hub = new MemorySignaling();
    const alice = await person('Alice', hub);
    const bob = await person('Bob', hub);
    // Bob is away from the start: whatever he gets of Alice's, he gets from her relay.
    bob.mesh.stop();
    const rendezvous = randomBytes(32);
    await alice.peer.addFriend({
      personId: bob.id,
      encryptionKey: bob.saved.identity.encryptionPublicKey,
      rendezvous,
    });
    await bob.peer.addFriend({
      personId: alice.id,
      encryptionKey: alice.saved.identity.encryptionPublicKey,
      rendezvous,
    });

    // Alice's relay: its own certified device key and her handover, nothing else.
    const relayStore = new WatchedStore();
    const relay = await openNode({
      store: relayStore,
      device: await startNewDevice(alice.saved.identity, { clock: systemClock, role: 'relay' }),
      handover: relayHandover(alice.kith),
      clock: systemClock,
    });
    const relayNetwork = await relay.startNetwork({
      signaling: hub.client(),
      SimplePeer: FakeSimplePeer as unknown as SimplePeerConstructor,
      iceServers: () => [],
      tuning: { announceMs: 100, checkMs: 100 },
    });
    try {
      const posts = [
        await alice.peer.createPost({ text: 'first, for friends' }),
        await alice.peer.createPost({ text: 'second, for friends' }),
      ];
      const aliceDevice = alice.saved.device.key.deviceId;
      const head = async (store: MemoryStorageAdapter) =>
        (await store.heldRanges(alice.id, aliceDevice)).at(-1)?.end ?? 0;
      const aliceHead = await head(alice.store);
      await until('the relay holds Alice’s log', async () => (await head(relayStore)) >= aliceHead);

      alice.mesh.stop();
      bob.mesh = await startMesh(bob, hub);
      for (const post of posts) {
        await until(
          'Bob reads Alice’s post',
          async () => (await bob.peer.post(post)) !== undefined,
        );
      }

      // The relay held the posts' ciphertext, and could not have signed or opened any of it.
      for (const post of posts) {
        const doc = docIdOf({ kind: 'post', postId: post.postId });
        expect((await relayStore.getDocEntries(alice.id, doc)).length).toBeGreaterThan(0);
      }
      const relayDevice = relay.device.key.deviceId;
      expect((await relayStore.listLogs()).map((log) => log.device)).not.toContain(relayDevice);
      expect((await bob.store.listLogs()).map((log) => log.device)).not.toContain(relayDevice);
      const keysKept = (store: WatchedStore) =>
        [...store.settingsWritten].filter((name) => name.startsWith('keys/content/'));
      expect(keysKept(alice.store).length).toBeGreaterThan(0);
      expect([...relayStore.settingsWritten].filter((name) => name.startsWith('keys/'))).toEqual(
        [],
      );
      expect(relay.kind).toBe('relay');
    } finally {
      relayNetwork.stop();
      relay.close();
    }
  });
});
