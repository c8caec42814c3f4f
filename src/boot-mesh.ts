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

/** What starting the network gives: the mesh, its signaling clients, and how to stop both. */
export interface StartedNetwork {
  readonly mesh: Mesh;
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
  const network = await node.startNetwork({
    signaling: new SignalingPool(clients),
    SimplePeer: SimplePeer as unknown as SimplePeerConstructor,
    iceServers: () => iceServers,
    verifier: defaultVerifier,
    maxConnections: typeof cap === 'number' && cap >= 1 ? cap : undefined,
  });
  return {
    mesh: network.mesh,
    signaling: clients,
    stop: () => {
      network.stop();
      for (const client of clients) client.stop();
    },
  };
}
