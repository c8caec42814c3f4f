/**
 * The keys this device holds for private content: the friends-epoch keys of its own person and
 * of friends (learnt from their epoch records), and the content keys of posts it has opened.
 * Kept in memory and in the store's settings, so a reload does not open records again. Raw keys
 * rest on the device that may read with them; the entries they open rest encrypted everywhere.
 *
 * An epoch number may hold more than one key: two devices of one person that rotate at once
 * each write epoch n+1 with their own key (see `epoch-state.ts`), and posts sealed under either
 * stay readable. The newest epoch of each author, in the total order of `epoch-state.ts`, is the
 * one this device seals with (its own) or replies under (a friend's).
 *
 * With each content key the keyring keeps the post's reply tag (`crypto/reply-tag.ts`) and which
 * post it stands for, also in the settings: replies to a friends-only post name it by that tag
 * only, and this device must map the tag back after a restart without opening the post again.
 * Keys saved by code older than reply tags get their tags mapped once, at the first tag this
 * device does not know (every post shown here whose key is held).
 */
import { SymmetricKey } from '../crypto/aead.ts';
import { KeyRecordError, openEpochRecord } from '../crypto/audience.ts';
import { KEY_SET_RECORD_VERSION, openKeySetRecord } from '../crypto/key-set.ts';
import { PairKeys } from '../crypto/pair-keys.ts';
import type { X25519KeyPair } from '../crypto/seal.ts';
import { replyTag, type ReplyTag } from '../crypto/reply-tag.ts';
import { IdParseError, parsePostKey, postKey, type PersonId, type PostId } from '../ids.ts';
import type { Answering } from '../kinds/kind.ts';
import type {
  Page,
  PageCursor,
  PostView,
  SettingsStore,
  StorageAdapter,
} from '../store/storage-adapter.ts';
import { ConversationKeys } from './conversation-keys.ts';
import { ListKeys } from './list-keys.ts';
import { isNewerEpoch, readEpochMark, type EpochMark } from './epoch-state.ts';

/** An epoch of one author: its place in the order and its key. */
export interface EpochKey extends EpochMark {
  readonly key: SymmetricKey;
}

/** The key set every friends-epoch record is for. */
export const FRIENDS_SET = 'friends';

/** Most keys kept for one epoch number of one author (one per device that rotated at once). */
const MAX_KEYS_PER_EPOCH = 4;
/** Setting saying the tags of keys saved before reply tags existed are mapped. */
const TAGS_FILLED = 'keys/reply-tags-filled';
/** Post views read at once while mapping them. */
const FILL_PAGE = 100;
/** Where this device kept its own epoch before epochs had a total order. */
const OLD_OWN_EPOCH = 'keys/own-epoch';

/** Keys of private content held on this device. */
export class Keyring {
  /** Pair keys of this person's encryption key: the one X25519 per friend, cached. */
  readonly pairs: PairKeys;
  /** The keys of the conversations this person is in. */
  readonly conversations: ConversationKeys;
  /** The keys of the lists of friends this person is in (`list-keys.ts`). */
  readonly lists: ListKeys;
  private readonly cache = new Map<string, SymmetricKey | null>();
  private readonly epochCache = new Map<string, EpochKeyEntry[]>();
  /** Reply tags of posts whose content key is held, by post key. */
  private readonly tags = new Map<string, ReplyTag>();
  /**
   * The same, by tag: a reply finds its post here though the tag's setting is not written yet
   * (a batch of views writes it with the post's view).
   */
  private readonly posts = new Map<ReplyTag, string>();
  /** The one mapping of tags of keys saved before reply tags, once begun. */
  private filling: Promise<boolean> | null = null;

  constructor(
    private readonly store: StorageAdapter,
    private readonly me: PersonId,
    x25519: X25519KeyPair,
    /**
     * The X25519 key of an author whose epoch records this device opens: its own person's, and
     * a friend's; `null` for anyone else (their records are never opened here).
     */
    private readonly senderKey: (author: PersonId) => Uint8Array | null,
    /**
     * Pair keys of this person's earlier key generations: a record sealed before their key moved
     * on opens with them (`current-keys.ts`).
     */
    private readonly earlier: () => readonly PairKeys[] = () => [],
  ) {
    this.pairs = new PairKeys(x25519);
    this.conversations = new ConversationKeys(store, me, this.pairs, senderKey);
    this.lists = new ListKeys(store, this.pairs, senderKey);
  }

