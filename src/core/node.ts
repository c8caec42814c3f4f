/**
 * The composition root: one function, `openNode`, wires one device's Kith over its store, the
 * same way wherever it runs (the browser, the tests, the benchmarks, later the home peer):
 *
 *   store → revocations held (read before anything is verified) → verifier → ingestor
 *         → peer (only on a device that may read: it holds the identity, or linked keys)
 *         → device authority (renewed certificates picked up; renewals made where it can)
 *         → friend book (the peer's friend-list doc, or a relay's handover)
 *         → conversation peers (person only: fellow members met and replicated like friends)
 *   startNetwork(parts) → sync engine + mesh, on demand
 *
 * Three kinds of device open here. A person's device holds the identity and reads: it has the
 * `Peer`, invites, and its own devices' secret from the seed. A linked device reads and writes
 * too, with the keys handed to it at the link (`core/link/*`), but holds no identity seed: it
 * has no invites and certifies nobody. A relay holds only its certified
 * device key and a `RelayHandover`: it replicates and serves its person's logs (and their
 * friends'), meets them and their friends, and can neither sign an entry nor read one.
 *
 * The network is started separately because the browser loads its code (sync, mesh) only in the
 * tab that holds the network role: `startNetwork` imports it on first use. What only a browser
 * has (IndexedDB, simple-peer's bundle, Web Locks, WebSocket, fetched ICE servers) is passed in
 * by the edge, as `options` and `NetworkParts`.
 */
import type { Clock } from './clock.ts';
import { browserEntryChecker } from './feed/browser-entry-checker.ts';
import { EntryVerifier } from './feed/entry-verifier.ts';
import type { DeviceSession } from './identity/device-setup.ts';
import type { Identity } from './identity/keys.ts';
import type { LinkedKeys } from './identity/person-keys.ts';
import { ownDevicesSecret } from './identity/own-devices.ts';
import type { RevocationLookup } from './identity/revocation.ts';
import type { Ed25519Verifier } from './identity/verifier.ts';
import type { PersonId } from './ids.ts';
import type { Mesh, MeshOptions } from './mesh/mesh.ts';
import type { BlobPort, MeshFriends, MeshInvites } from './mesh/ports.ts';
import type { SimplePeerConstructor } from './net/connection-manager.ts';
import type { IceServer } from './net/ice-servers.ts';
import type { Signaling } from './net/signaling-client.ts';
import { DeviceAuthority, NoIdentityKeyError, type RecordWriter } from './peer/device-authority.ts';
import type { FriendRecord } from './docs/small-docs.ts';
import { FriendBook } from './peer/friend-book.ts';
import { ConversationPeers } from './peer/conversation-peers.ts';
import type { CrossTabLock } from './peer/own-log.ts';
import { Peer } from './peer/peer.ts';
import { StoredRevocations } from './peer/stored-revocations.ts';
import { RelayBlobs } from './relay-blobs.ts';
import { handoverFriends, type RelayHandover } from './relay-handover.ts';
import type { LogStore, StorageAdapter } from './store/storage-adapter.ts';
import { Ingestor } from './sync/ingest.ts';
import type { SyncEngine } from './sync/sync-engine.ts';
import type { SyncConfig } from './sync/sync-session.ts';

/** What every device is opened with. */
export interface NodeOptions {
  /** A relay needs only the log and blob store; a reading device, views as well. */
  readonly store: LogStore;
  /** This device's key and certificate. */
  readonly device: DeviceSession;
  readonly clock: Clock;
  /** A lock shared by this browser profile's tabs (see `Peer`); a relay writes no log. */
  readonly lock?: CrossTabLock;
}

/** A person's device: it holds the identity, so it reads and writes. */
export interface PersonNodeOptions extends NodeOptions {
  readonly store: StorageAdapter;
  readonly identity: Identity;
}

