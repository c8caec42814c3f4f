/**
 * The device revocations this replica honours. A person revokes a device with a record signed
 * by their identity key (`identity/revocation.ts`), written as an entry of their `revocations`
 * doc; every replica of their log thereby receives it. This lookup holds the verified ones:
 * read from the store at start (before any entry is verified), learnt from each batch the
 * verifier is about to judge, and from entries stored without verification (this device's own,
 * another tab's), so the `EntryVerifier` refuses the revoked device's later entries.
 */
import { toBase64Url } from '../bytes.ts';
import { docIdOf } from '../kinds/registry.ts';
import { decodeEntry, entryHasPayload, type AnyEntry, type Entry } from '../feed/entry-codec.ts';
import type { LearningRevocations } from '../feed/entry-verifier.ts';
import {
  MAX_DEVICE_REVOCATION_BYTES,
  MemoryRevocations,
  verifyDeviceRevocation,
  type DeviceRevocation,
} from '../identity/revocation.ts';
import { BoundedCache } from '../identity/bounded-cache.ts';
import { RecordError } from '../identity/signed-record.ts';
import { defaultVerifier, type Ed25519Verifier } from '../identity/verifier.ts';
import type { DeviceId, PersonId } from '../ids.ts';
import { createLogger } from '../log.ts';
import type { LogStore, StoredEntry } from '../store/storage-adapter.ts';

const log = createLogger('kith:revocations');

const REVOCATIONS_DOC = docIdOf({ kind: 'revocations' });

/** Where newly stored entries are announced (the ingestor). */
export interface StoredEntrySource {
  onStored(listener: (entries: readonly StoredEntry[]) => void): () => void;
}

/** Verified revocations, kept in memory and found again in the store at start. */
export class StoredRevocations implements LearningRevocations {
  private readonly known = new MemoryRevocations();
  /**
   * Records judged, or being judged: a revocation re-sent with every sync is verified once, and
   * a learner that meets it while it is being verified waits for the outcome.
   */
  private readonly judged = new BoundedCache<string, Promise<void>>(1024);

  private constructor(private readonly ed25519: Ed25519Verifier) {}

  /** Reads every revocation held in `store`: one doc lookup per author held. */
  static async load(
    store: LogStore,
    ed25519: Ed25519Verifier = defaultVerifier,
  ): Promise<StoredRevocations> {
    const revocations = new StoredRevocations(ed25519);
    const authors = new Set((await store.listLogs()).map((summary) => summary.author));
    for (const author of authors) {
      await revocations.learnStored(await store.getDocEntries(author, REVOCATIONS_DOC));
    }
    return revocations;
  }

  /** Learns from entries stored without verification; returns the unsubscribe function. */
  follow(source: StoredEntrySource): () => void {
    return source.onStored((entries) => {
      this.learnStored(entries).catch((error: unknown) => {
        log.error('could not read a revocation', { error: String(error) });
      });
    });
  }

  /** See `LearningRevocations`. */
  async learnFrom(entries: readonly AnyEntry[]): Promise<void> {
    // An entry relayed without its payload (entries v2) carries no revocation to learn.
    for (const entry of entries) if (entry.payload !== undefined) await this.learnOne(entry);
  }

  /** Adds a revocation this device just issued. */
  add(revocation: DeviceRevocation): void {
    this.known.add(revocation);
  }

  /** See `RevocationLookup`. */
  revocationOf(person: PersonId, device: DeviceId): DeviceRevocation | undefined {
    return this.known.revocationOf(person, device);
  }

  private async learnStored(entries: readonly StoredEntry[]): Promise<void> {
    for (const stored of entries) {
      if (stored.docId === REVOCATIONS_DOC && entryHasPayload(stored.bytes))
        await this.learnOne(decodeEntry(stored.bytes));
    }
  }

  /** Keeps a record of the author's `revocations` doc that their identity key signed. */
  private async learnOne(entry: Entry): Promise<void> {
    if (entry.docId !== REVOCATIONS_DOC || entry.payloadKind !== 'key-record') return;
    if (entry.payload.length > MAX_DEVICE_REVOCATION_BYTES) {
      log.warn('revocation refused', { author: entry.author, reason: 'too-large' });
      return;
    }
    const key = `${entry.author}/${toBase64Url(entry.payload)}`;
    let judging = this.judged.get(key);
    if (!judging) {
      judging = this.judge(entry.author, entry.payload);
      this.judged.set(key, judging);
      // A failure (not a refusal: those are logged) is judged again next time.
      judging.catch(() => this.judged.delete(key));
    }
    await judging;
  }

  private async judge(author: PersonId, record: Uint8Array): Promise<void> {
    try {
      const revocation = await verifyDeviceRevocation(record, this.ed25519);
      if (revocation.person === author) this.known.add(revocation);
      else log.warn('a revocation in another person’s log', { author });
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      log.warn('revocation refused', { author, reason: error.reason });
    }
  }
}
