/**
 * Direct messages (issue 27): conversations among friends, one-to-one or groups of up to
 * {@link MAX_CONVERSATION_MEMBERS}, as the UI starts, writes and reads them. A conversation is an
 * audience key set its starter owns (`kinds/conversation.ts`); a message is a doc in its
 * writer's own log (`kinds/message.ts`), so it replicates, is relayed and is stored while a
 * member is away exactly as a friends-only post is. This module checks what a person asks for
 * and turns it into writes; the kinds materialize what arrives into the views read here.
 */
import type * as Y from 'yjs';
import type { Clock } from '../clock.ts';
import { toBase64Url } from '../bytes.ts';
import { SymmetricKey } from '../crypto/aead.ts';
import {
  MAX_CONVERSATION_MEMBERS,
  MAX_TITLE_LENGTH,
  makeConversationRecord,
  rosterProblem,
  type Roster,
} from '../crypto/conversation-record.ts';
import {
  ConversationIdError,
  newConversationId,
  parseConversationId,
  writerTag,
  type ConversationEpoch,
  type ConversationTag,
} from '../crypto/conversation-tag.ts';
import { MAX_SEALED_PLAINTEXT, openBlob, sealBlob } from '../crypto/blobs.ts';
import { messageTextProblem, writeMessage, writeMessageDeletion } from '../docs/message-doc.ts';
import { isPhotoRef, type PhotoRef } from '../docs/post-doc.ts';
import type { FriendRecord } from '../docs/small-docs.ts';
import { IdParseError, newPostId, parsePersonId, type PersonId, type PostId } from '../ids.ts';
import {
  conversationKey,
  conversationKeys,
  messagesItemKey,
  putConversation,
  readConversation,
  type ConversationKey,
  type ConversationView,
  type MessageSummary,
} from '../kinds/conversation-views.ts';
import type { ConversationRef } from '../kinds/conversation.ts';
import { nextHolder } from '../kinds/conversation-holder.ts';
import type { HeldConversation } from '../kinds/conversation-port.ts';
import { MESSAGE_NOTIFICATION, type MessageRef } from '../kinds/message.ts';
import { docIdOf, type DocRef } from '../kinds/registry.ts';
import type { Sealed } from '../kinds/kind.ts';
import { encodeMemberState, type MemberRef, type MemberState } from '../kinds/member.ts';
import { sealedUnder } from '../kinds/payload.ts';
import type { JsonValue, StorageAdapter } from '../store/storage-adapter.ts';
import type { ConversationKeys } from './conversation-keys.ts';
import type { NewPhoto } from './peer.ts';
import { friendKey } from './epoch-state.ts';

export { MAX_CONVERSATION_MEMBERS };

/** Setting: whether this device sends read receipts (absent: yes). */
const READ_RECEIPTS = 'messages/read-receipts';
/** Notifications read when a conversation is read (the screen's newest 50, with room). */
const NOTIFICATIONS_READ = 100;
export type { ConversationKey, ConversationView };

/** A request refused as it was asked (too long, too many members, not a friend ...). */
export class MessageInputError extends Error {
  override readonly name = 'MessageInputError';
}

/** One message as a conversation shows it. */
export interface MessageView {
  /** `<writer>/message/<messageId>`. */
  readonly itemId: string;
  readonly author: PersonId;
  readonly messageId: PostId;
  readonly createdAt: number;
  readonly text: string;
  /** Its photos, opened with {@link Messaging.photo}. */
  readonly photos: readonly PhotoRef[];
  /** The doc ref of the message (what its delivery is asked by). */
  readonly ref: MessageRef | null;
}

