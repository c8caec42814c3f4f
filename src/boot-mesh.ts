/**
 * The network half of the wiring: signaling, WebRTC (simple-peer), replication and the mesh.
 * `boot.ts` loads this module with a dynamic `import()` only in the tab that wins the network
 * role, so simple-peer and the sync and mesh code stay out of the first screen's JS and are
 * fetched while (or after) the timeline paints.
 */
import SimplePeer from 'simple-peer/simplepeer.min.js';
import { systemClock } from './core/clock.ts';
import type { IdentityOnDevice } from './core/identity/device-setup.ts';
import { defaultVerifier } from './core/identity/verifier.ts';
import { Mesh } from './core/mesh/mesh.ts';
import type { SimplePeerConstructor } from './core/net/connection-manager.ts';
import { loadIceServers, type IceServer } from './core/net/ice-servers.ts';
import { SignalingClient } from './core/net/signaling-client.ts';
import { SignalingPool } from './core/net/signaling-pool.ts';
import type { Core } from './core/peer/start-core.ts';
import type { StorageAdapter } from './core/store/storage-adapter.ts';
import { SyncEngine } from './core/sync/sync-engine.ts';

/** What starting the network gives: the mesh, its signaling clients, and how to stop both. */
export interface StartedNetwork {
  readonly mesh: Mesh;
  readonly signaling: readonly SignalingClient[];
  stop(): void;
}

/** Starts this device's mesh on the given signaling servers; `stop` tears it all down. */
export async function startMesh(
  store: StorageAdapter,
  saved: IdentityOnDevice,
  { peer, ingestor, verifier, devices, revocations }: Core,
  signalingUrls: readonly string[],
): Promise<StartedNetwork> {
  const clients = signalingUrls.map((url) => new SignalingClient({ url, WebSocket }));
  for (const client of clients) client.start();
  const override = await store.getSetting('settings/ice');
  const iceServers: IceServer[] = await loadIceServers({
    origin: location.origin,
    fetch: (url, init) => fetch(url, init),
    override: () => (Array.isArray(override) ? (override as IceServer[]) : undefined),
  });
  const engine = new SyncEngine({
    store,
    self: saved.identity.personId,
    ingestor,
    verifier,
    receiveBlob: (id, bytes) => peer.receiveBlob(id, bytes),
  });
  const cap = await store.getSetting('settings/max-connections');
  const mesh = await Mesh.start({
    identity: saved.identity,
    device: saved.device,
    store,
    peer,
    engine,
    signaling: new SignalingPool(clients),
    SimplePeer: SimplePeer as unknown as SimplePeerConstructor,
    iceServers: () => iceServers,
    clock: systemClock,
    verifier: defaultVerifier,
    revocations,
    certificate: () => devices.current(),
    maxConnections: typeof cap === 'number' && cap >= 1 ? cap : undefined,
  });
  return {
    mesh,
    signaling: clients,
    stop: () => {
      mesh.stop();
      for (const client of clients) client.stop();
    },
  };
}
