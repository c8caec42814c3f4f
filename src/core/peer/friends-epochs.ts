/**
 * The friends audience of this person as a key set with epochs (design section 3), seen from
 * one device: writes its epoch records (key-set records v2, `crypto/key-set.ts`) and keeps the
 * device on the person's one current epoch (`epoch-state.ts`).
 *
 * `reconcile` runs after every batch of stored entries, inside the peer's queue, so before any
 * later write: if the current epoch (whichever own device wrote it) still has a box for someone
 * this device has seen removed, it starts the next epoch, sealed to the friends it has now. So a
 * device never seals with a key a friend it knows removed can open, whichever device removed
 * them and whichever device rotated last.
 *
 * And the device that wrote the current epoch re-issues it when its friend list has gained
 * someone it did not seal to (a friend added on another device while this one rotated). Only the
 * writer does: it alone knows that person was not left out on purpose, while another device,
 * not having seen a removal yet, could mistake a removed friend for a missing one.
 */
import { SymmetricKey } from '../crypto/aead.ts';
import {
  KEY_SET_RECORD_VERSION,
  decodeKeySetRecord,
  hasHintFor,
  makeKeySetRecord,
} from '../crypto/key-set.ts';
import { InvalidPublicKeyError } from '../crypto/seal.ts';
import { docIdOf } from '../kinds/registry.ts';
import type { FriendRecord } from '../docs/small-docs.ts';
import { decodeEntry } from '../feed/entry-codec.ts';
import type { DeviceId, PersonId } from '../ids.ts';
import type { StorageAdapter } from '../store/storage-adapter.ts';
import { RetiredKeys, friendKey } from './epoch-state.ts';
import { FRIENDS_SET, type EpochKey, type Keyring } from './keyring.ts';

/** What the friends epochs of one device need. */
export interface FriendsEpochsOptions {
  readonly me: PersonId;
  readonly device: DeviceId;
  /** This person's X25519 public key: their own devices' box. */
  readonly ownKey: Uint8Array;
  readonly store: StorageAdapter;
  readonly keyring: Keyring;
  /** The friend list as read when the peer opened. */
  readonly friendsAtOpen: ReadonlyMap<string, FriendRecord>;
  /** Appends an epoch record to this device's log (inside the peer's queue). */
  append(epoch: number, record: Uint8Array): Promise<void>;
}

/** The friends key set of one person, on one of their devices. */
export class FriendsEpochs {
  private readonly removed: RetiredKeys;
  private friendsSeen: ReadonlyMap<string, FriendRecord>;
  /** The (epoch, removed set) last found clean, so an unchanged state is not checked again. */
  private checked = '';

  constructor(private readonly options: FriendsEpochsOptions) {
    this.removed = new RetiredKeys(options.store);
    this.friendsSeen = options.friendsAtOpen;
  }

  /** The current epoch (`null` before the first). */
  current(): Promise<EpochKey | null> {
    return this.options.keyring.ownEpoch();
  }

  /**
   * Writes the record of `epoch` sealed to this person's own key and every friend, with `key`
   * or a fresh key, and remembers it as written by this device.
   */
  async seal(
    epoch: number,
    key: SymmetricKey | undefined,
    friends: ReadonlyMap<string, FriendRecord>,
  ): Promise<EpochKey> {
    const { keyring, me, device, ownKey } = this.options;
    const epochKey = key ?? (await SymmetricKey.generate());
    const members = [ownKey];
    for (const friend of friends.values()) {
      const theirs = friendKey(friend);
      if (theirs) members.push(theirs);
    }
    const pairKeys = await Promise.all(members.map((m) => keyring.pairs.pairKey(m)));
    const record = await makeKeySetRecord(
      { author: me, set: FRIENDS_SET, epoch },
      epochKey,
      pairKeys,
    );
    await this.options.append(epoch, record);
    await keyring.remember(me, { epoch, device }, epochKey);
    await this.options.store.setSetting(sealedToName(epoch), [...friends.keys()]);
    return { epoch, device, key: epochKey };
  }

  /**
   * Hands the current epoch (or a first one) to a friend just added on this device: re-issues it
   * to `friends` unless this device's own current record already covers them all.
   */
  async admit(friends: ReadonlyMap<string, FriendRecord>): Promise<void> {
    const current = await this.current();
    if (!current) {
      await this.seal(0, undefined, friends);
      return;
    }
    if (current.device !== this.options.device || (await this.leftOut(current.epoch, friends))) {
      await this.seal(current.epoch, current.key, friends);
    }
  }

  /** Starts the next epoch with a fresh key, sealed to `friends`. */
  async rotate(friends: ReadonlyMap<string, FriendRecord>): Promise<EpochKey> {
    const current = await this.current();
    return this.seal((current?.epoch ?? -1) + 1, undefined, friends);
  }

  /**
   * Notes who left the friend list since the last call, and rotates when the current epoch has
   * a box for anyone this device has seen removed.
   */
  async reconcile(friends: ReadonlyMap<string, FriendRecord>): Promise<void> {
    if (friends !== this.friendsSeen) {
      await this.removed.friendsChanged(this.friendsSeen, friends);
      this.friendsSeen = friends;
    }
    const current = await this.current();
    if (!current) return;
    if (current.device === this.options.device && (await this.leftOut(current.epoch, friends))) {
      await this.seal(current.epoch, current.key, friends);
    }
    const removed = await this.removed.all();
    if (removed.size === 0) return;
    const state = `${current.epoch}/${current.device}/${[...removed.keys()].sort().join(',')}`;
    if (state === this.checked) return;
    if (await this.openToAnyOf(current.epoch, removed)) await this.rotate(friends);
    else this.checked = state;
  }

  /** Whether `friends` holds someone this device's own record of `epoch` was not sealed to. */
  private async leftOut(
    epoch: number,
    friends: ReadonlyMap<string, FriendRecord>,
  ): Promise<boolean> {
    const sealedTo = await this.options.store.getSetting(sealedToName(epoch));
    // Written before this was kept: nothing to compare with.
    if (!Array.isArray(sealedTo)) return false;
    return [...friends.keys()].some((person) => !sealedTo.includes(person));
  }

  /**
   * Whether any own record of `epoch` has a box for one of `keys`. A version 1 record cannot be
   * checked without the private key: it counts as open to them.
   */
  private async openToAnyOf(
    epoch: number,
    keys: ReadonlyMap<string, Uint8Array>,
  ): Promise<boolean> {
    const { store, me, keyring } = this.options;
    const at = { author: me, set: FRIENDS_SET, epoch };
    for (const stored of await store.getDocEntries(me, docIdOf({ kind: 'epoch', epoch }))) {
      const entry = decodeEntry(stored.bytes);
      if (entry.payloadKind !== 'key-record') continue;
      if (entry.payload[0] !== KEY_SET_RECORD_VERSION) return true;
      const record = decodeKeySetRecord(entry.payload);
      for (const key of keys.values()) {
        try {
          if (await hasHintFor(at, record, await keyring.pairs.pairKey(key))) return true;
        } catch (error) {
          if (!(error instanceof InvalidPublicKeyError)) throw error;
        }
      }
    }
    return false;
  }
}

/** Setting naming the friends this device sealed its record of `epoch` to. */
function sealedToName(epoch: number): string {
  return `keys/sealed-to/${epoch}`;
}
