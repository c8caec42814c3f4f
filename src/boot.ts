/**
 * Opens this browser profile's Kith: the IndexedDB store, the saved identity and device (if
 * any), the verifying ingest and the peer. Only wiring: every piece is the core's.
 */
import { systemClock } from './core/clock.ts';
import { EntryVerifier } from './core/feed/entry-verifier.ts';
import { createIdentity } from './core/identity/device-setup.ts';
import { loadDeviceState, saveDeviceState } from './core/peer/device-state.ts';
import { Peer } from './core/peer/peer.ts';
import { IdbStorageAdapter } from './core/store/idb-storage-adapter.ts';
import type { StorageAdapter } from './core/store/storage-adapter.ts';
import { Ingestor } from './core/sync/ingest.ts';

/** A running Kith on this device. */
export interface Running {
  readonly store: StorageAdapter;
  readonly ingestor: Ingestor;
  readonly peer: Peer;
}

/** Opens the store; the saved person's Kith, or `null` when nobody has onboarded here yet. */
export async function openKith(): Promise<{ store: StorageAdapter; running: Running | null }> {
  const store = await IdbStorageAdapter.open({ indexedDB: globalThis.indexedDB });
  const saved = await loadDeviceState(store);
  return { store, running: saved ? await start(store, saved) : null };
}

/** Creates a new person on this device (onboarding) and starts their Kith. */
export async function createPerson(store: StorageAdapter, name: string): Promise<Running> {
  const created = await createIdentity({ clock: systemClock });
  await saveDeviceState(store, created);
  const running = await start(store, created);
  await running.peer.setProfile({ name });
  return running;
}

async function start(
  store: StorageAdapter,
  saved: Awaited<ReturnType<typeof createIdentity>>,
): Promise<Running> {
  const ingestor = new Ingestor(store, new EntryVerifier());
  const peer = await Peer.open({
    store,
    identity: saved.identity,
    device: saved.device,
    pipeline: ingestor,
    clock: systemClock,
  });
  // Safari deletes a site's storage after a week without a visit unless it is persistent.
  void navigator.storage?.persist?.().catch(() => false);
  return { store, ingestor, peer };
}
