/**
 * The current friends epoch as a fact of a person's logs (design section 3, "one epoch per
 * person"): of all epoch records any of the person's devices wrote, the newest in one total
 * order (epoch number, then the writing device's id) is current, for every device that has seen
 * it. Two devices rotating at once both write epoch n+1; the higher device id wins, and the
 * loser seals its next posts with the winner's key (what it already sealed stays readable: its
 * own record of n+1 is in its log).
 *
 * And the friends this device has seen leave the friend list (with their encryption keys), so
 * that a current epoch another device wrote before it saw a removal can be recognised as still
 * open to the removed friend, and replaced.
 */
import { BytesFormatError, fromBase64Url, toBase64Url } from '../bytes.ts';
import type { FriendRecord } from '../docs/small-docs.ts';
import type { PersonId } from '../ids.ts';
import type { StorageAdapter } from '../store/storage-adapter.ts';

/** Where an epoch stands in the total order: its number, then the device that wrote it. */
export interface EpochMark {
  readonly epoch: number;
  /** The writing device's id; empty for an epoch saved before marks had devices. */
  readonly device: string;
}

/** Whether `a` comes after `b` in the total order of epoch records (`null`: none yet). */
export function isNewerEpoch(a: EpochMark, b: EpochMark | null): boolean {
  if (b === null) return true;
  if (a.epoch !== b.epoch) return a.epoch > b.epoch;
  return a.device > b.device;
}

/** Parses a saved {@link EpochMark}, or `null`. */
export function readEpochMark(value: unknown): EpochMark | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (!Number.isSafeInteger(v.epoch) || (v.epoch as number) < 0) return null;
  return { epoch: v.epoch as number, device: typeof v.device === 'string' ? v.device : '' };
}

const REMOVED = 'keys/removed-friends';

/** A friend's X25519 key, or `null` when their record holds none readable. */
export function friendKey(record: FriendRecord): Uint8Array | null {
  try {
    return fromBase64Url(record.encryptionKey);
  } catch (error) {
    if (error instanceof BytesFormatError) return null;
    throw error;
  }
}

/**
 * The people this device saw leave the friend list and not come back, with the X25519 key
 * each had: enough to recognise their hint in a record. Kept in the store's settings.
 */
export class RemovedFriends {
  private loaded: Map<PersonId, Uint8Array> | undefined;

  constructor(private readonly store: StorageAdapter) {}

  /** Each removed person and their encryption key. */
  async all(): Promise<ReadonlyMap<PersonId, Uint8Array>> {
    if (!this.loaded) {
      const saved = await this.store.getSetting(REMOVED);
      this.loaded = new Map();
      if (typeof saved === 'object' && saved !== null && !(saved instanceof Uint8Array)) {
        for (const [person, key] of Object.entries(saved as Record<string, unknown>)) {
          if (typeof key === 'string') this.loaded.set(person as PersonId, fromBase64Url(key));
        }
      }
    }
    return this.loaded;
  }

  /** Notes a change of the friend list: who left, and who is (again) a friend. */
  async friendsChanged(
    before: ReadonlyMap<string, FriendRecord>,
    after: ReadonlyMap<string, FriendRecord>,
  ): Promise<void> {
    const removed = new Map(await this.all());
    let changed = false;
    for (const [person, record] of before) {
      const key = friendKey(record);
      if (after.has(person) || !key) continue;
      removed.set(person as PersonId, key);
      changed = true;
    }
    for (const person of after.keys()) changed = removed.delete(person as PersonId) || changed;
    if (!changed) return;
    this.loaded = removed;
    const saved: Record<string, string> = {};
    for (const [person, key] of removed) saved[person] = toBase64Url(key);
    await this.store.setSetting(REMOVED, saved);
  }
}
