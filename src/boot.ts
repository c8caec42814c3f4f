/**
 * Opens this browser profile's Kith: the IndexedDB store, the saved identity and device (if
 * any), the verifying ingest and the peer, the link between tabs, and, in the one tab that
 * holds the network role, the mesh (signaling, WebRTC connections, replication, invites).
 * Only wiring: every piece is the core's.
 */
import { systemClock } from './core/clock.ts';
import {
  createIdentity,
  restoreFromSeed,
  type IdentityOnDevice,
} from './core/identity/device-setup.ts';
import type { Backup } from './core/identity/secret-export.ts';
import { restoreBackup } from './core/peer/backup.ts';
import type { Mesh } from './core/mesh/mesh.ts';
import type { RelayDesk } from './core/pairing/relay-desk.ts';
import type { SignalingClient } from './core/net/signaling-client.ts';
import type { StartedNetwork } from './boot-mesh.ts';
import type { LinkOffering } from './boot-link.ts';
import type { LinkedDeviceKeys } from './core/link/link-session.ts';
import { loadLinkedState, saveLinkedState } from './core/link/linked-state.ts';
import { openNode, type LinkedNode, type PersonNode } from './core/node.ts';
import type { CrossTabLock } from './core/peer/own-log.ts';
import type { DeviceAuthority } from './core/peer/device-authority.ts';
import { loadDeviceState, saveDeviceState } from './core/peer/device-state.ts';
import type { Peer } from './core/peer/peer.ts';
import { IdbStorageAdapter } from './core/store/idb-storage-adapter.ts';
import type { StorageAdapter } from './core/store/storage-adapter.ts';
import type { Ingestor } from './core/sync/ingest.ts';
import { holdLeadership, type Leadership, type LockManagerLike } from './core/tabs/leader.ts';
import { linkBlockLists, linkTabs, linkWantedBlobs } from './core/tabs/tab-link.ts';

/** What a running Kith has on either kind of device. */
interface RunningParts {
  readonly store: StorageAdapter;
  readonly ingestor: Ingestor;
  readonly peer: Peer;
  /** This device's certificate (renewals, `status()` for a near expiry) and revocations. */
  readonly devices: DeviceAuthority;
  /** The network, once this tab holds the network role. */
  readonly network: NetworkRole;
}

/** A running Kith on the device that holds the person's identity. */
export interface PersonRunning extends RunningParts {
  readonly kind: 'person';
  /** The device's node (`core/node.ts`); the fields above are its parts. */
  readonly node: PersonNode;
  readonly saved: IdentityOnDevice;
}

/** A running Kith on a linked device (no identity key: no invites, phrase or backup). */
export interface LinkedRunning extends RunningParts {
  readonly kind: 'linked';
  readonly node: LinkedNode;
}

/** A running Kith on this device. */
export type Running = PersonRunning | LinkedRunning;

/** This tab's part in the network: it leads (and has the mesh) or follows another tab. */
export class NetworkRole {
  mesh: Mesh | null = null;
  /** This person's home peers (`core/pairing/relay-desk.ts`), run beside the mesh. */
  relays: RelayDesk | null = null;
  /** The signaling clients under the mesh (their refusals and policy closes, for status and tests). */
  signaling: readonly SignalingClient[] = [];
  /** Whether another tab holds the network (known, not merely this tab's still starting it). */
  following = false;
  private readonly listeners = new Set<() => void>();
  private leadership: Leadership | null = null;

  /** Calls `listener` when this tab gains or loses the mesh. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Competes for the network role (among this profile's tabs); starts `start` when granted. */
  claim(start: () => Promise<StartedNetwork>, locks: LockManagerLike = navigator.locks): void {
    const follow = (following: boolean) => {
      this.following = following;
      this.changed();
    };
    this.leadership = holdLeadership(
      locks,
      'kith-network',
      async () => {
        if (this.following) follow(false);
        return this.lead(await start());
      },
      () => follow(true),
    );
  }

  private lead(started: StartedNetwork): () => Promise<void> {
    this.mesh = started.mesh;
    this.relays = started.relays;
    this.signaling = started.signaling;
    // Invites issued or accepted after the mesh's first reading of the records, while it
    // started, were told to no mesh (`mesh` was null): it reads them again now that it is here.
    void started.mesh.refreshInvites();
    this.changed();
    return async () => {
      started.stop();
      this.mesh = null;
      this.relays = null;
      this.signaling = [];
      this.changed();
    };
  }