/** What messaging needs of the peer. */
export interface MessagingPorts {
  readonly me: PersonId;
  readonly store: StorageAdapter;
  readonly clock: Clock;
  readonly keys: ConversationKeys;
  /** Pair keys of this person's encryption key. */
  pairKey(theirs: Uint8Array): Promise<Uint8Array>;
  /** This person's X25519 public key: their own devices' box. */
  readonly ownKey: Uint8Array;
  friends(): ReadonlyMap<string, FriendRecord>;
  /** Writes one of this person's docs (queued after every earlier change). */
  write(ref: DocRef, change: (doc: Y.Doc) => Uint8Array | null): Promise<void>;
  /** Appends a record to this device's log (queued). */
  appendRecord(ref: DocRef, record: Uint8Array): Promise<void>;
  /** Appends a sealed record to this device's log (queued). */
  appendSealed(ref: DocRef, sealed: Sealed): Promise<void>;
  /** A blob's stored bytes, checked against their id; else `null`, and the blob is wanted. */
  blob(id: string): Promise<Uint8Array | null>;
  /** Stores a blob this device made. */
  putBlob(id: string, bytes: Uint8Array): Promise<void>;
  /** Runs `task` after every earlier change and materialization. */
  serial<T>(task: () => Promise<T>): Promise<T>;
  /** Resolves once every change so far is reflected in the views. */
  settled(): Promise<void>;
}

/** Conversations and messages of one person on one device. */
export class Messaging {
  private rotating: Promise<void> = Promise.resolve();

  constructor(private readonly ports: MessagingPorts) {}

  /**
   * Starts a conversation with `members` (friends of this person, at most
   * {@link MAX_CONVERSATION_MEMBERS} with oneself), titled `title` (a group's name, or empty).
   */
  async start(members: readonly PersonId[], title = ''): Promise<ConversationKey> {
    const { me } = this.ports;
    const roster: Roster = { title: title.trim(), members: [...new Set(members)] };
    const problem = rosterProblem(me, roster);
    if (problem) throw new MessageInputError(problem);
    this.checkFriends(roster.members);
    const conversation = newConversationId();
    await this.seal({ starter: me, conversation, epoch: 0 }, roster);
    return conversationKey(me, conversation);
  }

  /**
   * The one-to-one conversation with `friend` (either of the two started it), made if none.
   * When both started one at once, both devices pick the same of the two once each holds both
   * (the lower key), so "Message Bob" leads both people to one conversation.
   */
  async direct(friend: PersonId): Promise<ConversationKey> {
    const pair = new Set([this.ports.me, friend]);
    const found = (await this.list())
      .filter((v) => v.members.length === 2 && v.members.every((m) => pair.has(m)) && !v.title)
      .map((v) => v.key)
      .sort();
    return found[0] ?? this.start([friend]);
  }

  /**
   * Sends `text` and `photos` (resized by the caller, as a post's) to a conversation; returns
   * the message's id. Photos are sealed under the conversation's epoch key.
   */
  async send(
    key: ConversationKey,
    text: string,
    photos: readonly NewPhoto[] = [],
  ): Promise<PostId> {
    const problem = messageTextProblem(text, photos.length) ?? photoProblem(photos);
    if (problem) throw new MessageInputError(problem);
    const { starter, id } = parseConversationKey(key);
    if ((await this.conversation(key))?.left.includes(this.ports.me)) {
      throw new MessageInputError('you left this conversation');
    }
    const tag = await this.ports.keys.ownTag(starter, id);
    const target = tag && (await this.ports.keys.ofTag(tag));
    if (!tag || !target) throw new MessageInputError('you are not in this conversation');
    const refs: PhotoRef[] = [];
    for (const photo of photos) {
      const image = await sealBlob(photo.image, target.key);
      const thumb = await sealBlob(photo.thumb, target.key);
      await this.ports.putBlob(image.id, image.stored);
      await this.ports.putBlob(thumb.id, thumb.stored);
      refs.push({
        blob: image.id,
        thumb: thumb.id,
        width: photo.width,
        height: photo.height,
        mime: photo.mime,
        bytes: image.stored.length,
      });
    }
    const messageId = newPostId();
    const createdAt = this.ports.clock.now();
    await this.ports.write({ kind: 'message', tag, messageId }, (doc) =>
      writeMessage(doc, text, createdAt, refs),
    );
    await this.ports.settled();
    return messageId;
  }

