/**
 * The network role hands the tab's mesh to whoever changes invite records (the session tells
 * `network.mesh` after each change, and nobody while it is `null`). A change that falls between
 * the mesh's own first reading of the records and the moment the role holds it must not be lost:
 * that was the first invite that sometimes never completed in the e2e runs (a newcomer creating
 * a link while her mesh was still starting; her device never listened on its topic).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NetworkRole } from './boot.ts';
import { systemClock } from './core/clock.ts';
import { createIdentity } from './core/identity/device-setup.ts';
import { defaultVerifier } from './core/identity/verifier.ts';
import { InviteRecords } from './core/mesh/invite-records.ts';
import { acceptInvite, issueInvite } from './core/mesh/invites.ts';
import type { SimplePeerConstructor } from './core/net/connection-manager.ts';
import { FakeSimplePeer, MemorySignaling } from './core/net/test-helpers.ts';
import { openNode } from './core/node.ts';
import { MemoryStorageAdapter } from './core/store/memory-storage-adapter.ts';
import type { LockManagerLike } from './core/tabs/leader.ts';

/** A profile with one tab: the role is granted at once. */
const oneTab: LockManagerLike = { request: (_name, _options, callback) => callback({}) };

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0).reverse()) stop();
});

/** Someone's node, and how to start their mesh on `hub` (the network tab's `startMesh`). */
async function person(hub: MemorySignaling) {
  const store = new MemoryStorageAdapter();
  const saved = await createIdentity({ clock: systemClock });
  const node = await openNode({ store, ...saved, clock: systemClock });
  stops.push(() => node.close());
  const startMesh = async () => {
    const { mesh, stop } = await node.startNetwork({
      signaling: hub.client(),
      SimplePeer: FakeSimplePeer as unknown as SimplePeerConstructor,
      iceServers: () => [],
      verifier: defaultVerifier,
      tuning: { acceptRetryMs: 50 },
    });
    stops.push(stop);
    return mesh;
  };
  return { saved, peer: node.peer, records: new InviteRecords(store), startMesh };
}

describe('the network role', () => {
  it('listens on an invite issued while its mesh was starting', async () => {
    const hub = new MemorySignaling();
    const alice = await person(hub);
    const bob = await person(hub);
    const role = new NetworkRole();
    let link = '';
    role.claim(async () => {
      const mesh = await alice.startMesh();
      // Alice creates her link now: her mesh has read the records, the role does not hold it
      // yet, so the session finds no mesh to tell (as `Session.invitesChanged` does).
      ({ link } = await issueInvite({
        identity: alice.saved.identity,
        keys: alice.peer.inviteKeys,
        records: alice.records,
        clock: systemClock,
        origin: 'http://127.0.0.1',
        signalingUrls: ['ws://127.0.0.1/signaling'],
      }));
      await role.mesh?.refreshInvites();
      return { mesh, relays: null, signaling: [], stop: () => mesh.stop() };
    }, oneTab);
    // The mesh's code is loaded on first use: a bound, not an expectation of speed.
    await vi.waitFor(() => expect(role.mesh).not.toBeNull(), { timeout: 10_000 });

    const bobMesh = await bob.startMesh();
    await acceptInvite({
      link,
      identity: bob.saved.identity,
      keys: bob.peer.inviteKeys,
      records: bob.records,
      clock: systemClock,
      verifier: defaultVerifier,
    });
    await bobMesh.refreshInvites();

    // Bob publishes his accept every 50 ms and more: only a desk that never listens misses it.
    await vi.waitFor(
      async () => expect((await bob.records.accepted())[0]?.outcome).toBe('welcome'),
      { timeout: 10_000, interval: 50 },
    );
    expect(alice.peer.friends().has(bob.saved.identity.personId)).toBe(true);
  });
});
