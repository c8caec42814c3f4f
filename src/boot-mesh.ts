/**
 * The network half of the browser's wiring: signaling clients, WebRTC (simple-peer) and ICE
 * servers, handed to the node's `startNetwork` (replication and the mesh).
 * `boot.ts` loads this module with a dynamic `import()` only in the tab that wins the network
 * role, so simple-peer and the sync and mesh code stay out of the first screen's JS and are
 * fetched while (or after) the timeline paints.
 */
import SimplePeer from 'simple-peer/simplepeer.min.js';
import { defaultVerifier } from './core/identity/verifier.ts';
import type { Mesh } from './core/mesh/mesh.ts';
import type { SimplePeerConstructor } from './core/net/connection-manager.ts';
import { loadIceServers, type IceServer } from './core/net/ice-servers.ts';
import { SignalingClient } from './core/net/signaling-client.ts';
import { SignalingPool } from './core/net/signaling-pool.ts';
import type { LinkedNode, PersonNode } from './core/node.ts';
import { RelayDesk } from './core/pairing/relay-desk.ts';
import { systemClock } from './core/clock.ts';

/** What starting the network gives: the mesh, its signaling clients, and how to stop both. */
export interface StartedNetwork {
  readonly mesh: Mesh;
  /** This person's home peers: pairing, their reports, the handover kept current (tests: none). */
  readonly relays: RelayDesk | null;
  readonly signaling: readonly SignalingClient[];
  stop(): void;
}

/** Starts this device's mesh on the given signaling servers; `stop` tears it all down. */
export async function startMesh(
  node: PersonNode | LinkedNode,
  signalingUrls: readonly string[],
): Promise<StartedNetwork> {
  const { store } = node;
  const clients = signalingUrls.map((url) => new SignalingClient({ url, WebSocket }));
  for (const client of clients) client.start();
  const override = await store.getSetting('settings/ice');
  const iceServers: IceServer[] = await loadIceServers({
    origin: location.origin,
    fetch: (url, init) => fetch(url, init),
    override: () => (Array.isArray(override) ? (override as IceServer[]) : undefined),
  });
  const cap = await store.getSetting('settings/max-connections');
  const pool = new SignalingPool(clients);
  const network = await node.startNetwork({
    signaling: pool,
    SimplePeer: SimplePeer as unknown as SimplePeerConstructor,
    iceServers: () => iceServers,
    verifier: defaultVerifier,
    maxConnections: typeof cap === 'number' && cap >= 1 ? cap : undefined,
  });
  // Every device of the person follows their home peers; only the identity device pairs one.
  const relays = await RelayDesk.open({
    node,
    signaling: pool,
    clock: systemClock,
    origin: location.origin,
    iceServers: () => iceServers,
  });
  return {
    mesh: network.mesh,
    relays,
    signaling: clients,
    stop: () => {
      relays?.stop();
      network.stop();
      for (const client of clients) client.stop();
    },
  };
}