/**
 * A person's linked device (`core/link/*`): the person's current encryption and self keys and
 * their own devices' secret, handed over at the link, instead of the identity. It reads and
 * writes with its certified device key, and certifies, renews, revokes or invites nobody.
 */
export interface LinkedNodeOptions extends NodeOptions {
  readonly store: StorageAdapter;
  readonly linked: LinkedKeys;
  /** The secret the person's own devices meet by (`identity/own-devices.ts`). */
  readonly ownDevices: Uint8Array;
}

/** A relay device: its handover instead of an identity. */
export interface RelayNodeOptions extends NodeOptions {
  readonly handover: RelayHandover;
}

/** The edge's pieces of the network (browser: WebSocket signaling, simple-peer, fetched ICE). */
export interface NetworkParts {
  readonly signaling: Signaling;
  readonly SimplePeer: SimplePeerConstructor;
  readonly iceServers: () => IceServer[];
  /** Checks signatures of friends' signaling messages (default: the one strict verifier). */
  readonly verifier?: Ed25519Verifier;
  /** Simultaneous connections (default: the mesh's). */
  readonly maxConnections?: number;
  /** Timings, for tests and benchmarks (default: the mesh's and the sync sessions'). */
  readonly tuning?: Pick<MeshOptions, 'announceMs' | 'acceptRetryMs' | 'checkMs'> &
    Partial<Pick<SyncConfig, 'stallMs' | 'busyMs'>>;
}

/** A started network: the mesh, its sync engine, and how to stop both. */
export interface NodeNetwork {
  readonly mesh: Mesh;
  readonly engine: SyncEngine;
  stop(): void;
}

/** The parts every opened device has, which its network runs on too. */
interface CoreParts {
  readonly store: LogStore;
  readonly device: DeviceSession;
  readonly verifier: EntryVerifier;
  readonly ingestor: Ingestor;
  /** The revocations held, for whatever else must refuse a revoked device (the mesh). */
  readonly revocations: RevocationLookup;
  readonly devices: DeviceAuthority;
  /** The friend list's one owner. */
  readonly friends: FriendBook;
}

/** What every opened device has. */
interface NodeParts extends CoreParts {
  /** Starts sync and the mesh (loading their code on first use). */
  startNetwork(parts: NetworkParts): Promise<NodeNetwork>;
  /** Stops following stored entries (stop the network first). */
  close(): void;
}

/** An opened person's device. */
export interface PersonNode extends NodeParts {
  readonly kind: 'person';
  readonly store: StorageAdapter;
  readonly identity: Identity;
  /** The secret the person's own devices meet by (`identity/own-devices.ts`). */
  readonly ownDevices: Uint8Array;
  readonly peer: Peer;
  /** Fellow conversation members who are not friends, met and replicated like friends. */
  readonly members: ConversationPeers;
}

/** An opened linked device: it reads and writes as its person, without the identity key. */
export interface LinkedNode extends NodeParts {
  readonly kind: 'linked';
  readonly store: StorageAdapter;
  readonly keys: LinkedKeys;
  /** The secret the person's own devices meet by, handed at the link. */
  readonly ownDevices: Uint8Array;
  readonly peer: Peer;
  /** Fellow conversation members who are not friends, met and replicated like friends. */
  readonly members: ConversationPeers;
}

/** An opened relay device. */
export interface RelayNode extends NodeParts {
  readonly kind: 'relay';
  /** The handover it was opened with (a newer one replaces `friends`' list). */
  readonly handover: RelayHandover;
  /** The photos its entries list, and how many it waits for. */
  readonly blobs: RelayBlobs;
}

/** Either kind of opened device. */
export type KithNode = PersonNode | LinkedNode | RelayNode;

/** What the network of a device is started from (`node-network.ts`): the mesh's ports. */
export interface NetworkPorts extends CoreParts {
  readonly person: PersonId;
  readonly clock: Clock;
  readonly blobs: BlobPort;
  readonly invites?: MeshInvites;
  readonly ownDevices: Uint8Array;
  /** Fellow conversation members met and replicated like friends (a person's device only). */
  readonly members?: MeshFriends;
}