  /**
   * A photo of a message, opened, or `null` while its blob has not reached this device (it is
   * then wanted, and sync fetches it from a member's device that holds it).
   */
  async photo(
    message: MessageView,
    photo: PhotoRef,
    which: 'image' | 'thumb',
  ): Promise<Uint8Array | null> {
    const target = message.ref && (await this.ports.keys.ofTag(message.ref.tag));
    if (!target) throw new MessageInputError('this message’s key is not on this device');
    const stored = await this.ports.blob(which === 'image' ? photo.blob : photo.thumb);
    return stored && openBlob(stored, target.key);
  }

  /** Withdraws one of this person's own messages: its text leaves every honest store. */
  async withdraw(message: MessageView): Promise<void> {
    if (message.author !== this.ports.me || !message.ref) {
      throw new MessageInputError('only your own messages can be withdrawn');
    }
    await this.ports.write(message.ref, (doc) => writeMessageDeletion(doc));
    await this.ports.settled();
  }

  /**
   * Removes `person` from a conversation whose keys this person holds (they started it, or it
   * was handed over to them): a new epoch, whose key and roster are sealed to everyone else.
   * They keep what they read; they open nothing written under the new epoch.
   */
  async remove(key: ConversationKey, person: PersonId): Promise<void> {
    const held = await this.holding(key, 'removes members');
    if (!held.members.includes(person) || person === held.holder) {
      throw new MessageInputError('that person is not a member');
    }
    const members = held.members.filter((m) => m !== held.holder && m !== person);
    const title = (await this.conversation(key))?.title ?? held.title;
    const roster: Roster = { title, members };
    const problem = rosterProblem(held.holder, roster);
    if (problem) throw new MessageInputError(problem);
    // Someone since unfriended stays out too: every box is sealed through a friend's key.
    this.checkFriends(members);
    await this.seal(held, roster);
  }

  /** The newest epoch of a conversation whose keys this person holds, or a refusal of `what`. */
  private async holding(key: ConversationKey, what: string): Promise<HeldConversation> {
    const { starter, id } = parseConversationKey(key);
    const held = await this.ports.keys.newest(starter, id);
    if (!held) throw new MessageInputError('no such conversation');
    const view = await this.conversation(key);
    if (held.holder !== this.ports.me || view?.left.includes(this.ports.me)) {
      throw new MessageInputError(`only the one who holds a conversation’s keys ${what}`);
    }
    return held;
  }

  /** Every conversation held here, the one with the newest message first. */
  async list(): Promise<ConversationView[]> {
    const { store } = this.ports;
    const views: ConversationView[] = [];
    for (const key of await conversationKeys(store)) {
      const view = await readConversation(store, key);
      if (view) views.push(view);
    }
    return views.sort((a, b) => b.lastAt - a.lastAt || (a.key < b.key ? -1 : 1));
  }

  /** One conversation's view, or `null`. */
  conversation(key: ConversationKey): Promise<ConversationView | null> {
    return readConversation(this.ports.store, key);
  }

  /** A conversation's messages, oldest first. */
  async messages(key: ConversationKey): Promise<MessageView[]> {
    const items = await this.ports.store.itemsByPost(messagesItemKey(key));
    return items.map((item) => {
      const messageId = item.itemId.slice(item.itemId.lastIndexOf('/') + 1) as PostId;
      const summary = item.summary as Partial<Record<keyof MessageSummary, unknown>>;
      let ref: MessageRef | null = null;
      if (typeof summary.tag === 'string') {
        ref = { kind: 'message', tag: summary.tag as ConversationTag, messageId };
      }
      return {
        itemId: item.itemId,
        author: item.author,
        messageId,
        createdAt: item.createdAt,
        text: typeof summary.text === 'string' ? summary.text : '',
        photos: Array.isArray(summary.photos) ? summary.photos.filter(isPhotoRef) : [],
        ref,
      };
    });
  }

