/**
 * The home peer's relay over its real folder store, on the in-memory network (the mesh test's
 * stand-ins for signaling and WebRTC): what Alice posts reaches her relay's FOLDER, and Bob gets
 * it from the relay alone after Alice leaves, the relay having restarted from FOLDER meanwhile.
 * The relay role: FOLDER holds no key that opens her posts, and the relay cannot sign as her.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from '../core/bytes.ts';
import { systemClock } from '../core/clock.ts';
import { createIdentity, startNewDevice } from '../core/identity/device-setup.ts';
import type { SimplePeerConstructor } from '../core/net/connection-manager.ts';
import { FakeSimplePeer, MemorySignaling } from '../core/net/test-helpers.ts';
import { openNode, type KithNode, type NodeNetwork } from '../core/node.ts';
import type { DeviceRevocation } from '../core/identity/revocation.ts';
import { NoIdentityKeyError } from '../core/peer/device-authority.ts';
import { relayHandover } from '../core/relay-handover.ts';
import { StorageQuotaError } from '../core/store/errors.ts';
import { MemoryStorageAdapter } from '../core/store/memory-storage-adapter.ts';
import { TestPerson } from '../core/sync/test-helpers.ts';
import { FolderLockedError } from './folder-lock.ts';
import { openRelay, relayRoleOf, type OpenedRelay } from './relay-run.ts';
import { loadRelayState, saveRelayState } from './relay-state.ts';
import { relayStatus, statusLine } from './status-line.ts';
import { watchRevocation } from './unpaired.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function join_(node: KithNode, hub: MemorySignaling): Promise<NodeNetwork> {
  return node.startNetwork({
    signaling: hub.client(),
    SimplePeer: FakeSimplePeer as unknown as SimplePeerConstructor,
    iceServers: () => [],
    tuning: { announceMs: 100, acceptRetryMs: 100, checkMs: 100 },
  });
}

/** A person's store that keeps a copy of every key it is given (settings under `keys/`). */
class KeyKeepingStore extends MemoryStorageAdapter {
  readonly keys: Uint8Array[] = [];

  override async setSetting(key: string, value: unknown): Promise<void> {
    if (key.startsWith('keys/') && value instanceof Uint8Array) this.keys.push(value.slice());
    await super.setSetting(key, value);
  }
}

async function person(hub: MemorySignaling) {
  const saved = await createIdentity({ clock: systemClock });
  const store = new KeyKeepingStore();
  const node = await openNode({ store, ...saved, clock: systemClock });
  cleanups.push(() => node.close());
  return { saved, store, node, id: saved.identity.personId, hub };
}

/** Every file in `folder`, read whole. */
async function folderBytes(folder: string): Promise<Buffer> {
  const files = await readdir(folder, { recursive: true, withFileTypes: true });
  const parts = await Promise.all(
    files.filter((f) => f.isFile()).map((f) => readFile(join(f.parentPath, f.name))),
  );
  return Buffer.concat(parts);
}

