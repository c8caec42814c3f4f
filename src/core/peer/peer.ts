/**
 * The typed API of one person's Kith on one device: write posts, comments, reactions, a
 * profile, a friend list; read the timeline and threads from views. It hides Yjs, keys and
 * entries from the rest of the app. Every change becomes a signed entry in this device's own
 * log, carrying the doc's whole state (docs are small), so that any single entry, met on its
 * own in a recent-first sync, shows its doc as its author last saw it.
 */
import * as Y from 'yjs';
import type { Clock } from '../clock.ts';
import { SymmetricKey } from '../crypto/aead.ts';
import { openBlob, sealBlob } from '../crypto/blobs.ts';
import type { SealPort } from '../kinds/kind.ts';
import { postDocId, postSummary, sealedEpoch } from '../kinds/post.ts';
import { profileViewKey } from '../kinds/profile.ts';
import { ReplyKeyError } from '../kinds/reply.ts';
import type { ReplyTag } from '../crypto/reply-tag.ts';
import { docIdOf, kindOf, type DocRef, type ReplyRef } from '../kinds/registry.ts';
import {
  mentionProblem,
  PostContentError,
  readPost,
  writeNewPost,
  writePostDeletion,
  writePostEdit,
  writePostHide,
  type Audience,
  type PhotoRef,
} from '../docs/post-doc.ts';
import {
  friendListAnew,
  readBlockMarks,
  writeBlockMark,
  friendRecordParts,
  MAX_FRIENDS,
  normalizeProfile,
  readComment,
  readFriends,
  writeComment,
  writeCommentEdit,
  writeFriends,
  writeFriendRemoval,
  writeProfile,
  writeReaction,
  type FriendRecord,
  type Profile,
  type Reaction,
} from '../docs/small-docs.ts';
import { coversForWholeState } from './whole-state.ts';
import type { VerifiedEntry } from '../feed/entry-verifier.ts';
import type { DeviceCertificate } from '../identity/device-certificate.ts';
import type { DeviceSession } from '../identity/device-setup.ts';
import type { Identity } from '../identity/keys.ts';
import type { ReadingKeys } from '../identity/person-keys.ts';
import type { InviteKeys } from '../invite/invite-keys.ts';
import { defaultVerifier } from '../identity/verifier.ts';
import { keysOfGeneration, makeKeyGenerationRecord } from '../crypto/key-generation-record.ts';
import { toBase64Url } from '../bytes.ts';
import { newPostId, postKey, type DeviceId, type PersonId, type PostId } from '../ids.ts';
import type {
  NotificationView,
  Page,
  PageRequest,
  PostItemView,
  PostView,
  StorageAdapter,
  StoredEntry,
  ViewWrite,
} from '../store/storage-adapter.ts';
import { CurrentKeys } from './current-keys.ts';
import { DEVICE_NAMES_ROOT, readDeviceNames, writeDeviceName } from '../docs/device-names.ts';
import {
  HOME_PEERS_ROOT,
  readHomePeers,
  writeHomePeer,
  type HomePeer,
} from '../docs/home-peers.ts';
import { readListBook, writeListBook } from '../docs/list-book.ts';
import { DocCache } from './doc-cache.ts';
import { Keyring } from './keyring.ts';
import { AudienceLists } from './audiences.ts';
import { BlockedPersonError, BlockList, Blocking } from './blocking.ts';
import { newerLostInMerge } from './friend-merge.ts';
import { friendKey } from './epoch-state.ts';
import { FriendsEpochs } from './friends-epochs.ts';
import { FriendBook } from './friend-book.ts';
import { blobIdsOf, entryHasPayload } from '../feed/entry-codec.ts';
import { unshownPhotos } from './photo-references.ts';
import { viewHeldPublicPostsOnce } from './held-public-posts.ts';
import { MESSAGE_DOC_PREFIX } from '../kinds/message.ts';
import { KeyGenerations } from './key-generations.ts';
import { Materializer, MAX_VIEW_BATCH } from './materializer.ts';
import { WantedBlobs } from './wanted-blobs.ts';
import { Messaging } from './messaging.ts';
import { Introductions } from './introductions.ts';
import { forkedLogs, type ForkedLog } from '../store/forks.ts';
import { viewChangeOf, type ViewChange } from './view-change.ts';
import { OwnLog, type CrossTabLock } from './own-log.ts';
import { PayloadOpener } from './payloads.ts';
import { Republisher } from './republisher.ts';
import { createLogger } from '../log.ts';

const log = createLogger('kith:peer');

/** How entries enter this device's replica: the sync layer's ingestor. */
export interface EntryPipeline {
  /** Stores this device's own freshly signed entry. */
  addOwn(entry: VerifiedEntry): Promise<void>;
  /** Verifies and stores untrusted entry bytes (here: comments re-published by a post's author). */
  ingest(entries: readonly Uint8Array[]): Promise<unknown>;
  /** Every newly stored entry, own or received. */
  onStored(listener: (entries: readonly StoredEntry[]) => void): () => void;
  /** Logs found forked (the ingestor's `onFork`): their views are rebuilt without the fork. */
  onFork?(listener: (fork: ForkedLog) => void): () => void;
  /** Logs pruned (a window log trimmed): the views of what is no longer held go. */
  onPruned?(listener: (author: PersonId) => void): () => void;
  /** Refuses every entry of the authors `refused` names, from now on (people blocked). */
  refuseAuthors?(refused: (author: PersonId) => boolean): void;
}

/** What a peer is made of. */
export interface PeerOptions {
  readonly store: StorageAdapter;
  /** The person's keys: the identity, or what a linked device was handed. */
  readonly identity: ReadingKeys;
  readonly device: DeviceSession;
  readonly pipeline: EntryPipeline;
  readonly clock: Clock;
  /** A lock shared by this browser profile's tabs, so they take turns on the device log. */
  readonly lock?: CrossTabLock;
  /** Where the friend list is kept (default: a book of its own). */
  readonly friends?: FriendBook<FriendRecord>;
}

/** A post, named across authors. */
export interface PostRef {
  readonly author: PersonId;
  readonly postId: PostId;
}

/** A friend as `addFriend` takes them: keys exchanged and verified at the invite. */
export interface NewFriend {
  readonly personId: PersonId;
  /** Their X25519 public key, from their signed encryption-key record. */
  readonly encryptionKey: Uint8Array;
  /**
   * Which generation of theirs that key is (their record says; 0 when not known): a record of an
   * earlier generation met later never moves the key back to it.
   */
  readonly generation?: number;
  /** The pairwise rendezvous secret both sides hold since the invite. */
  readonly rendezvous: Uint8Array;
}

