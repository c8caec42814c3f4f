/**
 * The keys this device holds for private content: its own friends-epoch keys, the epoch keys
 * friends sealed to it, and the content keys of posts it has opened. Kept in memory and in the
 * store's settings, so a reload does not redo trial decryptions. Raw keys rest on the device
 * that may read with them; the entries they open rest encrypted everywhere.
 */
import { SymmetricKey } from '../crypto/aead.ts';
import { openEpochRecord } from '../crypto/audience.ts';
import type { X25519KeyPair } from '../crypto/seal.ts';
import type { PersonId } from '../ids.ts';
import type { StorageAdapter } from '../store/storage-adapter.ts';

/** This device's current friends epoch: its number and key. */
export interface OwnEpoch {
  readonly epoch: number;
  readonly key: SymmetricKey;
}

const OWN_EPOCH = 'keys/own-epoch';

/** Keys of private content held on this device. */
export class Keyring {
  private readonly cache = new Map<string, SymmetricKey | null>();

  constructor(
    private readonly store: StorageAdapter,
    private readonly me: X25519KeyPair,
  ) {}

  /** The current own epoch, or `null` before the first private post or friend. */
  async ownEpoch(): Promise<OwnEpoch | null> {
    const saved = await this.store.getSetting(OWN_EPOCH);
    if (!isSavedEpoch(saved)) return null;
    return { epoch: saved.epoch, key: await SymmetricKey.fromRaw(saved.key) };
  }

  /** Records a new own epoch (after the record sealing it is written). */
  async setOwnEpoch(epoch: number, key: SymmetricKey, author: PersonId): Promise<void> {
    await this.store.setSetting(OWN_EPOCH, { epoch, key: key.raw });
    await this.put(epochName(author, epoch), key);
  }

  /** The epoch key of `author`'s epoch `epoch`, if this device could open it. */
  epochKey(author: PersonId, epoch: number): Promise<SymmetricKey | null> {
    return this.get(epochName(author, epoch));
  }

  /**
   * Tries to open an epoch record of `author` with this device's X25519 key; remembers and
   * returns the key, or `null` when the record holds no box for this device.
   */
  async learnEpoch(
    author: PersonId,
    epoch: number,
    record: Uint8Array,
  ): Promise<SymmetricKey | null> {
    const key = await openEpochRecord(author, epoch, record, this.me);
    if (key) await this.put(epochName(author, epoch), key);
    return key;
  }

  /** The content key of a post, if known. */
  contentKey(author: PersonId, postId: string): Promise<SymmetricKey | null> {
    return this.get(contentName(author, postId));
  }

  /** Remembers the content key of a post. */
  setContentKey(author: PersonId, postId: string, key: SymmetricKey): Promise<void> {
    return this.put(contentName(author, postId), key);
  }

  private async get(name: string): Promise<SymmetricKey | null> {
    const cached = this.cache.get(name);
    if (cached) return cached;
    const raw = await this.store.getSetting(name);
    if (!(raw instanceof Uint8Array)) return null;
    const key = await SymmetricKey.fromRaw(raw);
    this.cache.set(name, key);
    return key;
  }

  private async put(name: string, key: SymmetricKey): Promise<void> {
    this.cache.set(name, key);
    await this.store.setSetting(name, key.raw);
  }
}

function epochName(author: PersonId, epoch: number): string {
  return `keys/epoch/${author}/${epoch}`;
}

function contentName(author: PersonId, postId: string): string {
  return `keys/content/${author}/${postId}`;
}

function isSavedEpoch(value: unknown): value is { epoch: number; key: Uint8Array } {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return Number.isSafeInteger(v.epoch) && v.key instanceof Uint8Array;
}
