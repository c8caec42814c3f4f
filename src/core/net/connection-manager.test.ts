import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes, toBase64Url, toHex } from '../bytes.ts';
import { systemClock } from '../clock.ts';
import { personIdFromKey, type DeviceId, type PersonId } from '../ids.ts';
import { startServer } from '../../../signaling/server.ts';
import { WebSocket } from 'ws';
import {
  ConnectionManager,
  type ConnectionManagerOptions,
  type FriendNetState,
  type PeerConnection,
} from './connection-manager.ts';
import { SignalingClient, type Signaling } from './signaling-client.ts';
import { deviceSigner, type DeviceSigner } from './signal-auth.ts';
import { createIdentity, type IdentityOnDevice } from '../identity/device-setup.ts';
import { defaultVerifier } from '../identity/verifier.ts';
import { FakeSimplePeer, MemorySignaling } from './test-helpers.ts';

const WAIT_MS = 10_000;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(what: string, check: () => boolean, each?: () => void): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    each?.();
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Node {
  person: PersonId;
  personKey: Uint8Array;
  device: DeviceId;
  signer: DeviceSigner;
  manager: ConnectionManager;
  connections: PeerConnection[];
  received: string[];
  states: Map<PersonId, FriendNetState>;
}

/** A person with a certified device, as `device-setup.ts` makes them. */
async function person(): Promise<IdentityOnDevice> {
  return createIdentity({ clock: systemClock });
}

async function node(
  signaling: Signaling,
  extra: Partial<ConnectionManagerOptions> = {},
  who?: DeviceSigner,
): Promise<Node> {
  const signer = who ?? deviceSigner((await person()).device);
  const { person: id, personKey, device } = signer.certificate;
  const manager = new ConnectionManager({
    self: signer,
    verifier: defaultVerifier,
    signaling,
    SimplePeer: FakeSimplePeer,
    clock: systemClock,
    tickMs: 10,
    announceMs: 200,
    ...extra,
  });
  const n: Node = {
    person: id,
    personKey,
    device,
    signer,
    manager,
    connections: [],
    received: [],
    states: new Map(),
  };
  manager.onConnection((c) => {
    n.connections.push(c);
    c.transport.onMessage((m) => n.received.push(new TextDecoder().decode(m)));
  });
  manager.onStateChange((p, s) => n.states.set(p, s));
  manager.start();
  cleanups.push(() => manager.stop());
  return n;
}

async function befriend(a: Node, b: Node): Promise<void> {
  const pairwiseSecret = randomBytes(32);
  await a.manager.setFriends([...(friendsOf.get(a) ?? []), { person: b.person, pairwiseSecret }]);
  await b.manager.setFriends([...(friendsOf.get(b) ?? []), { person: a.person, pairwiseSecret }]);
  friendsOf.set(a, [...(friendsOf.get(a) ?? []), { person: b.person, pairwiseSecret }]);
  friendsOf.set(b, [...(friendsOf.get(b) ?? []), { person: a.person, pairwiseSecret }]);
}
const friendsOf = new Map<Node, { person: PersonId; pairwiseSecret: Uint8Array }[]>();

