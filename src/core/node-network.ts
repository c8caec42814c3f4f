/**
 * The network half of `openNode`: the sync engine over the node's ingestor, following its friend
 * book, and the mesh over the node's ports. Loaded by `KithNode.startNetwork` on first use, so a
 * browser tab without the network role never fetches it.
 */
import { defaultVerifier } from './identity/verifier.ts';
import { Mesh } from './mesh/mesh.ts';
import type { NetworkParts, NetworkPorts, NodeNetwork } from './node.ts';
import type { MeshFriends } from './mesh/ports.ts';
import { SyncEngine, type FriendSource } from './sync/sync-engine.ts';

/** Starts sync and the mesh of a node; `stop` tears both down. */
export async function startNetwork(ports: NetworkPorts, parts: NetworkParts): Promise<NodeNetwork> {
  const { store, person, device, ingestor, verifier, friends, members, blobs, devices } = ports;
  const { stallMs, busyMs, ...meshTuning } = parts.tuning ?? {};
  const engine = new SyncEngine({
    store,
    self: person,
    // Fellow conversation members are replicated in full, as friends are.
    friends: members ? both(friends, members) : friends,
    ingestor,
    verifier,
    receiveBlob: (id, bytes) => blobs.receive(id, bytes),
    config: {
      ...(stallMs === undefined ? {} : { stallMs }),
      ...(busyMs === undefined ? {} : { busyMs }),
    },
  });
  const mesh = await Mesh.start({
    person,
    device,
    store,
    friends,
    members,
    blobs,
    invites: ports.invites,
    ownDevices: ports.ownDevices,
    engine,
    signaling: parts.signaling,
    SimplePeer: parts.SimplePeer,
    iceServers: parts.iceServers,
    clock: ports.clock,
    verifier: parts.verifier ?? defaultVerifier,
    revocations: ports.revocations,
    certificate: () => devices.current(),
    maxConnections: parts.maxConnections,
    ...meshTuning,
  });
  return { mesh, engine, stop: () => mesh.stop() };
}

/** The persons of two sources, followed together. */
function both(a: MeshFriends, b: MeshFriends): FriendSource {
  return {
    persons: () => [...a.persons(), ...b.persons()],
    onChange: (listener) => {
      const stops = [a.onChange(listener), b.onChange(listener)];
      return () => stops.forEach((stop) => stop());
    },
  };
}