  /**
   * Marks a conversation read up to now, and the notifications of its messages with it; where
   * this device allows read receipts, tells the other members how far (a `member` record).
   */
  async markRead(key: ConversationKey): Promise<void> {
    const view = await this.ports.serial(async () => {
      const { store } = this.ports;
      const view = await readConversation(store, key);
      if (!view || (view.unread === 0 && view.readAt >= view.lastAt)) return view;
      await putConversation(store, {
        ...view,
        unread: 0,
        readAt: Math.max(view.lastAt, this.ports.clock.now()),
      });
      // Only the newest page: what the Notifications screen shows and counts.
      const prefix = `${MESSAGE_NOTIFICATION}${key}/`;
      const { items } = await store.notificationsPage({ limit: NOTIFICATIONS_READ });
      for (const item of items) {
        if (!item.read && item.id.startsWith(prefix)) {
          await store.putNotification({ ...item, read: true });
        }
      }
      return view;
    });
    if (!view || view.left.includes(this.ports.me) || !(await this.readReceipts())) return;
    const readThrough = await this.newestOfOthers(key);
    if (readThrough > (view.readBy[this.ports.me] ?? 0)) {
      await this.state(key, { readThrough, left: false });
    }
  }

  /** Whether this device sends read receipts (a setting of the device; on unless turned off). */
  async readReceipts(): Promise<boolean> {
    return (await this.ports.store.getSetting(READ_RECEIPTS)) !== false;
  }

  /** Turns this device's read receipts on or off (from now on; what was said stays said). */
  async setReadReceipts(on: boolean): Promise<void> {
    await this.ports.store.setSetting(READ_RECEIPTS, on);
  }

  /**
   * Leaves a conversation: the other members are told (a `member` record under this person's
   * tag), this device stops showing new messages of it and meeting its members, and the
   * holder's device, once it hears, seals a new epoch without this person. The holder may leave
   * too: the role then passes to the next member (`kinds/conversation-holder.ts`), whose device
   * seals that epoch.
   */
  async leave(key: ConversationKey): Promise<void> {
    const view = await this.conversation(key);
    if (!view || !view.members.includes(this.ports.me)) {
      throw new MessageInputError('you are not in this conversation');
    }
    if (view.left.includes(this.ports.me)) return;
    await this.state(key, { readThrough: view.readBy[this.ports.me] ?? 0, left: true });
  }

  /**
   * Renames a conversation this person is in (any member may, as in any group chat): a `member`
   * statement naming it, which every member's device shows unless a newer name arrives.
   */
  async rename(key: ConversationKey, title: string): Promise<void> {
    const text = title.trim();
    if (text.length > MAX_TITLE_LENGTH) {
      throw new MessageInputError(
        `a conversation title has at most ${MAX_TITLE_LENGTH} characters`,
      );
    }
    const view = await this.conversation(key);
    if (!view || !view.members.includes(this.ports.me) || view.left.includes(this.ports.me)) {
      throw new MessageInputError('you are not in this conversation');
    }
    await this.state(key, {
      readThrough: view.readBy[this.ports.me] ?? 0,
      left: false,
      title: { text, at: Math.max(this.ports.clock.now(), view.titledAt + 1) },
    });
  }

  /**
   * Seals a new epoch of each conversation whose keys this device's person holds or was just
   * handed (`kinds/conversation-holder.ts`), without the members who left: runs after the views
   * take a `member` record, and again is harmless: a conversation nobody left is not touched.
   */
  rotateForLeavers(): Promise<void> {
    return this.rotate(() => false);
  }

  /**
   * Seals a new epoch of each conversation whose keys this person holds where a member's
   * encryption key (this person's own among them) is no longer the one its epoch was sealed to:
   * it moved to its next generation (a device was removed, `key-generations.ts`), and the
   * removed device, which holds the key before, must open nothing written afterwards. Only the
   * device that sealed an epoch knows what it sealed to; again, it is harmless.
   */
  rekeyMoved(): Promise<void> {
    return this.rotate(async (held) => {
      const sealed = await this.ports.store.getSetting(sealedToName(held));
      if (!isSealedTo(sealed) || sealed.epoch !== held.epoch) return false;
      return held.members.some((m) => {
        const now = this.keyOf(m);
        return now !== null && sealed.keys[m] !== toBase64Url(now);
      });
    });
  }

  /** This person's own encryption key, or a friend's, or `null`. */
  private keyOf(person: PersonId): Uint8Array | null {
    if (person === this.ports.me) return this.ports.ownKey;
    const friend = this.ports.friends().get(person);
    return friend ? friendKey(friend) : null;
  }

