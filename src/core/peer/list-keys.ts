/**
 * The keys of the lists this person is in, on one device (issue 28, "audiences"): each list
 * epoch learnt from its author's record (`kinds/audience-list.ts`, a key-set record v2 whose set
 * is `list:<listId>`). Kept in memory and in the store's settings, so a reload does not open
 * records again.
 *
 * A record is opened only when its author is this person or a friend (the pair key needs their
 * encryption key). A list post names neither its list nor its epoch (`crypto/list-payload.ts`),
 * so a reader tries the keys it holds of the post's author: at most {@link MAX_LIST_KEYS} per
 * author are kept, the oldest learnt dropped first (a post sealed under a dropped key stays
 * unread here; an author rotates a list only when its members change).
 */
import { SymmetricKey } from '../crypto/aead.ts';
import { openKeySetRecord } from '../crypto/key-set.ts';
import type { PairKeys } from '../crypto/pair-keys.ts';
import type { ListId } from '../docs/audience.ts';
import type { PersonId } from '../ids.ts';
import type { ListKeyPort } from '../kinds/list-port.ts';
import type { StorageAdapter } from '../store/storage-adapter.ts';

/** Most list keys kept of one author. */
export const MAX_LIST_KEYS = 64;

/** A held list epoch as its setting keeps it. */
interface SavedListKey {
  readonly list: string;
  readonly epoch: number;
  readonly device: string;
  readonly key: Uint8Array;
}

/** The key set name of a list's records. */
export function listSetName(list: ListId): string {
  return `list:${list}`;
}

/** The list keys of one device. */
export class ListKeys implements ListKeyPort {
  private readonly cache = new Map<PersonId, { saved: SavedListKey[]; keys: SymmetricKey[] }>();

  constructor(
    private readonly store: StorageAdapter,
    private readonly pairs: PairKeys,
    /** The X25519 key of an author whose records are opened here (oneself, a friend), or `null`. */
    private readonly senderKey: (author: PersonId) => Uint8Array | null,
  ) {}

  async learn(
    author: PersonId,
    device: string,
    list: ListId,
    epoch: number,
    record: Uint8Array,
  ): Promise<SymmetricKey | null> {
    const sender = this.senderKey(author);
    if (!sender) return null;
    const at = { author, set: listSetName(list), epoch };
    const key = await openKeySetRecord(at, record, await this.pairs.pairKey(sender));
    if (!key) return null;
    const held = await this.held(author);
    const same = (s: SavedListKey) => s.list === list && s.epoch === epoch && s.device === device;
    if (held.saved.some(same)) return key;
    const saved = [{ list, epoch, device, key: key.raw }, ...held.saved].slice(0, MAX_LIST_KEYS);
    this.cache.set(author, { saved, keys: [key, ...held.keys].slice(0, MAX_LIST_KEYS) });
    await this.store.setSetting(settingName(author), saved);
    return key;
  }

  async keysOf(author: PersonId): Promise<readonly SymmetricKey[]> {
    return (await this.held(author)).keys;
  }

  private async held(author: PersonId): Promise<{ saved: SavedListKey[]; keys: SymmetricKey[] }> {
    const cached = this.cache.get(author);
    if (cached) return cached;
    const value = await this.store.getSetting(settingName(author));
    const saved = (Array.isArray(value) ? (value as unknown[]) : []).filter(isSavedListKey);
    const held = { saved, keys: await Promise.all(saved.map((s) => SymmetricKey.fromRaw(s.key))) };
    this.cache.set(author, held);
    return held;
  }
}

function isSavedListKey(value: unknown): value is SavedListKey {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.list === 'string' &&
    Number.isSafeInteger(v.epoch) &&
    typeof v.device === 'string' &&
    v.key instanceof Uint8Array
  );
}

function settingName(author: PersonId): string {
  return `keys/lists/${author}`;
}