describe('connection manager', () => {
  it('connects two friends dialing at once with exactly one connection, and carries messages both ways', async () => {
    const hub = new MemorySignaling();
    const alice = await node(hub.client());
    const bob = await node(hub.client());
    await befriend(alice, bob);
    await until('connected', () => alice.connections.length > 0 && bob.connections.length > 0);
    await alice.connections[0]!.transport.send(new TextEncoder().encode('hi bob'));
    await bob.connections[0]!.transport.send(new TextEncoder().encode('hi alice'));
    await until('messages', () => alice.received.length > 0 && bob.received.length > 0);
    expect(bob.received).toEqual(['hi bob']);
    expect(alice.received).toEqual(['hi alice']);
    // Let any late duplicate surface before counting.
    await new Promise((r) => setTimeout(r, 300));
    expect(alice.manager.connectionsCreated + bob.manager.connectionsCreated).toBe(2);
    expect(alice.manager.connectionCount).toBe(1);
    expect(alice.connections[0]!.person).toBe(bob.person);
    expect(alice.states.get(bob.person)).toBe('connected');
    alice.manager.markSyncing(bob.person, true);
    expect(alice.manager.stateOf(bob.person)).toBe('syncing');
  });

  it('shows the relay nothing but boxes: no key, id, session or signal in any encoding', async () => {
    const hub = new MemorySignaling();
    const alice = await node(hub.client());
    const bob = await node(hub.client());
    await befriend(alice, bob);
    await until('connected', () => alice.connections.length > 0);
    expect(hub.relayed.length).toBeGreaterThan(3);
    const wire = JSON.stringify(hub.relayed);
    for (const n of [alice, bob]) {
      const deviceKey = Buffer.from(n.device, 'base64url');
      for (const secret of [n.person, n.device, toHex(n.personKey), toHex(deviceKey)]) {
        expect(wire).not.toContain(secret);
      }
      expect(wire).not.toContain(Buffer.from(n.personKey).toString('base64'));
    }
    expect(wire).not.toContain('fake-');
    expect(wire).not.toContain('offer');
    expect(hub.relayed.every((r) => Object.keys(r.data as object).join() === 'v,box')).toBe(true);
  });

  it('holds at most the cap with four friends, and rotation reaches every one of them', async () => {
    const hub = new MemorySignaling();
    const alice = await node(hub.client(), { maxConnections: 2, rotationMs: 150, minHoldMs: 100 });
    const friends = await Promise.all([0, 1, 2, 3].map(() => node(hub.client())));
    for (const f of friends) await befriend(alice, f);
    const reached = new Set<PersonId>();
    await until(
      'every friend reached',
      () => reached.size === 4,
      () => {
        expect(alice.manager.connectionCount).toBeLessThanOrEqual(2);
        for (const c of alice.connections) reached.add(c.person);
      },
    );
    expect(alice.manager.connectionsCreatedLastHour()).toBeGreaterThanOrEqual(4);
  });

  it('at its cap, lets an idle connection go for a friend whose presence says it wrote more', async () => {
    const hub = new MemorySignaling();
    const held = new Map<string, number>();
    const alice = await node(hub.client(), {
      maxConnections: 2,
      rotationMs: 3_600_000,
      idleHoldMs: 50,
      lacks: (person, device, head) => (held.get(`${person}/${device}`) ?? 0) < head,
    });
    const heads = [0, 0, 0, 0];
    // Presence rarely on its own: what moves the cap here is `headChanged`.
    const friends = await Promise.all(
      heads.map((_, i) => node(hub.client(), { ownHead: () => heads[i]!, announceMs: 2_000 })),
    );
    for (const f of friends) await befriend(alice, f);
    // A connection "syncs" the friend's head at once: what Alice holds is what it said.
    alice.manager.onConnection((c) => {
      const i = friends.findIndex((f) => f.person === c.person);
      held.set(`${c.person}/${c.device}`, heads[i]!);
    });
    const reached = new Set<PersonId>();
    const watch = () => {
      expect(alice.manager.connectionCount).toBeLessThanOrEqual(2);
      for (const c of alice.connections) reached.add(c.person);
    };
    await until('two connections', () => alice.manager.openConnectionCount === 2, watch);
    for (const [i, f] of friends.entries()) {
      if (reached.has(f.person)) continue;
      heads[i] = 3;
      f.manager.headChanged();
      await until(`friend ${i} reached after writing`, () => reached.has(f.person), watch);
    }
    expect(reached.size).toBe(4);
    // Nobody has anything new: the cap holds still, no connection is made for nothing.
    const created = alice.manager.connectionsCreated;
    await new Promise((r) => setTimeout(r, 500));
    watch();
    expect(alice.manager.connectionsCreated).toBe(created);
  });

  it('refuses an offer beyond its cap with busy, and the dialer backs off', async () => {
    const hub = new MemorySignaling();
    // Bob's cap of 1 is taken by Carol; Alice's offer must not make him hold two.
    const bob = await node(hub.client(), { maxConnections: 1, rotationMs: 60_000 });
    const carol = await node(hub.client());
    await befriend(bob, carol);
    await until('bob-carol', () => bob.connections.length > 0);
    const alice = await node(hub.client());
    await befriend(alice, bob);
    await new Promise((r) => setTimeout(r, 500));
    expect(bob.manager.connectionCount).toBe(1);
    expect(alice.manager.openConnectionCount).toBe(0);
    expect(alice.manager.stateOf(bob.person)).not.toBe('connected');
  });

  it('replaces the connection when a friend restarts, and marks a vanished friend offline', async () => {
    const hub = new MemorySignaling();
    const alice = await node(hub.client());
    const bob = await node(hub.client());
    await befriend(alice, bob);
    await until('connected', () => alice.connections.length === 1);
    // Bob's page reloads: same person and device, new manager (new boot id), same secret.
    bob.manager.stop();
    const bob2 = await node(hub.client(), {}, bob.signer);
    await bob2.manager.setFriends(friendsOf.get(bob)!);
    await until(
      'reconnected',
      () => alice.connections.length === 2 && bob2.connections.length === 1,
    );
    expect(alice.manager.connectionCount).toBe(1);
    bob2.manager.stop();
    await until('offline', () => alice.manager.stateOf(bob.person) === 'offline');
  });

  it('redials when a connection is closed, and forgets removed friends', async () => {
    const hub = new MemorySignaling();
    const alice = await node(hub.client());
    const bob = await node(hub.client());
    await befriend(alice, bob);
    await until('connected', () => alice.connections.length === 1);
    alice.manager.disconnect(bob.person);
    await until(
      'redialed',
      () => alice.connections.length === 2 && alice.manager.openConnectionCount === 1,
    );
    await alice.manager.setFriends([]);
    expect(alice.manager.connectionCount).toBe(0);
    expect(alice.manager.stateOf(bob.person)).toBe('offline');
  });

  it('stretches its presence announcements with many friends, to stay within its signaling budget', async () => {
    const hub = new MemorySignaling();
    const alice = await node(hub.client(), { announceMs: 100 });
    const links = Array.from({ length: 30 }, () => ({
      person: personIdFromKey(randomBytes(32)),
      pairwiseSecret: randomBytes(32),
    }));
    await alice.manager.setFriends(links);
    await new Promise((r) => setTimeout(r, 1000));
    // One hello per friend on adding them; 30 friends at 100 ms would then add 300 a second,
    // stretched they wait 3 s for the next round.
    expect(hub.relayed.length).toBeGreaterThanOrEqual(30);
    expect(hub.relayed.length).toBeLessThan(60);
  });

  it('drops what does not open or parse, from strangers on the topic', async () => {
    const hub = new MemorySignaling();
    const alice = await node(hub.client());
    const bob = await node(hub.client());
    await befriend(alice, bob);
    const mallory = hub.client();
    const topics = [...new Set(hub.relayed.map((r) => r.topic))];
    for (const topic of topics) {
      for (const junk of [
        null,
        'x',
        { v: 1, box: 'AAAA' },
        { v: 1, box: toBase64Url(randomBytes(300)) },
      ]) {
        mallory.publish(topic, junk);
      }
    }
    await until(
      'connected anyway',
      () => alice.connections.length > 0 && bob.connections.length > 0,
    );
  });
});

describe('connection manager over the real signaling server', () => {
  it('connects two friends through it, and what the server relayed is only boxes', async () => {
    const relayed: { topic: string; data: unknown }[] = [];
    const server = await startServer({
      port: 0,
      host: '127.0.0.1',
      onPublish: (topic, data) => relayed.push({ topic, data }),
    });
    cleanups.push(() => server.close());
    const url = `ws://127.0.0.1:${server.port}/signaling`;
    const client = () => {
      const c = new SignalingClient({ url, WebSocket });
      c.start();
      cleanups.push(() => c.stop());
      return c;
    };
    const alice = await node(client());
    const bob = await node(client());
    await befriend(alice, bob);
    await until('connected', () => alice.connections.length > 0 && bob.connections.length > 0);
    expect(relayed.length).toBeGreaterThan(0);
    const wire = JSON.stringify(relayed);
    for (const n of [alice, bob]) {
      expect(wire).not.toContain(n.person);
      expect(wire).not.toContain(n.device);
    }
  });
});
