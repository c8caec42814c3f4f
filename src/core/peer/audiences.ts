/**
 * The named lists of friends this person keeps ("Close friends", issue 28), on one device: each
 * a key set with epochs, like the friends audience, whose records (`kinds/audience-list.ts`) hand
 * the list's key to its members and to the person's own devices. A post for a list wraps its
 * content key under the list's key of the time (`crypto/list-payload.ts`).
 *
 * Every change of a list's members starts a new epoch with a fresh key, so a change affects
 * later posts only: a member added cannot open the list's earlier posts, a member removed opens
 * none written afterwards. A post keeps the key it was first sealed under, so editing an old post
 * does not hand it to the list's later members. Members are friends (a record is sealed through
 * the pair key of author and member); a friend who leaves the friend list (removed or blocked)
 * leaves every list, with a new epoch. When a member's keys, or the person's own, move to their
 * next generation (a device was removed), every list sealed to the key before starts a new epoch
 * sealed to the new one, so the removed device opens none of its later posts.
 *
 * The lists themselves (names, members, current keys) are kept in the person's list book
 * (`docs/list-book.ts`), which only their own devices read: every one of them posts to a list
 * and changes it. Two devices changing one list at once each start an epoch; the book keeps one
 * (the later write), and posts sealed under the other stay readable to its members.
 */
import { SymmetricKey } from '../crypto/aead.ts';
import { makeKeySetRecord } from '../crypto/key-set.ts';
import type { PairKeys } from '../crypto/pair-keys.ts';
import { newListId, type ListId } from '../docs/audience.ts';
import type { KeptList } from '../docs/list-book.ts';
import type { PersonId, PostId } from '../ids.ts';
import type { StorageAdapter } from '../store/storage-adapter.ts';
import { listSetName } from './list-keys.ts';

/** Most lists one person keeps. */
export const MAX_LISTS = 50;
/** Longest list name, in UTF-16 units. */
export const MAX_LIST_NAME = 60;

/** A list as the screens show it. */
export interface FriendList {
  readonly id: ListId;
  readonly name: string;
  readonly members: readonly PersonId[];
}

/** A list change refused (not a friend, a bad name, too many lists, no such list). */
export class ListError extends Error {
  override readonly name = 'ListError';
}

/** What the lists of one device need. */
export interface AudienceListsOptions {
  readonly me: PersonId;
  readonly store: StorageAdapter;
  readonly pairs: PairKeys;
  /** This person's X25519 public key: their own devices' box. */
  readonly ownKey: Uint8Array;
  /** A friend's X25519 key, or `null` for someone who is not a friend. */
  friendKey(person: PersonId): Uint8Array | null;
  /** Appends a list record to this device's log (the caller queues it with other writes). */
  append(list: ListId, epoch: number, record: Uint8Array): Promise<void>;
  /** {@link append}, from inside the caller's queue. */
  appendNow(list: ListId, epoch: number, record: Uint8Array): Promise<void>;
  /** The list book as the person's devices wrote it. */
  readBook(): Promise<KeptList[]>;
  /** Writes the list book (the caller queues it with other writes). */
  writeBook(lists: readonly KeptList[]): Promise<void>;
  /** {@link writeBook}, from inside the caller's queue. */
  writeBookNow(lists: readonly KeptList[]): Promise<void>;
  now(): number;
}

/** The setting lists were kept in on one device before the list book. */
const DEVICE_LISTS = 'lists/own';

/** The lists this person keeps (module doc). */
export class AudienceLists {
  constructor(private readonly options: AudienceListsOptions) {}

  /** Every list, in the order made. */
  async all(): Promise<FriendList[]> {
    return (await this.saved()).map(({ id, name, members }) => ({ id, name, members }));
  }

  /** Makes a list of `members` (friends) named `name`; its first epoch is sealed to them. */
  async create(name: string, members: readonly PersonId[]): Promise<ListId> {
    const lists = await this.saved();
    if (lists.length >= MAX_LISTS) throw new ListError(`at most ${MAX_LISTS} lists`);
    const id = newListId();
    const list = await this.sealed(id, checkName(name), members, 0, this.options.now(), 'queued');
    await this.save([...lists, list], 'queued');
    return list.id;
  }

  /**
   * Renames a list and sets its members. A change of members starts a new epoch: only posts
   * written afterwards are for the new members.
   */
  async update(
    id: ListId,
    change: { name?: string; members?: readonly PersonId[] },
  ): Promise<void> {
    const lists = await this.saved();
    const list = lists.find((l) => l.id === id);
    if (!list) throw new ListError('no such list');
    const name = change.name === undefined ? list.name : checkName(change.name);
    const members = change.members ?? list.members;
    const same =
      members.length === list.members.length && members.every((m) => list.members.includes(m));
    const next = same
      ? { ...list, name }
      : await this.sealed(id, name, members, list.epoch + 1, list.made, 'queued');
    await this.save(
      lists.map((l) => (l.id === id ? next : l)),
      'queued',
    );
  }