/** A photo to post, resized on the device: the image and its thumbnail, encoded. */
export interface NewPhoto {
  readonly image: Uint8Array;
  readonly thumb: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly mime: PhotoRef['mime'];
}

/**
 * A change to one's profile. Fields left out stay as they are; a picture given as `null` is
 * removed. Pictures come resized by the caller (an avatar at most `AVATAR_SIDE` px, a cover at
 * most `COVER_WIDTH` px wide, each with a thumbnail).
 */
export interface ProfileChange {
  readonly name?: string;
  readonly bio?: string;
  readonly photo?: NewPhoto | null;
  readonly cover?: NewPhoto | null;
}

/** An operation refused because of the state it meets (no such post, not readable ...). */
export class PeerStateError extends Error {
  override readonly name = 'PeerStateError';
}

/** One person's Kith on one device. */
export class Peer {
  readonly me: PersonId;
  /** The friend list's one owner, which the sync engine and the connection manager follow. */
  readonly friendBook: FriendBook<FriendRecord>;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly unsubscribe: () => void;
  private readonly stopForks: () => void;
  private readonly stopPrunes: () => void;
  private readonly changeListeners = new Set<(change: ViewChange) => void>();
  private readonly errorListeners = new Set<(error: unknown) => void>();
  private readonly viewWriteListeners = new Set<(writes: readonly ViewWrite[]) => void>();
  /** The photos this device waits for (`wanted-blobs.ts`): what sync fetches and the tabs share. */
  readonly blobs: WantedBlobs;
  /** What the kinds seal this person's docs with. */
  private readonly sealPort: SealPort;
  /** Direct messages: conversations among friends (`messaging.ts`). */
  readonly messaging: Messaging;
  /** Introductions to friends of friends (`introductions.ts`). */
  readonly introductions: Introductions;
  /** The named lists of friends this person keeps, each an audience (`audiences.ts`). */
  readonly lists: AudienceLists;
  /** The people blocked on this device (`blocking.ts`). */
  readonly blocking: Blocking;
  /** Key generation records, this person's and friends' (`key-generations.ts`). */
  private readonly generations: KeyGenerations;

  private constructor(
    private readonly options: PeerOptions,
    private readonly ownLog: OwnLog,
    private readonly keyring: Keyring,
    private readonly docs: DocCache,
    private readonly materializer: Materializer,
    /** The person's encryption and self keys of the current generation. */
    private readonly keys: CurrentKeys,
    private readonly epochs: FriendsEpochs,
    private readonly blocks: BlockList,
  ) {
    this.me = options.identity.personId;
    this.friendBook = options.friends ?? new FriendBook();
    this.blobs = new WantedBlobs(options.store, () => this.blobArrived());
    this.blocking = new Blocking({
      me: this.me,
      list: blocks,
      isFriend: (person) => this.friendList.has(person),
      removeFriend: (person) => this.removeFriend(person),
      listLogs: () => options.store.listLogs(),
      dropLog: async (author, device) => {
        await options.store.pruneLog(author, device, Infinity);
        await this.unheld(author);
      },
      changed: (person) => {
        // What screens re-read when someone's replies come or go.
        const kinds = ['comment', 'reaction', 'thread'] as const;
        const change: ViewChange = {
          cause: 'entries',
          docs: kinds.map((kind) => ({ author: person, kind })),
        };
        for (const listener of this.changeListeners) listener(change);
      },
      mark: (person, blocked) =>
        this.write({ kind: 'friends' }, (doc) =>
          writeBlockMark(doc, person, blocked, options.clock.now()),
        ),
    });
    this.lists = new AudienceLists({
      me: this.me,
      store: options.store,
      pairs: keyring.pairs,
      get ownKey() {
        return keys.encryptionPublicKey;
      },
      friendKey: (person) => {
        const friend = this.friendList.get(person);
        return friend ? friendKey(friend) : null;
      },
      append: (list, epoch, record) => this.appendRecord({ kind: 'list', list, epoch }, record),
      appendNow: async (list, epoch, record) => {
        await this.ownLog.append(docIdOf({ kind: 'list', list, epoch }), 'key-record', record);
      },
      readBook: async () => readListBook(await this.docs.get(this.me, docIdOf({ kind: 'lists' }))),
      writeBook: (lists) => this.write({ kind: 'lists' }, (doc) => writeListBook(doc, lists)),
      writeBookNow: (lists) => this.writeNow({ kind: 'lists' }, (doc) => writeListBook(doc, lists)),
      now: () => options.clock.now(),
    });
    this.sealPort = {
      me: this.me,
      get selfKey() {
        return keys.selfKey;
      },
      keys: keyring,
      ownEpoch: async () => (await epochs.current()) ?? (await this.sealEpoch(0, undefined)),
      ownContentKey: (postId) => this.ownContentKey(postId),
      audienceOf: async (author, postId) =>
        readPost(await docs.get(author, docIdOf({ kind: 'post', postId })))?.audience ?? null,
      postEpoch: async (post) =>
        sealedEpoch(
          post.postAuthor,
          await options.store.getDocEntries(post.postAuthor, postDocId(post.postId)),
          keyring,
        ),
      listKeyFor: (list, postId) => this.lists.keyFor(list, postId),
    };
    this.messaging = new Messaging({
      me: this.me,
      store: options.store,
      clock: options.clock,
      keys: keyring.conversations,
      pairKey: (theirs) => keyring.pairs.pairKey(theirs),
      get ownKey() {
        return keys.encryptionPublicKey;
      },
      friends: () => this.friendList,
      write: (ref, change) => this.write(ref, change),
      appendRecord: (ref, record) => this.appendRecord(ref, record),
      appendSealed: (ref, sealed) =>
        this.serial(async () => {
          await this.ownLog.append(docIdOf(ref), sealed.payloadKind, sealed.payload);
        }),
      blob: (id) => this.blobs.heldOrWanted(id),
      putBlob: (id, bytes) => options.store.putBlob(id, bytes),
      serial: (task) => this.serial(task),
      settled: () => this.settled(),
    });
    this.introductions = new Introductions({
      me: this.me,
      store: options.store,
      clock: options.clock,
      verifier: defaultVerifier,
      pairKey: (theirs) => keyring.pairs.pairKey(theirs),
      friends: () => this.friendList,
      direct: (friend) => this.messaging.direct(friend),
      writerOf: async (conversation) => {
        const tag = await this.messaging.ownTag(conversation);
        const target = tag && (await keyring.conversations.ofTag(tag));
        return tag && target ? { tag, key: target.key } : null;
      },
      nameOf: async (person) => (await this.profile(person))?.name ?? '',
      appendSealed: (ref, sealed) =>
        this.serial(async () => {
          await this.ownLog.append(docIdOf(ref), sealed.payloadKind, sealed.payload);
        }),
      settled: () => this.settled(),
    });
    this.generations = new KeyGenerations({
      me: this.me,
      device: options.device.key.deviceId,
      deviceSecret: 'seed' in options.identity ? null : options.identity.deviceSecret,
      store: options.store,
      keys,
      verifier: defaultVerifier,
      friendKey: (person) => {
        const friend = this.friendList.get(person);
        return friend ? friendKey(friend) : null;
      },
      moved: () => this.keysMoved(),
      friendMoved: (person, key) => this.friendKeyMoved(person, key),
    });
    this.unsubscribe = options.pipeline.onStored((entries) => {
      this.serial(() => this.stored(entries)).catch((error: unknown) => this.viewsLag(error));
    });
    this.stopForks = this.watchForks();
    this.stopPrunes =
      options.pipeline.onPruned?.((author) => {
        this.unheld(author).catch((error: unknown) => this.viewsLag(error));
      }) ?? (() => undefined);
  }

