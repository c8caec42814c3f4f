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
import { EntryVerifier } from './core/feed/entry-verifier.ts';
import { createIdentity } from './core/identity/device-setup.ts';
import { defaultVerifier } from './core/identity/verifier.ts';
import { InviteRecords } from './core/mesh/invite-records.ts';
import { acceptInvite, issueInvite } from './core/mesh/invites.ts';
import { Mesh } from './core/mesh/mesh.ts';
import type { SimplePeerConstructor } from './core/net/connection-manager.ts';
import { FakeSimplePeer, MemorySignaling } from './core/net/test-helpers.ts';
import { Peer } from './core/peer/peer.ts';
import { MemoryStorageAdapter } from './core/store/memory-storage-adapter.ts';
import type { LockManagerLike } from './core/tabs/leader.ts';
import { Ingestor } from './core/sync/ingest.ts';
import { SyncEngine } from './core/sync/sync-engine.ts';

/** A profile with one tab: the role is granted at once. */
const oneTab: LockManagerLike = { request: (_name, _options, callback) => callback({}) };

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0).reverse()) stop();
});

/** Someone's core, and how to start their mesh on `hub` (the network tab's `startMesh`). */
async function person(hub: MemorySignaling) {
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
  stops.push(() => peer.close());
  const startMesh = async () => {
    const mesh = await Mesh.start({
      identity: saved.identity,
      device: saved.device,
      store,
      peer,
      engine: new SyncEngine({
        store,
        self: saved.identity.personId,
        ingestor,
        verifier,
        receiveBlob: (id, bytes) => peer.receiveBlob(id, bytes),
      }),
      signaling: hub.client(),
      SimplePeer: FakeSimplePeer as unknown as SimplePeerConstructor,
      iceServers: () => [],
      clock: systemClock,
      verifier: defaultVerifier,
      acceptRetryMs: 50,
    });
    stops.push(() => mesh.stop());
    return mesh;
  };
  return { saved, peer, records: new InviteRecords(store), startMesh };
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
        records: alice.records,
        clock: systemClock,
        origin: 'http://127.0.0.1',
        signalingUrls: ['ws://127.0.0.1/signaling'],
      }));
      await role.mesh?.refreshInvites();
      return { mesh, signaling: [], stop: () => mesh.stop() };
    }, oneTab);
    await vi.waitFor(() => expect(role.mesh).not.toBeNull());

    const bobMesh = await bob.startMesh();
    await acceptInvite({
      link,
      identity: bob.saved.identity,
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
