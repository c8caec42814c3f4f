/**
 * This device's own append-only log: assigns seqs, chains each entry to the previous one, signs
 * with the device key and hands the entry to the replica. Writes are serialised, so two changes
 * made at once (two taps, two tabs' worth of events) never race for one seq.
 */
import type { Clock } from '../clock.ts';
import type { BlobId } from '../crypto/blobs.ts';
import { signEntry, type VerifiedEntry } from '../feed/entry-verifier.ts';
import type { EntryPosition, PayloadKind } from '../feed/entry-codec.ts';
import type { DeviceCertificate } from '../identity/device-certificate.ts';
import type { DeviceSession } from '../identity/device-setup.ts';
import type { DocId, EntryHash, PersonId } from '../ids.ts';
import type { StorageAdapter } from '../store/storage-adapter.ts';

/** Where this device's freshly signed entries go: stored and announced like received ones. */
export interface OwnEntrySink {
  addOwn(entry: VerifiedEntry): Promise<void>;
}

/**
 * Runs `task` while holding a lock shared by every tab of this browser profile (Web Locks), so
 * two tabs writing at once still take turns on the one device log. Omitted: one tab, no lock.
 */
export type CrossTabLock = <T>(task: () => Promise<T>) => Promise<T>;

/** The device's log: the next seq and the hash to chain it to. */
export class OwnLog {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly store: StorageAdapter,
    private readonly author: PersonId,
    private device: DeviceSession,
    private readonly sink: OwnEntrySink,
    private readonly clock: Clock,
    private readonly lock: CrossTabLock | undefined,
    private lastSeq: number,
    private lastHash: EntryHash | undefined,
  ) {}

  /** Opens the log where the store left it (after a reload, it continues, never restarts). */
  static async open(
    store: StorageAdapter,
    author: PersonId,
    device: DeviceSession,
    sink: OwnEntrySink,
    clock: Clock,
    lock?: CrossTabLock,
  ): Promise<OwnLog> {
    const log = new OwnLog(store, author, device, sink, clock, lock, 0, undefined);
    await log.refresh();
    return log;
  }

  /** Reads where the log ends from the store (another tab may have appended). */
  private async refresh(): Promise<void> {
    const deviceId = this.device.key.deviceId;
    const ranges = await this.store.heldRanges(this.author, deviceId);
    const lastSeq = ranges.at(-1)?.end ?? 0;
    const hash = lastSeq > 0 ? await this.store.hashAt(this.author, deviceId, lastSeq) : undefined;
    if (lastSeq > 0 && !hash) throw new Error(`own log is missing its entry ${lastSeq}`);
    this.lastSeq = lastSeq;
    this.lastHash = hash;
  }

  /** Signs the entries that follow with a renewed certificate of this same device key. */
  useCertificate(certificate: DeviceCertificate): void {
    if (certificate.device !== this.device.key.deviceId || certificate.person !== this.author) {
      throw new Error('a certificate for another device cannot sign this log');
    }
    this.device = { ...this.device, certificate };
  }

  /**
   * Signs one entry for `docId` and hands it to the sink; resolves once it is stored. `covers`
   * names the entries of this person's doc that the payload (the doc's whole state) supersedes;
   * `blobs` the stored blobs it references, listed for relays.
   */
  append(
    docId: DocId,
    payloadKind: PayloadKind,
    payload: Uint8Array,
    covers: readonly EntryPosition[] = [],
    blobs: readonly BlobId[] = [],
  ): Promise<VerifiedEntry> {
    const write = async () => {
      if (this.lock) await this.refresh();
      const entry = await signEntry(this.device, {
        seq: this.lastSeq + 1,
        prev: this.lastHash,
        timestamp: this.clock.now(),
        docId,
        payloadKind,
        payload,
        covers,
        blobs,
      });
      await this.sink.addOwn(entry);
      this.lastSeq = entry.seq;
      this.lastHash = entry.hash;
      return entry;
    };
    const next = this.queue.then(() => (this.lock ? this.lock(write) : write()));
    // A failed write (quota) must not block every later one: the queue continues.
    this.queue = next.catch(() => undefined);
    return next;
  }
}