  /**
   * Takes away the views of `author`'s docs no longer held (a window trimmed, a block). A blocked
   * person's profile stays: their name is how the blocked list and their profile say whom.
   */
  private async unheld(author: PersonId): Promise<void> {
    const keepProfile = this.blocks.has(author);
    await this.serial(() => this.materializer.dropUnheld(author, keepProfile));
    const docs = (['post', 'profile'] as const).map((kind) => ({ author, kind }));
    for (const listener of this.changeListeners) listener({ cause: 'entries', docs });
  }

  /** Brings the views and what follows them up to newly stored entries. */
  private async stored(entries: readonly StoredEntry[]): Promise<void> {
    // New keys first: the batch's epoch records may be sealed to them.
    await this.generations.take(entries);
    await this.materializer.apply(entries, 'stored');
    await this.carryMessagePhotos(entries);
    // Key records v2: adopt the person's newest epoch, replace one a removed friend opens.
    await this.epochs.reconcile(this.friendList);
    const change = viewChangeOf(entries);
    // A member left a conversation this person started: it goes on without them.
    if (entries.some((e) => e.docId.startsWith('member/'))) {
      this.messaging.rotateForLeavers().catch((error: unknown) => {
        log.error('could not rotate a conversation someone left', { error: String(error) });
      });
    }
    // The other person answered an introduction this person made: pass it on to the asker.
    if (entries.some((e) => e.docId.startsWith('intro/'))) {
      this.introductions.relayReplies().catch((error: unknown) => {
        log.error('could not pass an introduction’s answer on', { error: String(error) });
      });
    }
    for (const listener of this.changeListeners) listener(change);
  }

  /**
   * The photos of the messages stored here, whoever's conversation they are in: wanted, so that
   * a friend who is not a member carries them as ciphertext with the entries (their entries list
   * them in clear, as a relay reads them: `relay-blobs.ts`).
   */
  private async carryMessagePhotos(entries: readonly StoredEntry[]): Promise<void> {
    for (const entry of entries) {
      // A withdrawn message's photos went with its payload (`store/covers.ts`).
      if (!entry.docId.startsWith(MESSAGE_DOC_PREFIX) || !entryHasPayload(entry.bytes)) continue;
      for (const id of blobIdsOf(entry.bytes)) {
        if (!(await this.options.store.hasBlob(id))) this.blobs.want(id);
      }
    }
  }

  /**
   * Entries stored before this peer opened whose views were never written (the page closed
   * between the two transactions) or that were waiting for a key: their views now, a batch at a
   * time (those still without a key wait for it in memory again).
   */
  private async catchUpViews(): Promise<void> {
    // Entries waiting for a key stay owed: the cursor moves past them.
    let after: StoredEntry | undefined;
    for (;;) {
      const owed = await this.options.store.owedEntries(MAX_VIEW_BATCH, after);
      if (owed.length === 0) return;
      after = owed.at(-1);
      log.info('writing the views owed since the last close', { entries: owed.length });
      await this.stored(owed);
    }
  }

  /** The entries are stored; only their views lag. Says so, and lets the UI show it. */
  private viewsLag(error: unknown): void {
    log.error('could not update views', { error: String(error) });
    for (const listener of this.errorListeners) listener(error);
  }

  /** The friend list (kept in the book; written as the friend-list doc is read). */
  private get friendList(): ReadonlyMap<string, FriendRecord> {
    return this.friendBook.list();
  }

  private set friendList(records: ReadonlyMap<string, FriendRecord>) {
    this.friendBook.replace(records);
  }

  /**
   * The logs whose device signed two different histories, each with the seq they part at: the
   * UI says "<name>'s device signed two different histories". Nothing at or past it is shown.
   */
  forkedLogs(): Promise<ForkedLog[]> {
    return forkedLogs(this.options.store);
  }

  /** Rebuilds the views of a log found forked, without its entries past the fork. */
  private watchForks(): () => void {
    return (
      this.options.pipeline.onFork?.((fork) => {
        this.serial(async () => {
          await this.materializer.dropPastFork(fork);
          const change: ViewChange = { cause: 'fork', author: fork.author };
          for (const listener of this.changeListeners) listener(change);
        }).catch((error: unknown) => {
          log.error('could not update views after a fork', { error: String(error) });
          for (const listener of this.errorListeners) listener(error);
        });
      }) ?? (() => undefined)
    );
  }