  /**
   * Seals the epoch after each one whose keys this person holds (or was just handed) when
   * someone left it or `due` says so.
   */
  private rotate(due: (held: HeldConversation) => Promise<boolean> | boolean): Promise<void> {
    const run = this.rotating.then(async () => {
      const { me } = this.ports;
      for (const view of await this.list()) {
        const held = await this.ports.keys.newest(view.starter, view.id);
        if (!held || held.epoch !== view.epoch) continue;
        if (nextHolder(held, view.left) !== me) continue;
        const leavers = held.members.some((m) => view.left.includes(m));
        if (held.holder === me && !leavers && !(await due(held))) continue;
        // Someone since unfriended is left out too: every box is sealed through a friend's key.
        const friends = this.ports.friends();
        const staying = held.members.filter(
          (m) => m !== me && !view.left.includes(m) && friends.has(m),
        );
        if (staying.length === 0) continue;
        await this.seal(held, { title: view.title, members: staying });
      }
    });
    this.rotating = run.catch(() => undefined);
    return run;
  }

  /**
   * Everyone this person shares a conversation with, each with the newest epoch held of the
   * first such conversation by key (the same on every member's device once all hold the same
   * epochs): whom the device meets and replicates though they may not be friends
   * (`conversation-peers.ts`).
   */
  async fellows(): Promise<Map<PersonId, HeldConversation>> {
    const { me, keys, store } = this.ports;
    const fellows = new Map<PersonId, HeldConversation>();
    for (const key of (await conversationKeys(store)).sort()) {
      const { starter, id } = parseConversationKey(key);
      const held = await keys.newest(starter, id);
      if (!held?.members.includes(me)) continue;
      if ((await readConversation(store, key))?.left.includes(me)) continue;
      for (const member of held.members) {
        if (member !== me && !fellows.has(member)) fellows.set(member, held);
      }
    }
    return fellows;
  }

  /**
   * Calls `listener` after a conversation's newest epoch changed and its view was written;
   * returns the unsubscribe.
   */
  onEpoch(listener: () => void): () => void {
    return this.ports.keys.onNewest(() => void this.ports.settled().then(listener));
  }

  /** How many messages of others are unread, over every conversation. */
  async unreadCount(): Promise<number> {
    return (await this.list()).reduce((sum, view) => sum + view.unread, 0);
  }

  /** The newest `createdAt` of the messages of others in a conversation (0: none). */
  private async newestOfOthers(key: ConversationKey): Promise<number> {
    const items = await this.ports.store.itemsByPost(messagesItemKey(key));
    return items.reduce(
      (newest, item) => (item.author === this.ports.me ? newest : Math.max(newest, item.createdAt)),
      0,
    );
  }

  /** Writes this person's statement in a conversation's newest epoch (`kinds/member.ts`). */
  private async state(key: ConversationKey, state: MemberState): Promise<void> {
    const { starter, id } = parseConversationKey(key);
    const tag = await this.ports.keys.ownTag(starter, id);
    const target = tag && (await this.ports.keys.ofTag(tag));
    if (!tag || !target) throw new MessageInputError('you are not in this conversation');
    const ref: MemberRef = { kind: 'member', tag };
    const me = this.ports.me;
    await this.ports.appendSealed(
      ref,
      await sealedUnder(target.key, me, docIdOf(ref), encodeMemberState(state)),
    );
    await this.ports.settled();
  }

  /** This person's writer tag in a conversation's newest epoch, unless they are not in it. */
  async ownTag(key: ConversationKey): Promise<ConversationTag | null> {
    const { starter, id } = parseConversationKey(key);
    if ((await this.conversation(key))?.left.includes(this.ports.me)) return null;
    return this.ports.keys.ownTag(starter, id);
  }

  /**
   * The conversation and writer a tag names, while that writer is in it (its newest epoch held
   * here, not left) and so is this person; else `null`.
   */
  async writerOf(tag: ConversationTag): Promise<{ key: ConversationKey; writer: PersonId } | null> {
    const target = await this.ports.keys.ofTag(tag);
    if (!target) return null;
    const key = conversationKey(target.starter, target.conversation);
    const view = await this.conversation(key);
    const inIt = (person: PersonId) =>
      view?.members.includes(person) && !view.left.includes(person);
    return inIt(target.writer) && inIt(this.ports.me) ? { key, writer: target.writer } : null;
  }

