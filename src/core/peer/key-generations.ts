/**
 * Key generation records as one device reads them (`crypto/key-generation-record.ts`, doc
 * `key-generation/<g>`): taken from each batch of stored entries before the batch is
 * materialized, so an epoch record of the same batch sealed to the new key opens.
 *
 * - Its own person's record of a later generation: the device moves to it, with the keys its seed
 *   derives, or the keys the record hands this device (sealed to its device secret). A device the
 *   record hands nothing to (it was removed, or linked before device secrets) stays behind, and
 *   says so in the log.
 * - A friend's: the friend's encryption key moves to the new one in the friend list, so later
 *   epochs are sealed to it; the key it replaces is then retired (`epoch-state.ts`), and the
 *   current epoch, open to it, is replaced by the next.
 *
 * The newest generation seen of each friend is kept (`keys/friend-generations`), so a record of
 * an older generation met later never moves a friend's key back.
 */
import {
  KeyGenerationError,
  keysOfGeneration,
  openGenerationBox,
  readKeyGenerationRecord,
  type HandedKeys,
  type KeyGenerationRecord,
} from '../crypto/key-generation-record.ts';
import { bytesEqual } from '../bytes.ts';
import { decodeEntry, entryHasPayload } from '../feed/entry-codec.ts';
import type { Ed25519Verifier } from '../identity/verifier.ts';
import type { DeviceId, PersonId } from '../ids.ts';
import { Tagged } from '../kinds/kind.ts';
import { docIdOf, parseDocRef } from '../kinds/registry.ts';
import { createLogger } from '../log.ts';
import type { StorageAdapter, StoredEntry } from '../store/storage-adapter.ts';
import type { CurrentKeys } from './current-keys.ts';

const log = createLogger('kith:keys');

const FRIEND_GENERATIONS = 'keys/friend-generations';

/** What reading key generation records needs. */
export interface KeyGenerationsOptions {
  readonly me: PersonId;
  readonly device: DeviceId;
  /** The secret this device is handed later generations with; `null` where it has none. */
  readonly deviceSecret: Uint8Array | null;
  readonly store: StorageAdapter;
  readonly keys: CurrentKeys;
  readonly verifier: Ed25519Verifier;
  /** The key `person`'s friend record holds; `null` for someone not a friend. */
  friendKey(person: PersonId): Uint8Array | null;
  /** This person's keys moved to the current generation (inside the peer's queue). */
  moved(): Promise<void>;
  /** A friend's encryption key moved to `key` (inside the peer's queue). */
  friendMoved(person: PersonId, key: Uint8Array): Promise<void>;
}

/** Reads key generation records for one device (module doc). */
export class KeyGenerations {
  /**
   * The newest generation of this person's keys this device met a record of and was handed
   * nothing by (removed, or linked before device secrets); `null` while it is on the newest.
   */
  leftBehind: number | null = null;

  constructor(private readonly options: KeyGenerationsOptions) {}

  /** Takes the key generation records among `entries` (inside the peer's queue). */
  async take(entries: readonly StoredEntry[]): Promise<void> {
    const found: { author: PersonId; record: KeyGenerationRecord }[] = [];
    for (const stored of entries) {
      if (!stored.docId.startsWith('key-generation/') || !entryHasPayload(stored.bytes)) continue;
      const ref = parseDocRef(stored.docId);
      const entry = decodeEntry(stored.bytes);
      if (ref instanceof Tagged || ref.kind !== 'key-generation') continue;
      if (entry.payloadKind !== 'key-record') continue;
      try {
        const record = await readKeyGenerationRecord(
          entry.payload,
          stored.author,
          ref.generation,
          this.options.verifier,
        );
        found.push({ author: stored.author, record });
      } catch (error) {
        if (!(error instanceof KeyGenerationError)) throw error;
        log.warn('a key generation record refused', {
          author: stored.author,
          error: error.message,
        });
      }
    }
    found.sort((a, b) => a.record.key.generation - b.record.key.generation);
    let moved = false;
    for (const { author, record } of found) {
      if (author === this.options.me) moved = (await this.takeOwn(record)) || moved;
      else await this.takeFriend(author, record);
    }
    if (moved) await this.options.moved();
  }

  /**
   * Takes the records of `author` (this person, or a friend) stored already, of generations after
   * the one known here: at open, and when someone becomes a friend whose log was held before.
   */
  async catchUp(author: PersonId): Promise<void> {
    const { store, me, keys } = this.options;
    const known = author === me ? keys.generation : ((await this.friendGenerations())[author] ?? 0);
    const entries: StoredEntry[] = [];
    for (let next = known + 1; ; next++) {
      const held = await store.getDocEntries(
        author,
        docIdOf({ kind: 'key-generation', generation: next }),
      );
      if (held.length === 0) break;
      entries.push(...held);
    }
    if (entries.length > 0) await this.take(entries);
  }

  /**
   * A friend's key is known to be of `generation` at least (their invite's record said so):
   * records of generations up to it are not taken later.
   */
  async knownAt(person: PersonId, generation: number): Promise<void> {
    const known = await this.friendGenerations();
    if (generation <= (known[person] ?? 0)) return;
    await this.options.store.setSetting(FRIEND_GENERATIONS, { ...known, [person]: generation });
  }

  private async takeOwn(record: KeyGenerationRecord): Promise<boolean> {
    const { keys, device, deviceSecret } = this.options;
    const { generation } = record.key;
    if (generation <= keys.generation) return false;
    let handed: HandedKeys | null = null;
    if (keys.identity) handed = keysOfGeneration(keys.identity, generation);
    else if (deviceSecret) handed = await openGenerationBox(record, device, deviceSecret);
    if (!handed) {
      log.warn('the person’s keys moved on without this device', { generation });
      this.leftBehind = Math.max(this.leftBehind ?? 0, generation);
      return false;
    }
    await keys.move(generation, handed);
    return true;
  }

  private async takeFriend(author: PersonId, record: KeyGenerationRecord): Promise<void> {
    const held = this.options.friendKey(author);
    // Someone not a friend (yet): taken when they become one (`catchUp`).
    if (!held) return;
    const known = await this.friendGenerations();
    const { generation, encryptionKey } = record.key;
    if (generation <= (known[author] ?? 0)) return;
    await this.options.store.setSetting(FRIEND_GENERATIONS, { ...known, [author]: generation });
    if (!bytesEqual(held, encryptionKey)) await this.options.friendMoved(author, encryptionKey);
  }

  private async friendGenerations(): Promise<Record<string, number>> {
    const saved = await this.options.store.getSetting(FRIEND_GENERATIONS);
    if (typeof saved !== 'object' || saved === null || saved instanceof Uint8Array) return {};
    return Object.fromEntries(
      Object.entries(saved).filter((e): e is [string, number] => Number.isSafeInteger(e[1])),
    );
  }
}