  /** Gives the role up (page hide). */
  async release(): Promise<void> {
    await this.leadership?.stop();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

/**
 * What `main.ts` hands the UI: this profile's store, the saved person's running Kith (`null`
 * until someone onboards here), and how to onboard, restore or find the signaling servers.
 * Screens reach the core only through it.
 */
export interface KithHandle {
  readonly store: StorageAdapter;
  readonly running: Running | null;
  createPerson(name: string): Promise<Running>;
  restorePerson(backup: Backup): Promise<Running>;
  /** Links this browser as another device of someone (`boot-link.ts`), showing the code. */
  joinDevice(link: string, onCode: (code: string) => void): Promise<Running>;
  /** On the identity device: makes a link for a new device (`boot-link.ts`). */
  offerLink(node: PersonNode, onCode: (code: string) => void): Promise<LinkOffering>;
  signalingUrls(): Promise<string[]>;
}

/** Opens the store and the saved person's Kith, if any (see {@link KithHandle}). */
export async function openKith(): Promise<KithHandle> {
  const store = await IdbStorageAdapter.open({ indexedDB: globalThis.indexedDB });
  const saved = await loadDeviceState(store);
  const linked = saved ? null : await loadLinkedState(store);
  return {
    store,
    running: saved ? await start(store, saved) : linked ? await startLinked(store, linked) : null,
    createPerson: (name) => createPerson(store, name),
    restorePerson: (backup) => restorePerson(store, backup),
    joinDevice: (link, onCode) => joinDevice(store, link, onCode),
    offerLink: async (node, onCode) => {
      const [{ offerLink }, urls] = await Promise.all([
        import('./boot-link.ts'),
        signalingUrls(store),
      ]);
      return offerLink(node, urls, onCode);
    },
    signalingUrls: () => signalingUrls(store),
  };
}

/**
 * Links this browser as a new device of someone whose identity device shows the link: once the
 * person confirmed there, keeps the keys it was handed and starts, with the friends and epoch
 * it was handed put in (then it replicates everything from the person's devices and friends).
 */
async function joinDevice(
  store: StorageAdapter,
  link: string,
  onCode: (code: string) => void,
): Promise<Running> {
  const [{ joinLink }, urls] = await Promise.all([import('./boot-link.ts'), signalingUrls(store)]);
  const linked = await joinLink(link, urls, {
    extractable: store.keyForm === 'bytes',
    onCode,
  });
  await saveLinkedState(store, linked);
  const running = await startLinked(store, linked);
  await restoreBackup(running.peer, linked.shared);
  return running;
}

/** Creates a new person on this device (onboarding) and starts their Kith. */
async function createPerson(store: StorageAdapter, name: string): Promise<Running> {
  const created = await createIdentity({ clock: systemClock });
  await saveDeviceState(store, created);
  const running = await start(store, created);
  await running.peer.setProfile({ name });
  return running;
}

/**
 * Restores a person on this device from their recovery phrase (a seed alone) or a backup file
 * (a seed with friends and the current epoch): always a new device key, log and Yjs client id.
 */
async function restorePerson(store: StorageAdapter, backup: Backup): Promise<Running> {
  const restored = await restoreFromSeed(backup.seed, { clock: systemClock });
  await saveDeviceState(store, restored);
  const running = await start(store, restored);
  await restoreBackup(running.peer, backup);
  return running;
}

/**
 * End-to-end tests reach the running core through `window.kithTest` when they set
 * `localStorage['kith:test-hooks'] = '1'` before the app loads: it exposes nothing a script of
 * this origin could not reach anyway, and is absent for everyone else.
 */
function exposeTestHooks(running: Running): void {
  if (globalThis.localStorage?.getItem('kith:test-hooks') !== '1') return;
  (globalThis as unknown as { kithTest: Running }).kithTest = running;
}

const ownLogLock: CrossTabLock = (task) => navigator.locks.request('kith-own-log', task);

async function start(store: StorageAdapter, saved: IdentityOnDevice): Promise<Running> {
  const node = await openNode({
    store,
    identity: saved.identity,
    device: saved.device,
    clock: systemClock,
    lock: ownLogLock,
  });
  return run(store, { kind: 'person', node, saved });
}

async function startLinked(store: StorageAdapter, linked: LinkedDeviceKeys): Promise<Running> {
  const node = await openNode({
    store,
    ...linked.options,
    clock: systemClock,
    lock: ownLogLock,
  });
  return run(store, { kind: 'linked', node });
}

/** Starts an opened node on this page: renewals, the tabs' link, the network role. */
function run(
  store: StorageAdapter,
  opened:
    | { kind: 'person'; node: PersonNode; saved: IdentityOnDevice }
    | { kind: 'linked'; node: LinkedNode },
): Running {
  const { node } = opened;
  const { ingestor, peer, devices } = node;
  devices.keepRenewed();
  linkTabs(ingestor, new BroadcastChannel('kith-entries'));
  linkBlockLists(peer.blocking, new BroadcastChannel('kith-blocks'));
  linkWantedBlobs(peer.blobs, new BroadcastChannel('kith-blobs'));
  // Safari deletes a site's storage after a week without a visit unless it is persistent.
  void navigator.storage?.persist?.().catch(() => false);
  const network = new NetworkRole();
  network.claim(async () => {
    // The network stack (simple-peer, sync, mesh) is loaded only here, in the one tab that
    // holds the network role, so it stays out of the JS the first screen waits for.
    const [{ startMesh }, urls] = await Promise.all([
      import('./boot-mesh.ts'),
      signalingUrls(store),
    ]);
    return startMesh(node, urls);
  });
  // Closing the page says goodbye first, so friends show this device offline at once rather
  // than after the presence timeout (docs/ui.md, "Status").
  addEventListener('pagehide', () => {
    network.mesh?.goodbye();
    void network.release();
  });
  const running: Running = { ...opened, store, ingestor, peer, devices, network };
  exposeTestHooks(running);
  return running;
}

/** The signaling servers to use: the app's own origin, plus any set in Settings. */
async function signalingUrls(store: StorageAdapter): Promise<string[]> {
  // The signaling client's module comes with the network stack, not with the first screen.
  const [extra, { defaultSignalingUrl }] = await Promise.all([
    store.getSetting('settings/signaling'),
    import('./core/net/signaling-client.ts'),
  ]);
  const own = defaultSignalingUrl(location.origin);
  const list = Array.isArray(extra) ? extra.filter((u): u is string => typeof u === 'string') : [];
  return [own, ...list.filter((u) => u !== own)];
}