  /** Throws a {@link MessageInputError} unless everyone in `people` is a friend. */
  private checkFriends(people: readonly PersonId[]): void {
    const friends = this.ports.friends();
    for (const person of people) {
      if (!friends.has(person)) {
        throw new MessageInputError(
          `only friends can be in a conversation you start: ${person.slice(0, 8)}… is not a friend`,
        );
      }
    }
  }

  /**
   * Writes the record of the epoch after `previous` (or the first of a new conversation, `at`),
   * sealed by this person as its holder to their own devices and to each member. A holder who
   * is not the starter names it by their writer tag in `previous` (`kinds/conversation.ts`).
   */
  private async seal(
    previous: HeldConversation | ConversationEpoch,
    roster: Roster,
  ): Promise<void> {
    const { me } = this.ports;
    const next = 'key' in previous;
    const at: ConversationEpoch = {
      starter: previous.starter,
      conversation: previous.conversation,
      epoch: next ? previous.epoch + 1 : previous.epoch,
    };
    const keys = [this.ports.ownKey];
    for (const member of roster.members) {
      const theirs = this.keyOf(member);
      if (!theirs) throw new MessageInputError('a member’s encryption key is unreadable');
      keys.push(theirs);
    }
    const pairKeys = await Promise.all(keys.map((k) => this.ports.pairKey(k)));
    const key = await SymmetricKey.generate();
    const record = await makeConversationRecord(at, key, roster, pairKeys, undefined, me);
    let ref: ConversationRef = {
      kind: 'conversation',
      conversation: at.conversation,
      epoch: at.epoch,
    };
    if (me !== at.starter) {
      if (!next) throw new Error('only a starter seals the first epoch');
      ref = { kind: 'conversation', tag: await writerTag(previous, me, previous.key) };
    }
    await this.ports.appendRecord(ref, record);
    const sealedTo: SealedTo = {
      epoch: at.epoch,
      keys: Object.fromEntries([me, ...roster.members].map((m, i) => [m, toBase64Url(keys[i]!)])),
    };
    await this.ports.store.setSetting(sealedToName(at), sealedTo as unknown as JsonValue);
    await this.ports.settled();
  }
}

/** Which key of each member an epoch this device sealed was sealed to (base64url). */
interface SealedTo {
  readonly epoch: number;
  readonly keys: Readonly<Record<string, string>>;
}

function isSealedTo(value: unknown): value is SealedTo {
  const v = value as Partial<SealedTo> | undefined;
  return typeof v?.epoch === 'number' && typeof v.keys === 'object' && v.keys !== null;
}

function sealedToName(at: { readonly starter: PersonId; readonly conversation: string }): string {
  return `messages/sealed-to/${at.starter}/${at.conversation}`;
}

/** Why `photos` cannot be sent (one too big to carry), or `null`. */
function photoProblem(photos: readonly NewPhoto[]): string | null {
  const limit = MAX_SEALED_PLAINTEXT;
  for (const [i, photo] of photos.entries()) {
    const size = Math.max(photo.image.length, photo.thumb.length);
    if (size > limit) {
      const mb = (n: number) => (n / (1024 * 1024)).toFixed(1);
      return `photo ${i + 1} is too big to send: ${mb(size)} MB, at most ${mb(limit)} MB`;
    }
  }
  return null;
}

/** The starter and id a conversation key names; throws {@link MessageInputError}. */
export function parseConversationKey(key: string): {
  readonly starter: PersonId;
  readonly id: ReturnType<typeof parseConversationId>;
} {
  const [starter = '', id = '', ...rest] = key.split('/');
  try {
    if (rest.length > 0) throw new MessageInputError('not a conversation');
    return { starter: parsePersonId(starter), id: parseConversationId(id) };
  } catch (error) {
    if (error instanceof IdParseError || error instanceof ConversationIdError) {
      throw new MessageInputError('not a conversation');
    }
    throw error;
  }
}