  /** Opens the peer over its store: continues the device's log and reads its friend list. */
  static async open(options: PeerOptions): Promise<Peer> {
    const { store, identity, device, pipeline, clock } = options;
    const me = identity.personId;
    const keys = await CurrentKeys.open(store, identity);
    // The materializer's callbacks reach the peer, which is made after it.
    const self: { peer?: Peer } = {};
    const keyring = new Keyring(
      store,
      me,
      keys.x25519,
      (author) => {
        if (author === me) return keys.encryptionPublicKey;
        const friend = self.peer?.friendList.get(author);
        return friend ? friendKey(friend) : null;
      },
      () => keys.earlier(),
    );
    const opener = new PayloadOpener(keyring, me, () => keys.selfKey);
    const docs = new DocCache(
      (author, docId) => store.getDocEntries(author, docId),
      opener,
      device.yjsClientId,
    );
    const ownLog = await OwnLog.open(store, me, device, pipeline, clock, options.lock);
    const isFriend = (person: PersonId) => self.peer?.friendList.has(person) ?? false;
    const republisher = new Republisher(me, store, docs, ownLog, clock, isFriend, (post) =>
      keyring.replyTagOf(post.postAuthor, post.postId),
    );
    const materializer = new Materializer({
      me,
      store,
      keyring,
      docs,
      opener,
      isFriend,
      onFriends: (friends) => {
        const peer = self.peer;
        if (!peer) return;
        const lost = newerLostInMerge(peer.friendList, friends);
        peer.friendList = lost.size === 0 ? friends : new Map([...friends, ...lost]);
        void peer.followBlocks();
        if (lost.size === 0) return;
        void peer.writeFriendRecords(Object.fromEntries(lost)).catch((error: unknown) => {
          log.error('could not write a friend record again', { error: String(error) });
          for (const listener of peer.errorListeners) listener(error);
        });
      },
      republish: (entry, ref) => republisher.offer(entry, ref),
      reingest: async (bytes) => {
        await pipeline.ingest([bytes]);
      },
      prefetch: async (ids) => {
        for (const id of ids) if (!(await store.hasBlob(id))) self.peer?.blobs.want(id);
      },
      dropPhotos: async (ids, letGo) => store.deleteBlobs(await unshownPhotos(store, ids, letGo)),
      now: () => clock.now(),
      viewsWritten: (writes) => {
        for (const listener of self.peer?.viewWriteListeners ?? []) listener(writes);
      },
    });
    const friends = readFriends(await docs.get(me, docIdOf({ kind: 'friends' })));
    const epochs = new FriendsEpochs({
      me,
      device: device.key.deviceId,
      get ownKey() {
        return keys.encryptionPublicKey;
      },
      store,
      keyring,
      friendsAtOpen: friends,
      append: async (epoch, record) => {
        await ownLog.append(docIdOf({ kind: 'epoch', epoch }), 'key-record', record);
      },
    });
    const blocks = await BlockList.load(store);
    pipeline.refuseAuthors?.((author) => blocks.has(author));
    const peer = new Peer(options, ownLog, keyring, docs, materializer, keys, epochs, blocks);
    self.peer = peer;
    peer.friendList = friends;
    const marks = readBlockMarks(await docs.get(me, docIdOf({ kind: 'friends' })));
    void peer.blocking.markUnmarked(marks).catch((error: unknown) => peer.viewsLag(error));
    await peer.lists.moveDeviceLists();
    const pending = await store.getSetting(PENDING_REMOVAL);
    if (isPendingRemoval(pending)) await peer.finishRemoval(pending);
    // A move to the next key generation the device stopped in, or one held and not taken yet.
    await peer.serial(async () => {
      await peer.generations.catchUp(me);
      // A linked device opens at the generation it was handed: sealed for already.
      if ('seed' in identity) await peer.sealForGeneration();
    });
    await peer.serial(() => epochs.reconcile(peer.friendList));
    peer.serial(() => peer.catchUpViews()).catch((error: unknown) => peer.viewsLag(error));
    peer
      .serial(() =>
        viewHeldPublicPostsOnce(
          store,
          (entries) => peer.stored(entries),
          (author) => author === me || peer.friendList.has(author),
        ),
      )
      .catch((error: unknown) => peer.viewsLag(error));
    return peer;
  }

  /** Resolves once every change and every received entry so far is reflected in the views. */
  async settled(): Promise<void> {
    let tail: Promise<unknown>;
    do {
      tail = this.queue;
      await tail;
    } while (tail !== this.queue);
  }