/** A relay signs no entry and no record: nothing is ever written through it. */
const writesNothing: RecordWriter = {
  appendRecord: () => Promise.reject(new NoIdentityKeyError('a relay writes no records')),
  useCertificate: () => undefined,
};

/** Opens a device's Kith (module doc). */
export async function openNode(options: PersonNodeOptions): Promise<PersonNode>;
export async function openNode(options: LinkedNodeOptions): Promise<LinkedNode>;
export async function openNode(options: RelayNodeOptions): Promise<RelayNode>;
export async function openNode(
  options: PersonNodeOptions | LinkedNodeOptions | RelayNodeOptions,
): Promise<KithNode> {
  const { store, device, clock } = options;
  const revocations = await StoredRevocations.load(store);
  // Signatures are checked in workers where there are any (off the page's main thread).
  const verifier = new EntryVerifier({ revocations, checker: browserEntryChecker() });
  const ingestor = new Ingestor(store, verifier);
  revocations.follow(ingestor);
  const start = async (ports: NetworkPorts, parts: NetworkParts) => {
    const { startNetwork } = await import('./node-network.ts');
    return startNetwork(ports, parts);
  };
  const base = { store, device, clock, verifier, ingestor, revocations };

  if ('handover' in options) {
    const { handover } = options;
    const friends = new FriendBook(handoverFriends(handover));
    const devices = await DeviceAuthority.open({
      ...base,
      identity: null,
      writer: writesNothing,
      stored: ingestor,
    });
    // The photos its entries list, fetched so it serves them too.
    const blobs = await RelayBlobs.open(store, ingestor);
    const ports = { ...base, person: handover.person, devices, friends, blobs };
    return {
      kind: 'relay',
      handover,
      ...ports,
      startNetwork: (parts) => start({ ...ports, ownDevices: handover.ownDevices }, parts),
      close: () => devices.close(),
    };
  }

  // Past the relay: a reading device (the person's own, or linked), whose store keeps views too.
  const { store: reading } = options;
  const keys = 'linked' in options ? options.linked : options.identity;
  const friends = new FriendBook<FriendRecord>();
  const peer = await Peer.open({
    store: reading,
    identity: keys,
    device,
    pipeline: ingestor,
    clock,
    lock: options.lock,
    friends,
  });
  const devices = await DeviceAuthority.open({
    ...base,
    identity: 'identity' in options ? options.identity : null,
    writer: peer,
    stored: ingestor,
  });
  const blobs: BlobPort = peer.blobs;
  const members = new ConversationPeers(keys.personId, peer.messaging, friends, peer.blocking);
  await members.start();
  const ports = { ...base, store: reading, person: keys.personId, devices, friends, blobs };
  const close = () => {
    members.stop();
    devices.close();
    peer.close();
  };
  if ('linked' in options) {
    // Invites are signed by the identity key: a linked device has none to make or answer.
    const { ownDevices } = options;
    return {
      kind: 'linked',
      keys: options.linked,
      ownDevices,
      peer,
      members,
      ...ports,
      startNetwork: (parts) => start({ ...ports, members, ownDevices }, parts),
      close,
    };
  }
  const { identity } = options;
  const ownDevices = ownDevicesSecret(identity);
  const invites: MeshInvites = {
    identity,
    keys: peer.inviteKeys,
    addFriend: async (friend) => {
      await peer.addFriend(friend);
      await reading.putNotification({
        id: `friend/${friend.personId}`,
        kind: 'friend',
        createdAt: clock.now(),
        read: false,
        summary: { from: friend.personId },
      });
    },
  };
  return {
    kind: 'person',
    identity,
    ownDevices,
    peer,
    members,
    ...ports,
    startNetwork: (parts) => start({ ...ports, invites, members, ownDevices }, parts),
    close,
  };
}
