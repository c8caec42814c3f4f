/**
 * The current friends epoch as a fact of a person's logs (design section 3, "one epoch per
 * person"): of all epoch records any of the person's devices wrote, the newest in one total
 * order (epoch number, then the writing device's id) is current, for every device that has seen
 * it. Two devices rotating at once both write epoch n+1; the higher device id wins, and the
 * loser seals its next posts with the winner's key (what it already sealed stays readable: its
 * own record of n+1 is in its log).
 *
 * And the keys this device has seen leave the friend list (a removed friend's, or a friend's
 * replaced by their next generation), so that a current epoch another device wrote before it saw
 * a removal can be recognised as still open to that key, and replaced.
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

/** Where the retired keys are kept, by key. */
const RETIRED = 'keys/retired';
/** Where they were kept, by person, before a friend's key could be replaced. */
const OLD_REMOVED = 'keys/removed-friends';

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
 * The X25519 keys this device saw leave the friend list and not come back: a removed friend's,
 * and a friend's replaced by their next key generation (a device of theirs was removed). Each is
 * enough to recognise its hint in a record. Kept in the store's settings, by key.
 */
export class RetiredKeys {
  private loaded: Map<string, PersonId> | undefined;

  constructor(private readonly store: StorageAdapter) {}

  /** Each retired key (by its base64url text). */
  async all(): Promise<ReadonlyMap<string, Uint8Array>> {
    const loaded = await this.load();
    return new Map([...loaded.keys()].map((key) => [key, fromBase64Url(key)]));
  }

  private async load(): Promise<Map<string, PersonId>> {
    if (this.loaded) return this.loaded;
    this.loaded = new Map();
    const saved = await this.store.getSetting(RETIRED);
    if (isTextMap(saved)) {
      for (const [key, person] of Object.entries(saved)) this.loaded.set(key, person as PersonId);
      return this.loaded;
    }
    // Kept by person before: taken over as it is.
    const old = await this.store.getSetting(OLD_REMOVED);
    if (isTextMap(old)) {
      for (const [person, key] of Object.entries(old)) this.loaded.set(key, person as PersonId);
    }
    return this.loaded;
  }

  /** Notes a change of the friend list: keys that left it, and keys a friend holds (again). */
  async friendsChanged(
    before: ReadonlyMap<string, FriendRecord>,
    after: ReadonlyMap<string, FriendRecord>,
  ): Promise<void> {
    const retired = new Map(await this.load());
    let changed = false;
    for (const [person, record] of before) {
      const key = friendKey(record);
      if (!key || after.get(person)?.encryptionKey === record.encryptionKey) continue;
      retired.set(toBase64Url(key), person as PersonId);
      changed = true;
    }
    for (const record of after.values()) {
      const key = friendKey(record);
      if (key) changed = retired.delete(toBase64Url(key)) || changed;
    }
    if (!changed) return;
    this.loaded = retired;
    await this.store.setSetting(RETIRED, Object.fromEntries(retired));
  }
}

function isTextMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Uint8Array) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}