  /**
   * Calls `listener` whenever views may have changed (an entry was stored and applied, a blob
   * arrived, a fork was cut), saying what the change concerns.
   */
  onChange(listener: (change: ViewChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /**
   * Calls `listener` with the view changes (posts, comments, profiles ...) each time the store
   * has written them: what an index of the views (search) follows, row by row.
   */
  onViewWrites(listener: (writes: readonly ViewWrite[]) => void): () => void {
    this.viewWriteListeners.add(listener);
    return () => this.viewWriteListeners.delete(listener);
  }

  /** Calls `listener` with a failure to update views (a full disk, most likely). */
  onError(listener: (error: unknown) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** Stops listening for stored entries, forks and prunes. */
  close(): void {
    this.unsubscribe();
    this.stopForks();
    this.stopPrunes();
  }

  // -------------------------------------------------------------------------------------------
  // Device records (written by `DeviceAuthority`)

  /** Appends a record the identity key signed (a revocation, a renewed certificate). */
  async appendRecord(ref: DocRef, record: Uint8Array): Promise<void> {
    await this.serial(() => this.ownLog.append(docIdOf(ref), 'key-record', record));
  }

  /** Signs this device's next entries with a renewed certificate. */
  useCertificate(certificate: DeviceCertificate): void {
    this.ownLog.useCertificate(certificate);
  }

  // -------------------------------------------------------------------------------------------
  // Profile and friends

  /**
   * The names this person gave their devices, by device id: written on any of their devices,
   * read on all of them (`kinds/devices.ts`).
   */
  async deviceNames(): Promise<Record<string, string>> {
    return readDeviceNames(await this.docs.get(this.me, docIdOf({ kind: 'devices' })));
  }

  /** Names one of this person's devices on all of them (an empty name forgets it). */
  async renameDevice(device: DeviceId, name: string): Promise<void> {
    await this.write({ kind: 'devices' }, (doc) => writeDeviceName(doc, device, name));
    await this.settled();
  }

  /**
   * The home peers this person paired, unpaired ones with their revocation: written on any of
   * their devices, read on all of them (`kinds/home-peers.ts`).
   */
  async homePeers(): Promise<HomePeer[]> {
    return readHomePeers(await this.docs.get(this.me, docIdOf({ kind: 'home-peers' })));
  }

  /** Records a home peer paired, or unpaired, on all of this person's devices. */
  async writeHomePeer(peer: HomePeer): Promise<void> {
    await this.write({ kind: 'home-peers' }, (doc) => writeHomePeer(doc, peer));
    await this.settled();
  }

  /**
   * Changes this person's public profile. The profile doc is public (in clear, readable by
   * anyone who holds the log), so its pictures are stored as clear blobs too: encrypting them
   * would protect nothing the doc does not already show.
   */
  async setProfile(change: ProfileChange): Promise<void> {
    const avatar =
      change.photo === undefined ? undefined : await this.storePublicPhoto(change.photo);
    const cover =
      change.cover === undefined ? undefined : await this.storePublicPhoto(change.cover);
    await this.write({ kind: 'profile' }, (doc) =>
      writeProfile(doc, { name: change.name, bio: change.bio, avatar, cover }),
    );
    await this.settled();
  }

  /** The friend list (person id → record). */
  friends(): ReadonlyMap<string, FriendRecord> {
    return this.friendList;
  }

  /** The person ids whose logs this device replicates in full: its own and its friends'. */
  fullInterest(): PersonId[] {
    return [this.me, ...([...this.friendList.keys()] as PersonId[])];
  }

  /** Adds a friend, and seals the current friends-epoch key to them. */
  async addFriend(friend: NewFriend): Promise<void> {
    await this.addFriends([friend]);
  }

  /**
   * Throws a {@link PeerStateError} that says why when `newcomers` more friends would pass
   * {@link MAX_FRIENDS}: before an invite is made or accepted, and at every befriending.
   */
  assertRoomForFriends(newcomers = 1): void {
    if (this.friendList.size + newcomers <= MAX_FRIENDS) return;
    throw new PeerStateError(
      `Kith keeps at most ${MAX_FRIENDS.toLocaleString('en')} friends, and you have ` +
        `${this.friendList.size.toLocaleString('en')}: remove someone before adding another.`,
    );
  }

  /**
   * Adds friends in as few friend-list writes as fit (a restore from a backup puts back a whole
   * list) and one epoch record: one record per friend would seal the epoch key once for each.
   */
  async addFriends(friends: readonly NewFriend[]): Promise<void> {
    if (friends.some((friend) => friend.personId === this.me))
      throw new PeerStateError('one cannot befriend oneself');
    // An invite either way with someone blocked is refused here, and they are not answered.
    if (friends.some((friend) => this.blocks.has(friend.personId)))
      throw new BlockedPersonError('this person is blocked on this device');
    this.assertRoomForFriends(
      new Set(friends.map((f) => f.personId).filter((p) => !this.friendList.has(p))).size,
    );
    const since = this.options.clock.now();
    await this.writeFriendRecords(
      Object.fromEntries(
        friends.map((friend) => [
          friend.personId,
          {
            encryptionKey: toBase64Url(friend.encryptionKey),
            rendezvous: toBase64Url(friend.rendezvous),
            since,
          },
        ]),
      ),
    );
    await this.settled();
    // A new friend whose log was held before: their newest key, before the epoch is sealed to it.
    for (const friend of friends) {
      await this.serial(async () => {
        await this.generations.knownAt(friend.personId, friend.generation ?? 0);
        await this.generations.catchUp(friend.personId);
      });
    }
    await this.serial(() => this.epochs.admit(this.friendList));
    await this.settled();
    // Their posts already held (relayed before the friendship) join the timeline.
    for (const friend of friends) {
      await this.serial(() => this.materializer.refreshAuthor(friend.personId));
    }
  }

  /**
   * Goes on with the friends epoch a backup held (its number and key), unless this device
   * already has that one or a later one: a restored device then seals and wraps with the key its
   * friends already hold, rather than writing a second record under a number already used.
   */
  async resumeEpoch(epoch: number, key: Uint8Array): Promise<void> {
    const current = await this.keyring.ownEpoch();
    if (current && current.epoch >= epoch) return;
    // The backup does not say which device wrote it: adopted as written by no device, so a
    // record of the same number from a real device orders after it (`epoch-state.ts`).
    await this.keyring.remember(this.me, { epoch, device: '' }, await SymmetricKey.fromRaw(key));
  }

  /** The current friends epoch, number and raw key (for a backup), or `null` before the first. */
  async currentEpoch(): Promise<{ epoch: number; key: Uint8Array } | null> {
    const current = await this.keyring.ownEpoch();
    return current && { epoch: current.epoch, key: current.key.raw };
  }

  /**
   * Removes a friend and starts a new friends epoch they cannot open. The two are separate
   * entries, so the intent (with the new epoch's key) is saved first: if the device stops
   * between them, {@link Peer.open} finishes the removal with the same key.
   */
  async removeFriend(personId: PersonId): Promise<void> {
    if (!this.friendList.has(personId)) throw new PeerStateError('not a friend');
    const current = await this.keyring.ownEpoch();
    const removal: PendingRemoval = {
      person: personId,
      epoch: (current?.epoch ?? -1) + 1,
      key: (await SymmetricKey.generate()).raw,
    };
    await this.options.store.setSetting(PENDING_REMOVAL, removal);
    await this.finishRemoval(removal);
  }

  /**
   * Starts a new friends epoch (fresh key, sealed to the current friends): what is written
   * afterwards is readable only to those sealed to now. (A removed device holds the person's own
   * key, which every epoch is sealed to: removing one is {@link nextKeyGeneration}.)
   */
  async rotateFriendsEpoch(): Promise<void> {
    await this.serial(() => this.epochs.rotate(this.friendList));
    await this.settled();
  }

  /**
   * The generation of the person's keys that moved on without this device (it was removed, or
   * linked by a Kith before device secrets: link it again), or `null` while it reads on.
   */
  get keysLeftBehind(): number | null {
    return this.generations.leftBehind;
  }

  /** The person's encryption key as invites hand it out: the current generation's. */
  get inviteKeys(): InviteKeys {
    return this.keys;
  }

  /** Which generation of the person's encryption and self keys this device holds. */
  get keyGeneration(): number {
    return this.keys.generation;
  }

  /**
   * Moves the person's encryption key and self key to their next generation (a device was
   * removed, on the device that holds the identity key): the record of the new generation hands
   * its keys to `devices` (the person's devices that stay), the friend list is written again
   * under the new self key, and a new friends epoch starts, sealed to the new key and to friends.
   * Friends move their later epochs to the new key when the record reaches them. Whoever holds
   * only the keys before reads nothing written afterwards. A device without the identity key
   * passes the identity its person's recovery phrase gave.
   */
  async nextKeyGeneration(
    devices: readonly DeviceId[] = [],
    identity: Identity | null = this.keys.identity,
  ): Promise<void> {
    if (identity?.personId !== this.me) {
      throw new PeerStateError('only the identity key of this person can do this');
    }
    await this.serial(async () => {
      const generation = this.keys.generation + 1;
      const now = this.options.clock.now();
      const record = await makeKeyGenerationRecord(identity, generation, now, devices);
      await this.ownLog.append(
        docIdOf({ kind: 'key-generation', generation }),
        'key-record',
        record,
      );
      await this.keys.move(generation, keysOfGeneration(identity, generation));
      this.keyring.pairs.use(this.keys.x25519);
      await this.sealForGeneration();
    });
    await this.settled();
  }

  /**
   * Once this device moved the keys on: the friend list under the new self key and a new epoch,
   * unless done for this generation already (inside the queue; again at open, if it stopped).
   */
  private async sealForGeneration(): Promise<void> {
    const done = await this.options.store.getSetting(SEALED_GENERATION);
    if ((typeof done === 'number' ? done : 0) >= this.keys.generation) return;
    // The whole list again under the new self key, written anew so that it depends on no entry
    // sealed to the keys before, in parts (2,000 friends pass the payload bound in one entry).
    const list = await this.docs.get(this.me, docIdOf({ kind: 'friends' }));
    for (const update of friendListAnew(list)) {
      await this.writeNow({ kind: 'friends' }, (doc) => {
        Y.applyUpdate(doc, update);
        return update;
      });
    }
    await this.writeNow({ kind: 'devices' }, (doc) =>
      doc.getMap(DEVICE_NAMES_ROOT).size > 0 ? Y.encodeStateAsUpdate(doc) : null,
    );
    await this.writeNow({ kind: 'home-peers' }, (doc) =>
      doc.getMap(HOME_PEERS_ROOT).size > 0 ? Y.encodeStateAsUpdate(doc) : null,
    );
    await this.epochs.rotate(this.friendList);
    await this.lists.keyMoved(this.me);
    await this.options.store.setSetting(SEALED_GENERATION, this.keys.generation);
    this.rekeyConversations();
  }

  /**
   * This device took the person's next keys from a record (inside the queue): what was sealed to
   * them and could not be opened until now is read again, the friend list and the epoch records
   * of this person and friends.
   */
  private async keysMoved(): Promise<void> {
    this.keyring.pairs.use(this.keys.x25519);
    // The device that moved them sealed the friend list, the list book and an epoch to them.
    await this.options.store.setSetting(SEALED_GENERATION, this.keys.generation);
    this.rekeyConversations();
    await this.materializer.apply(
      await this.options.store.getDocEntries(this.me, docIdOf({ kind: 'friends' })),
    );
    for (const author of this.fullInterest()) {
      const from = (await this.keyring.newestEpoch(author))?.epoch ?? 0;
      for (let epoch = from; ; epoch++) {
        const held = await this.options.store.getDocEntries(
          author,
          docIdOf({ kind: 'epoch', epoch }),
        );
        if (held.length === 0 && epoch > from) break;
        await this.materializer.apply(held);
      }
    }
  }

  /**
   * A friend's encryption key moved to its next generation (inside the queue): their record
   * holds the new key at once (epoch records sealed to it open), and in the friend list doc.
   */
  private async friendKeyMoved(person: PersonId, key: Uint8Array): Promise<void> {
    const record = this.friendList.get(person);
    if (!record) return;
    const moved: FriendRecord = { ...record, encryptionKey: toBase64Url(key) };
    this.friendList = new Map([...this.friendList, [person, moved]]);
    await this.writeNow({ kind: 'friends' }, (doc) => writeFriends(doc, { [person]: moved }));
    await this.lists.keyMoved(person);
    this.rekeyConversations();
  }

  /**
   * Conversations whose keys this person holds get a new epoch where a member's key moved on
   * (after the queue: the sealing queues its own writes).
   */
  private rekeyConversations(): void {
    this.messaging.rekeyMoved().catch((error: unknown) => {
      log.error('could not re-key a conversation to a moved key', { error: String(error) });
    });
  }

  /** Does what is left of a removal: each step is skipped once done. */
  private async finishRemoval(removal: PendingRemoval): Promise<void> {
    const { person } = removal;
    if (this.friendList.has(person)) {
      await this.write({ kind: 'friends' }, (doc) => writeFriendRemoval(doc, person));
      await this.settled();
    }
    if (((await this.keyring.ownEpoch())?.epoch ?? -1) < removal.epoch) {
      const key = await SymmetricKey.fromRaw(removal.key);
      await this.serial(() => this.sealEpoch(removal.epoch, key));
      await this.settled();
    }
    // Their posts leave the home timeline (they stay stored, as relayed ciphertext); their
    // public ones stay on their profile, as a friend of a friend's.
    await this.serial(() => this.materializer.dropAuthorPosts(person));
    // And they leave every list: later list posts are sealed to a new epoch without them.
    await this.lists.friendGone(person);
    await this.options.store.setSetting(PENDING_REMOVAL, undefined);
  }

  // -------------------------------------------------------------------------------------------
  // Posts

  /**
   * Writes a new post; friends-only posts (and their photos) are encrypted with a fresh content
   * key. Photos come resized by the caller (long side at most 2048 px, plus a thumbnail).
   * `mentions` names the people whose `@Name` the text holds (any valid ids: the composer offers
   * friends); a malformed list is refused before anything is stored (`PostContentError`).
   */
  async createPost(post: {
    text: string;
    photos?: readonly NewPhoto[];
    audience?: Audience;
    mentions?: readonly PersonId[];
  }): Promise<PostRef> {
    const problem = mentionProblem(post.mentions ?? []);
    if (problem) throw new PostContentError(problem);
    const postId = newPostId();
    const audience = post.audience ?? 'friends';
    const contentKey = audience === 'public' ? null : await this.ownContentKey(postId);
    const photos: PhotoRef[] = [];
    for (const photo of post.photos ?? []) {
      const image = await sealBlob(photo.image, contentKey);
      const thumb = await sealBlob(photo.thumb, contentKey);
      await this.options.store.putBlob(image.id, image.stored);
      await this.options.store.putBlob(thumb.id, thumb.stored);
      photos.push({
        blob: image.id,
        thumb: thumb.id,
        width: photo.width,
        height: photo.height,
        mime: photo.mime,
        bytes: image.stored.length,
      });
    }
    await this.write({ kind: 'post', postId }, (doc) =>
      writeNewPost(doc, {
        text: post.text,
        photos,
        audience,
        createdAt: this.options.clock.now(),
        mentions: post.mentions ?? [],
      }),
    );
    await this.settled();
    return { author: this.me, postId };
  }

  /** Edits one's own post; photos or mentions left out stay as they are. */
  async editPost(
    postId: PostId,
    edit: { text: string; photos?: readonly PhotoRef[]; mentions?: readonly PersonId[] },
  ): Promise<void> {
    await this.requireOwnPost(postId);
    await this.write({ kind: 'post', postId }, (doc) =>
      writePostEdit(doc, { ...edit, editedAt: this.options.clock.now() }),
    );
    await this.settled();
  }

  /** Deletes one's own post: its content leaves the doc, a tombstone stays. */
  async deletePost(postId: PostId): Promise<void> {
    await this.requireOwnPost(postId);
    await this.write({ kind: 'post', postId }, (doc) =>
      writePostDeletion(doc, this.options.clock.now()),
    );
    await this.settled();
  }

  /** Hides (or shows again) someone's reply on one's own post, for every reader of the post. */
  async hideReply(postId: PostId, itemId: string, hidden = true): Promise<void> {
    await this.requireOwnPost(postId);
    await this.write({ kind: 'post', postId }, (doc) => writePostHide(doc, itemId, hidden));
    await this.settled();
  }

  /**
   * Comments on a post this device can read, mentioning `mentions` (people whose `@Name` the
   * text holds), answering the comment `replyTo` (its thread item id) if given; returns the
   * comment's id.
   */
  async comment(
    post: PostRef,
    text: string,
    mentions: readonly PersonId[] = [],
    replyTo?: string,
  ): Promise<PostId> {
    const commentId = newPostId();
    await this.reply(
      { kind: 'comment', postAuthor: post.author, postId: post.postId, commentId },
      (doc) =>
        writeComment(doc, {
          text,
          createdAt: this.options.clock.now(),
          deleted: false,
          mentions,
          ...(replyTo !== undefined ? { replyTo } : {}),
        }),
    );
    return commentId;
  }

  /**
   * Edits one's own comment: its new whole state covers the earlier ones, so the old text
   * leaves every honest store (docs/protocol.md "Covers"). Only the writer's own doc exists
   * here to edit: another's comment is refused (`DocContentError`).
   */
  async editComment(
    post: PostRef,
    commentId: PostId,
    text: string,
    mentions: readonly PersonId[] = [],
  ): Promise<void> {
    await this.reply(
      { kind: 'comment', postAuthor: post.author, postId: post.postId, commentId },
      (doc) => writeCommentEdit(doc, { text, mentions, editedAt: this.options.clock.now() }),
    );
  }

  /** Deletes one's own comment. */
  async deleteComment(post: PostRef, commentId: PostId): Promise<void> {
    await this.reply(
      { kind: 'comment', postAuthor: post.author, postId: post.postId, commentId },
      (doc) =>
        writeComment(doc, {
          text: '',
          createdAt: readComment(doc)?.createdAt ?? this.options.clock.now(),
          deleted: true,
        }),
    );
  }

  /** Sets (or with `null` withdraws) this person's reaction to a post. */
  react(post: PostRef, reaction: Reaction | null): Promise<void> {
    return this.reply({ kind: 'reaction', postAuthor: post.author, postId: post.postId }, (doc) =>
      writeReaction(doc, reaction, this.options.clock.now()),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Reads (from views: no doc is opened)

  /**
   * A page of the home timeline, newest first: own and friends' posts, and a friend of a friend's
   * public post while this person or a friend answered it (`kinds/reach.ts`).
   */
  timelinePage(request: PageRequest): Promise<Page<PostView>> {
    return this.options.store.timelinePage(request);
  }

  /** A page of one person's posts that this device can read. */
  authorPostsPage(author: PersonId, request: PageRequest): Promise<Page<PostView>> {
    return this.options.store.authorPostsPage(author, request);
  }

  /** A post's view, if readable here. */
  post(ref: PostRef): Promise<PostView | undefined> {
    return this.options.store.getPostView(postKey(ref.author, ref.postId));
  }

  /**
   * The reply tag of a post whose content key is held here (a friends-only post), or `null`:
   * what the doc ids of its replies and thread name it by (`crypto/reply-tag.ts`).
   */
  replyTag(ref: PostRef): Promise<ReplyTag | null> {
    return this.keyring.replyTagOf(ref.author, ref.postId);
  }

  /** A post's comments and reactions, oldest first; none by someone blocked here. */
  async replies(ref: PostRef): Promise<PostItemView[]> {
    const items = await this.options.store.itemsByPost(postKey(ref.author, ref.postId));
    return items.filter((item) => !this.blocks.has(item.author));
  }

  /**
   * A photo of a post, decrypted, or `null` while its blob has not reached this device (it is
   * then wanted: {@link WantedBlobs}, for sync to fetch).
   */
  async photo(
    post: PostRef,
    photo: PhotoRef,
    which: 'image' | 'thumb',
  ): Promise<Uint8Array | null> {
    const stored = await this.blobs.heldOrWanted(which === 'image' ? photo.blob : photo.thumb);
    if (!stored) return null;
    const view = await this.post(post);
    const audience = view && postSummary(view).audience;
    const key =
      audience === 'public' ? null : await this.keyring.contentKey(post.author, post.postId);
    if (audience !== 'public' && !key)
      throw new PeerStateError('the post’s key is not on this device');
    return openBlob(stored, key);
  }

  /**
   * A person's profile picture (`avatar` or `cover`), or `null` when they have none or while
   * its blob has not reached this device (it is then wanted, as for post photos). Profile
   * pictures are public blobs: no key is needed.
   */
  async profilePicture(
    person: PersonId,
    picture: 'avatar' | 'cover',
    which: 'image' | 'thumb',
  ): Promise<Uint8Array | null> {
    const ref = (await this.profile(person))?.[picture];
    if (!ref) return null;
    return this.blobs.heldOrWanted(which === 'image' ? ref.blob : ref.thumb);
  }

  private blobArrived(): void {
    const change: ViewChange = { cause: 'blob' };
    for (const listener of this.changeListeners) listener(change);
  }

  /** A person's profile as last received, or `null`. */
  async profile(person: PersonId): Promise<Profile | null> {
    return normalizeProfile(await this.options.store.getSetting(profileViewKey(person)));
  }

  /** A page of notifications, newest first; none from someone blocked here. */
  async notificationsPage(request: PageRequest): Promise<Page<NotificationView>> {
    const page = await this.options.store.notificationsPage(request);
    const from = (n: NotificationView) => (n.summary as { from?: unknown } | null)?.from;
    const shown = page.items.filter((n) => !this.blocks.has(from(n) as PersonId));
    return shown.length === page.items.length ? page : { ...page, items: shown };
  }

  /** How many notifications are unread. */
  unreadCount(): Promise<number> {
    return this.options.store.unreadCount();
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  /** Stores a profile picture as clear blobs; `null` (a removal) stays `null`. */
  private async storePublicPhoto(photo: NewPhoto | null): Promise<PhotoRef | null> {
    if (photo === null) return null;
    const image = await sealBlob(photo.image, null);
    const thumb = await sealBlob(photo.thumb, null);
    await this.options.store.putBlob(image.id, image.stored);
    await this.options.store.putBlob(thumb.id, thumb.stored);
    return {
      blob: image.id,
      thumb: thumb.id,
      width: photo.width,
      height: photo.height,
      mime: photo.mime,
      bytes: image.stored.length,
    };
  }

  /** Follows the block marks of the friend-list doc as it now reads (`blocking.ts`). */
  private async followBlocks(): Promise<void> {
    try {
      const doc = await this.docs.get(this.me, docIdOf({ kind: 'friends' }));
      await this.blocking.follow(readBlockMarks(doc));
    } catch (error) {
      log.error('could not follow a block made on another device', { error: String(error) });
    }
  }

  /** Writes friend records in parts that each fit one entry (`FRIEND_RECORDS_PER_WRITE`). */
  private async writeFriendRecords(records: Readonly<Record<string, FriendRecord>>): Promise<void> {
    for (const part of friendRecordParts(records)) {
      await this.write({ kind: 'friends' }, (doc) => writeFriends(doc, part));
    }
  }

  /** Runs `task` after every earlier change and materialization. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Applies a change to one of this person's docs and signs its whole new state (or the change
   * alone, where the kind `writes` so), sealed as its kind says (in clear, under the self key, under a post's content key ...), covering the doc's
   * earlier entries where the kind says so (`coversEarlier`).
   */
  private write(ref: DocRef, change: (doc: Y.Doc) => Uint8Array | null): Promise<void> {
    return this.serial(() => this.writeNow(ref, change));
  }

  /** {@link write}, inside the queue. */
  private async writeNow(ref: DocRef, change: (doc: Y.Doc) => Uint8Array | null): Promise<void> {
    const kind = kindOf(ref);
    if (kind.shape !== 'doc') throw new Error(`${ref.kind} is not a doc`);
    const docId = docIdOf(ref);
    const covers = kind.coversEarlier
      ? await coversForWholeState(this.options.store, this.docs, this.me, docId)
      : [];
    const doc = await this.docs.get(this.me, docId);
    const changed = change(doc);
    if (changed === null) return;
    const update = kind.writes === 'change' ? changed : Y.encodeStateAsUpdate(doc);
    const sealed = await kind.seal(ref, doc, update, this.sealPort);
    const entry = await this.ownLog.append(
      docId,
      sealed.payloadKind,
      sealed.payload,
      covers,
      sealed.blobs,
    );
    // Its materialization (queued after this task) uses the update as it is, unopened.
    this.materializer.wrote(entry.hash, update);
  }

  /** Writes a comment or reaction doc of this person, sealed like the post it answers. */
  private async reply(ref: ReplyRef, change: (doc: Y.Doc) => Uint8Array | null): Promise<void> {
    await this.serial(async () => {
      const postDoc = await this.docs.get(
        ref.postAuthor,
        docIdOf({ kind: 'post', postId: ref.postId }),
      );
      const content = readPost(postDoc);
      if (!content || content.deleted) throw new PeerStateError('no such post to answer');
      const named = content.audience === 'public' ? ref : await this.byTag(ref);
      await this.writeNow(named, change).catch((error: unknown) => {
        // A friends-only post whose content key, or its audience's epoch key, is not held here.
        if (error instanceof ReplyKeyError) throw new PeerStateError(error.message);
        throw error;
      });
    });
    await this.settled();
  }

  /**
   * A reply to a friends-only post, named by the post's reply tag (a relay does not learn which
   * post it answers); unless this person's doc of it exists under its clear id (written before
   * opaque ids), which an edit or a delete must reach. Without the post's key: as it was (sealing
   * then refuses it).
   */
  private async byTag(ref: ReplyRef): Promise<ReplyRef> {
    if ((await this.options.store.getDocEntries(this.me, docIdOf(ref))).length > 0) return ref;
    const tag = await this.keyring.replyTagOf(ref.postAuthor, ref.postId);
    return tag ? { ...ref, tag } : ref;
  }

  /** Writes the epoch record of `epoch` (with `key`, or a fresh one). Runs inside the queue. */
  private sealEpoch(epoch: number, key: SymmetricKey | undefined) {
    return this.epochs.seal(epoch, key, this.friendList);
  }

  /** The content key of one of my posts, made on first use. */
  private async ownContentKey(postId: PostId): Promise<SymmetricKey> {
    const known = await this.keyring.contentKey(this.me, postId);
    if (known) return known;
    const key = await SymmetricKey.generate();
    await this.keyring.setContentKey(this.me, postId, key);
    return key;
  }

  /** Throws unless this person wrote the post `postId` (deleted or not). */
  private async requireOwnPost(postId: PostId): Promise<void> {
    const doc = await this.docs.get(this.me, docIdOf({ kind: 'post', postId }));
    if (!readPost(doc)) throw new PeerStateError('no such post');
  }
}

/** Setting: the key generation the friend list and an epoch were last sealed for. */
const SEALED_GENERATION = 'keys/sealed-generation';

/** Setting naming a friend removal begun and not known to be finished. */
const PENDING_REMOVAL = 'pending/remove-friend';

/** A friend removal in progress: who, and the new epoch (number and raw key) to start. */
interface PendingRemoval {
  readonly person: PersonId;
  readonly epoch: number;
  readonly key: Uint8Array;
}

function isPendingRemoval(value: unknown): value is PendingRemoval {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.person === 'string' &&
    Number.isSafeInteger(v.epoch) &&
    (v.epoch as number) >= 0 &&
    v.key instanceof Uint8Array
  );
}