  /**
   * `person`'s keys moved to their next generation (a friend's, or this person's: then every
   * list): each list sealed to their key before starts a new epoch, same members, sealed to the
   * new one (inside the caller's queue).
   */
  async keyMoved(person: PersonId): Promise<void> {
    const lists = await this.saved();
    const moved: KeptList[] = [];
    for (const list of lists) {
      if (person !== this.options.me && !list.members.includes(person)) moved.push(list);
      else {
        // Sealed to friends only: one no longer a friend leaves the list here, as on removal.
        const { me, friendKey } = this.options;
        const members = list.members.filter((m) => m === me || friendKey(m) !== null);
        const { id, name, epoch, made } = list;
        moved.push(await this.sealed(id, name, members, epoch + 1, made, 'in-queue'));
      }
    }
    await this.save(moved, 'in-queue');
  }

  /** Forgets a list (posts already written for it stay readable to whom they were for). */
  async remove(id: ListId): Promise<void> {
    await this.save(
      (await this.saved()).filter((l) => l.id !== id),
      'queued',
    );
  }

  /** Takes someone who is no longer a friend out of every list they are in. */
  async friendGone(person: PersonId): Promise<void> {
    for (const list of await this.saved()) {
      if (!list.members.includes(person)) continue;
      await this.update(list.id, { members: list.members.filter((m) => m !== person) });
    }
  }

  /** The key a post for `list` is sealed under (`SealPort.listKeyFor`). */
  async keyFor(id: ListId, postId: PostId): Promise<SymmetricKey> {
    const first = await this.options.store.getSetting(postKeyName(postId));
    if (first instanceof Uint8Array) return SymmetricKey.fromRaw(first);
    const list = (await this.saved()).find((l) => l.id === id);
    if (!list) throw new ListError('no such list on this device');
    await this.options.store.setSetting(postKeyName(postId), list.key);
    return SymmetricKey.fromRaw(list.key);
  }

  /** Writes the record of epoch `epoch` of a list, sealed to `members` and own devices. */
  private async sealed(
    id: ListId,
    name: string,
    members: readonly PersonId[],
    epoch: number,
    made: number,
    when: Queueing,
  ): Promise<KeptList> {
    const { pairs, ownKey, me } = this.options;
    const unique = [...new Set(members)];
    const keys = [ownKey];
    for (const member of unique) {
      const key = member === me ? null : this.options.friendKey(member);
      if (!key) throw new ListError('a list holds friends only');
      keys.push(key);
    }
    const key = await SymmetricKey.generate();
    const pairKeys = await Promise.all(keys.map((k) => pairs.pairKey(k)));
    const record = await makeKeySetRecord(
      { author: me, set: listSetName(id), epoch },
      key,
      pairKeys,
    );
    await (when === 'queued' ? this.options.append : this.options.appendNow)(id, epoch, record);
    return { id, name, members: unique, epoch, key: key.raw, made };
  }

  /**
   * Moves the lists this device kept in its settings before the list book into it (once, at
   * open, outside the caller's queue: it queues its write).
   */
  async moveDeviceLists(): Promise<void> {
    const before = await this.options.store.getSetting(DEVICE_LISTS);
    if (!Array.isArray(before)) return;
    const book = await this.saved();
    const made = this.options.now();
    const moved = (before as Omit<KeptList, 'made'>[])
      .filter((old) => !book.some((l) => l.id === old.id))
      .map((old, i) => ({ ...old, made: made + i }));
    if (moved.length > 0) await this.save([...book, ...moved], 'queued');
    await this.options.store.setSetting(DEVICE_LISTS, null);
  }

  private saved(): Promise<KeptList[]> {
    return this.options.readBook();
  }

  private async save(lists: readonly KeptList[], when: Queueing): Promise<void> {
    try {
      await (when === 'queued' ? this.options.writeBook : this.options.writeBookNow)(lists);
    } catch (error) {
      if (error instanceof RangeError) throw new ListError('the lists are too large to keep');
      throw error;
    }
  }
}

/** Whether a write is queued after the caller's other writes or made inside their queue. */
type Queueing = 'queued' | 'in-queue';

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_LIST_NAME) {
    throw new ListError(`a list name is 1 to ${MAX_LIST_NAME} characters`);
  }
  return trimmed;
}

function postKeyName(postId: PostId): string {
  return `lists/post-key/${postId}`;
}