  /** This person's current friends epoch, or `null` before the first one. */
  async ownEpoch(): Promise<EpochKey | null> {
    const newest = await this.newestEpoch(this.me);
    if (newest) return newest;
    // Saved by a device before epochs had a total order: adopted as written by no device.
    const old = await this.store.getSetting(OLD_OWN_EPOCH);
    const mark = readEpochMark(old);
    const raw = (old as { key?: unknown } | undefined)?.key;
    if (!mark || !(raw instanceof Uint8Array)) return null;
    const key = await SymmetricKey.fromRaw(raw);
    await this.remember(this.me, { epoch: mark.epoch, device: '' }, key);
    return { epoch: mark.epoch, device: '', key };
  }

  /** The newest epoch of `author` this device holds the key of. */
  async newestEpoch(author: PersonId): Promise<EpochKey | null> {
    const mark = readEpochMark(await this.store.getSetting(newestName(author)));
    if (!mark) return null;
    const found = (await this.entries(author, mark.epoch)).find((e) => e.device === mark.device);
    return found ? { ...mark, key: found.key } : null;
  }

  /** Every key this device holds for `author`'s epoch `epoch` (usually one). */
  async epochKeys(author: PersonId, epoch: number): Promise<SymmetricKey[]> {
    return (await this.entries(author, epoch)).map((e) => e.key);
  }

  /**
   * Opens an epoch record `device` of `author` wrote, if `author` is this person or a friend;
   * remembers and returns the key, or `null` when the record holds no box for this device (or
   * is not opened here). Throws `KeyRecordError` for a malformed record.
   */
  async learnEpoch(
    author: PersonId,
    device: string,
    epoch: number,
    record: Uint8Array,
  ): Promise<SymmetricKey | null> {
    const sender = this.senderKey(author);
    if (!sender) return null;
    let key: SymmetricKey | null;
    if (record[0] === KEY_SET_RECORD_VERSION) {
      const at = { author, set: FRIENDS_SET, epoch };
      key = await openKeySetRecord(at, record, await this.pairs.pairKey(sender));
      for (const pairs of this.earlier()) {
        if (key) break;
        // One's own box of then was sealed to one's own key of then.
        const theirs = author === this.me ? pairs.me.publicKey : sender;
        key = await openKeySetRecord(at, record, await pairs.pairKey(theirs));
      }
    } else if (record[0] === 1) {
      key = await openEpochRecord(author, epoch, record, this.pairs.me);
    } else {
      throw new KeyRecordError('unknown epoch record version');
    }
    if (key) await this.remember(author, { epoch, device }, key);
    return key;
  }

  /** Remembers the key of an epoch (one this device opened, or wrote itself). */
  async remember(author: PersonId, mark: EpochMark, key: SymmetricKey): Promise<void> {
    const stored = readEpochMark(await this.store.getSetting(newestName(author)));
    const newest = isNewerEpoch(mark, stored) ? mark : stored;
    const list = (await this.entries(author, mark.epoch)).filter((e) => e.device !== mark.device);
    list.push({ device: mark.device, key });
    // Beyond the cap the oldest go, never the newest epoch's own key (it is sealed with).
    const isNewest = (e: EpochKeyEntry) =>
      newest?.epoch === mark.epoch && newest.device === e.device;
    while (list.length > MAX_KEYS_PER_EPOCH) list.splice(isNewest(list[0]!) ? 1 : 0, 1);
    this.epochCache.set(epochName(author, mark.epoch), list);
    await this.store.setSetting(
      epochName(author, mark.epoch),
      list.map((e) => ({ device: e.device, key: e.key.raw })),
    );
    if (newest !== stored) {
      await this.store.setSetting(newestName(author), { epoch: mark.epoch, device: mark.device });
    }
  }

  /** The content key of a post, if known. */
  contentKey(author: PersonId, postId: string): Promise<SymmetricKey | null> {
    return this.get(contentName(author, postId));
  }

