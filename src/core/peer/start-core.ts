/**
 * Opens one person's core on this device over its store, wired the way the app runs it: the
 * revocations held (read before anything is verified), the verifying ingest that honours them,
 * the peer, and the device authority (renewed certificates picked up, due renewals made).
 * `boot.ts` and the tests that stand for the app both start here.
 */
import type { Clock } from '../clock.ts';
import { browserEntryChecker } from '../feed/browser-entry-checker.ts';
import { EntryVerifier } from '../feed/entry-verifier.ts';
import type { DeviceSession } from '../identity/device-setup.ts';
import type { Identity } from '../identity/keys.ts';
import type { RevocationLookup } from '../identity/revocation.ts';
import type { StorageAdapter } from '../store/storage-adapter.ts';
import { Ingestor } from '../sync/ingest.ts';
import { DeviceAuthority } from './device-authority.ts';
import type { CrossTabLock } from './own-log.ts';
import { Peer } from './peer.ts';
import { StoredRevocations } from './stored-revocations.ts';

/** What the core of one person on one device is made of. */
export interface CoreOptions {
  readonly store: StorageAdapter;
  readonly identity: Identity;
  readonly device: DeviceSession;
  readonly clock: Clock;
  /** A lock shared by this browser profile's tabs (see `Peer`). */
  readonly lock?: CrossTabLock;
}

/** The started core. */
export interface Core {
  readonly verifier: EntryVerifier;
  readonly ingestor: Ingestor;
  readonly peer: Peer;
  readonly devices: DeviceAuthority;
  /** The revocations held, for whatever else must refuse a revoked device (the mesh). */
  readonly revocations: RevocationLookup;
}

/** Starts the core (module doc). */
export async function startCore(options: CoreOptions): Promise<Core> {
  const { store, identity, device, clock } = options;
  const revocations = await StoredRevocations.load(store);
  // Signatures are checked in workers where there are any (off the page's main thread).
  const verifier = new EntryVerifier({ revocations, checker: browserEntryChecker() });
  const ingestor = new Ingestor(store, verifier);
  revocations.follow(ingestor);
  const peer = await Peer.open({
    store,
    identity,
    device,
    pipeline: ingestor,
    clock,
    lock: options.lock,
  });
  const devices = await DeviceAuthority.open({
    store,
    device,
    identity,
    writer: peer,
    stored: ingestor,
    revocations,
    clock,
  });
  return { verifier, ingestor, peer, devices, revocations };
}