describe('the home peer’s relay over its folder', () => {
  it('holds Alice’s posts in FOLDER without their words, restarts from FOLDER alone, and serves them to Bob while Alice is away', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'kith-relay-'));
    cleanups.push(() => rm(folder, { recursive: true, force: true }));
    const hub = new MemorySignaling();
    const alice = await person(hub);
    const bob = await person(hub);
    const rendezvous = randomBytes(32);
    await alice.node.peer.addFriend({
      personId: bob.id,
      encryptionKey: bob.saved.identity.encryptionPublicKey,
      rendezvous,
    });
    await bob.node.peer.addFriend({
      personId: alice.id,
      encryptionKey: alice.saved.identity.encryptionPublicKey,
      rendezvous,
    });
    // What pairing will leave in FOLDER: the relay's key, certificate and Alice's handover.
    await saveRelayState(folder, {
      device: await startNewDevice(alice.saved.identity, {
        clock: systemClock,
        role: 'relay',
        extractable: true,
      }),
      handover: relayHandover(alice.node),
      signalingUrl: 'ws://127.0.0.1:1/signaling',
      iceServers: [],
    });
    const start = async () => {
      const state = await loadRelayState(folder);
      if (state === null) throw new Error('no saved state');
      const relay = await openRelay(folder, state);
      const network = await join_(relay.node, hub);
      const stop = async () => {
        network.stop();
        await relay.close();
      };
      return { relay, network, stop };
    };

    let relay = await start();
    cleanups.push(() => relay.stop());
    await expect(openRelay(folder, (await loadRelayState(folder))!)).rejects.toThrow(
      FolderLockedError,
    );
    const aliceNetwork = await join_(alice.node, hub);
    const words = ['quokka-saffron-first', 'quokka-saffron-second'];
    const posts = [];
    for (const text of words) posts.push(await alice.node.peer.createPost({ text }));
    const aliceDevice = alice.saved.device.key.deviceId;
    const head = async (store: { heldRanges: OpenedRelay['store']['heldRanges'] }) =>
      (await store.heldRanges(alice.id, aliceDevice)).at(-1)?.end ?? 0;
    const aliceHead = await head(alice.store);
    await until(
      'the relay holds Alice’s log',
      async () => (await head(relay.relay.store)) >= aliceHead,
    );
    const status = await relayStatus(relay.relay.store, relay.network);
    expect(status.entries).toBeGreaterThanOrEqual(aliceHead);
    expect(status.diskBytes).toBeGreaterThan(0);
    expect(JSON.parse(statusLine(status, true))).toMatchObject({ status: 'running', friends: 1 });
    aliceNetwork.stop();

    // A new process: nothing but FOLDER, no pairing.
    await relay.stop();
    relay = await start();
    expect(await head(relay.relay.store)).toBeGreaterThanOrEqual(aliceHead);

    const bobNetwork = await join_(bob.node, hub);
    cleanups.push(() => bobNetwork.stop());
    for (const post of posts) {
      await until(
        'Bob reads Alice’s post',
        async () => (await bob.node.peer.post(post)) !== undefined,
      );
    }
    expect(JSON.stringify((await bob.node.peer.post(posts[0]!))?.summary)).toContain(words[0]);

    const held = await folderBytes(folder);
    for (const word of words) {
      expect(held.includes(word)).toBe(false);
      expect(held.includes(Buffer.from(word).toString('base64'))).toBe(false);
    }
    const logs = await relay.relay.store.listLogs();
    expect(logs.map((log) => log.device)).toContain(aliceDevice);
    expect(logs.map((log) => log.device)).not.toContain(relay.relay.node.device.key.deviceId);

    // The relay role: FOLDER holds no content or epoch key of Alice's (she has some: the posts
    // are for friends), no key setting, and not her identity seed, in any spelling.
    expect(alice.store.keys.length).toBeGreaterThan(0);
    for (const secret of [...alice.store.keys, alice.saved.identity.seed]) {
      const raw = Buffer.from(secret);
      expect(held.includes(raw)).toBe(false);
      for (const spelling of ['base64', 'base64url', 'hex'] as const) {
        expect(held.includes(raw.toString(spelling))).toBe(false);
      }
    }
    expect(held.includes('keys/')).toBe(false);
    // It has no way to sign as Alice: no peer to write with, and nothing to certify with.
    expect('peer' in relay.relay.node).toBe(false);
    await expect(relay.relay.node.devices.certifyDevice(randomBytes(32), 'device')).rejects.toThrow(
      NoIdentityKeyError,
    );
    expect(await relay.relay.node.devices.renewDue()).toBe(0);
  });

  it('keeps FOLDER within its quota, refusing its person’s entries rather than passing it', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'kith-relay-quota-'));
    cleanups.push(() => rm(folder, { recursive: true, force: true }));
    const alice = await TestPerson.create('alice');
    const state = {
      device: await startNewDevice(alice.identity, { clock: systemClock, role: 'relay' }),
      handover: { person: alice.id, ownDevices: randomBytes(32), friends: [] },
      signalingUrl: 'ws://127.0.0.1:1/signaling',
      iceServers: [],
    };
    const quotaBytes = 1_000_000;
    const relay = await openRelay(folder, state, { quotaBytes });
    cleanups.push(() => relay.close());
    const entries = await alice.append(20, { payloadBytes: 100_000 });
    let stored = 0;
    for (const entry of entries) {
      try {
        await relay.store.putEntries([entry]);
        stored++;
      } catch (error) {
        expect(error).toBeInstanceOf(StorageQuotaError);
      }
    }
    // Some fit, not all: the quota reached the store.
    expect(stored).toBeGreaterThan(5);
    expect(stored).toBeLessThan(entries.length);
    expect(await relay.store.diskBytes()).toBeLessThanOrEqual(quotaBytes);
  });

  it('learns from its person’s log, as it replicates it, that it was unpaired', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'kith-relay-revoked-'));
    cleanups.push(() => rm(folder, { recursive: true, force: true }));
    const alice = await person(new MemorySignaling());
    const device = await startNewDevice(alice.saved.identity, {
      clock: systemClock,
      role: 'relay',
    });
    const relay = await openRelay(folder, {
      device,
      handover: relayHandover(alice.node),
      signalingUrl: 'ws://127.0.0.1:1/signaling',
      iceServers: [],
    });
    cleanups.push(() => relay.close());
    const heard: DeviceRevocation[] = [];
    const stop = watchRevocation(relay.node, alice.id, (revocation) => heard.push(revocation));
    cleanups.push(stop);
    await alice.node.peer.createPost({ text: 'before' });
    const aliceDevice = alice.saved.device.key.deviceId;
    const logOf = async () =>
      (await alice.store.getEntries(alice.id, aliceDevice, 1, Number.MAX_SAFE_INTEGER)).map(
        (e) => e.bytes,
      );
    await relay.node.ingestor.ingest(await logOf());
    expect(heard).toEqual([]);

    await alice.node.devices.revokeDevice(device.key.deviceId);
    await relay.node.ingestor.ingest(await logOf());
    await until('the relay finds its revocation', () => heard.length > 0);
    expect(heard[0]!.device).toBe(device.key.deviceId);
    expect(heard[0]!.person).toBe(alice.id);
  });

  it('holds no more connections than its cap (`--max-connections`), a friend past it left waiting', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'kith-relay-cap-'));
    cleanups.push(() => rm(folder, { recursive: true, force: true }));
    const hub = new MemorySignaling();
    const alice = await person(hub);
    const friends = [await person(hub), await person(hub), await person(hub)];
    for (const friend of friends) {
      const rendezvous = randomBytes(32);
      await alice.node.peer.addFriend({
        personId: friend.id,
        encryptionKey: friend.saved.identity.encryptionPublicKey,
        rendezvous,
      });
      await friend.node.peer.addFriend({
        personId: alice.id,
        encryptionKey: alice.saved.identity.encryptionPublicKey,
        rendezvous,
      });
    }
    const relay = await openRelay(folder, {
      device: await startNewDevice(alice.saved.identity, { clock: systemClock, role: 'relay' }),
      handover: relayHandover(alice.node),
      signalingUrl: 'ws://127.0.0.1:1/signaling',
      iceServers: [],
    });
    cleanups.push(() => relay.close());
    const cap = 2;
    const network = await relay.node.startNetwork({
      signaling: hub.client(),
      SimplePeer: FakeSimplePeer as unknown as SimplePeerConstructor,
      iceServers: () => [],
      maxConnections: cap,
      tuning: { announceMs: 100, acceptRetryMs: 100, checkMs: 100 },
    });
    cleanups.push(() => network.stop());
    const networks = new Map<string, NodeNetwork>();
    for (const friend of friends) networks.set(friend.id, await join_(friend.node, hub));
    cleanups.push(() => networks.forEach((n) => n.stop()));

    let most = 0;
    const states = () => {
      const status = network.mesh.status();
      most = Math.max(most, status.connections);
      return friends.map((f) => status.friends.get(f.id));
    };
    const connected = (state: string | undefined) => state === 'connected' || state === 'syncing';
    await until('the relay is at its cap, every friend seen online', () => {
      const now = states();
      return now.filter(connected).length === cap && now.every((s) => s !== 'offline');
    });
    const waiting = friends.filter((_, i) => !connected(states()[i]));
    // Ten rounds of everyone's announcements later (messages counted, not time), still so.
    const relayed = hub.relayed.length;
    await until('ten rounds of announcements', () => {
      states();
      return hub.relayed.length >= relayed + 10 * (friends.length + 1);
    });
    expect(waiting).toHaveLength(friends.length - cap);
    expect(states().filter(connected)).toHaveLength(cap);

    expect(most).toBeLessThanOrEqual(cap);
  }, 60_000);

  it('tells its person’s log, friends’ logs and others’ apart for the quota', async () => {
    const alice = await createIdentity({ clock: systemClock });
    const bob = await createIdentity({ clock: systemClock });
    const carol = await createIdentity({ clock: systemClock });
    const roleOf = relayRoleOf({
      person: alice.identity.personId,
      ownDevices: randomBytes(32),
      friends: [{ person: bob.identity.personId, pairwiseSecret: randomBytes(32) }],
    });
    expect(roleOf(alice.identity.personId)).toBe('own');
    expect(roleOf(bob.identity.personId)).toBe('friend');
    expect(roleOf(carol.identity.personId)).toBe('other');
  });
});