  /**
   * Remembers the content key of a post, and the post its reply tag stands for. `into` takes the
   * two settings in place of the store: a batch of views, which writes them in its own
   * transaction (a batch of friends-only posts costs no keyring transaction of its own).
   */
  async setContentKey(
    author: PersonId,
    postId: PostId,
    key: SymmetricKey,
    into: Pick<SettingsStore, 'setSetting'> = this.store,
  ): Promise<void> {
    const name = contentName(author, postId);
    this.cache.set(name, key);
    await into.setSetting(name, key.raw);
    const post = postKey(author, postId);
    if (this.tags.has(post)) return;
    // A new key's tag is written without reading it first: the same post gives the same tag.
    const tag = await replyTag(author, postId, key);
    await into.setSetting(tagName(tag), post);
    this.tags.set(post, tag);
    this.posts.set(tag, post);
  }

  /**
   * The reply tag of a post whose content key is held, or `null`; remembers the post it stands
   * for (a key saved by code older than reply tags gets its tag mapped here, on first use).
   */
  async replyTagOf(author: PersonId, postId: PostId): Promise<ReplyTag | null> {
    const key = await this.contentKey(author, postId);
    return key ? this.tagFor(author, postId, key) : null;
  }

  /** The post a reply tag stands for, if this device holds its content key. */
  async postOfTag(tag: ReplyTag): Promise<Answering | null> {
    const found = await this.mappedPost(tag);
    if (found) return found;
    this.filling ??= this.fillTags();
    return (await this.filling) ? this.mappedPost(tag) : null;
  }

  /**
   * Maps the tags of the posts shown here whose content key is held, once per store (keys saved
   * before reply tags existed); whether it ran now.
   */
  private async fillTags(): Promise<boolean> {
    if ((await this.store.getSetting(TAGS_FILLED)) === true) return false;
    const authors = new Set((await this.store.listLogs()).map((log) => log.author));
    for (const author of authors) {
      let before: PageCursor | null = null;
      do {
        const page: Page<PostView> = await this.store.authorPostsPage(author, {
          limit: FILL_PAGE,
          ...(before ? { before } : {}),
        });
        for (const view of page.items) {
          await this.replyTagOf(author, parsePostKey(view.postId).postId);
        }
        before = page.next;
      } while (before);
    }
    await this.store.setSetting(TAGS_FILLED, true);
    return true;
  }

  private async mappedPost(tag: ReplyTag): Promise<Answering | null> {
    const saved = this.posts.get(tag) ?? (await this.store.getSetting(tagName(tag)));
    if (typeof saved !== 'string') return null;
    try {
      const { author, postId } = parsePostKey(saved);
      return { postAuthor: author, postId };
    } catch (error) {
      if (error instanceof IdParseError) return null;
      throw error;
    }
  }

  private async tagFor(author: PersonId, postId: PostId, key: SymmetricKey): Promise<ReplyTag> {
    const post = postKey(author, postId);
    const known = this.tags.get(post);
    if (known) return known;
    const tag = await replyTag(author, postId, key);
    // The tag is bound to the post (its author and id are in its derivation): one post per tag.
    if ((await this.store.getSetting(tagName(tag))) !== post) {
      await this.store.setSetting(tagName(tag), post);
    }
    this.tags.set(post, tag);
    this.posts.set(tag, post);
    return tag;
  }

  private async entries(author: PersonId, epoch: number): Promise<EpochKeyEntry[]> {
    const name = epochName(author, epoch);
    const cached = this.epochCache.get(name);
    if (cached) return cached;
    const saved = await this.store.getSetting(name);
    const list: EpochKeyEntry[] = [];
    // A bare key was saved before epochs had a total order: written by no known device.
    if (saved instanceof Uint8Array)
      list.push({ device: '', key: await SymmetricKey.fromRaw(saved) });
    else if (Array.isArray(saved)) {
      for (const item of saved as unknown[]) {
        const e = item as { device?: unknown; key?: unknown } | null;
        if (typeof e?.device === 'string' && e.key instanceof Uint8Array) {
          list.push({ device: e.device, key: await SymmetricKey.fromRaw(e.key) });
        }
      }
    }
    this.epochCache.set(name, list);
    return list;
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
}

interface EpochKeyEntry {
  readonly device: string;
  readonly key: SymmetricKey;
}

function epochName(author: PersonId, epoch: number): string {
  return `keys/epoch/${author}/${epoch}`;
}

function newestName(author: PersonId): string {
  return `keys/newest-epoch/${author}`;
}

function tagName(tag: ReplyTag): string {
  return `keys/reply-tag/${tag}`;
}

function contentName(author: PersonId, postId: string): string {
  return `keys/content/${author}/${postId}`;
}
