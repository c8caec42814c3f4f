/**
 * What a doc kind declares, in one module per kind (`kinds/<kind>.ts`): the grammar of its doc
 * ids, how its entries' payloads are sealed and opened, how they are materialized into views,
 * and the caps of its doc. The registry (`registry.ts`) dispatches on the kind; nothing else
 * switches on kinds. Adding a kind is one new module plus one line in the registry.
 *
 * Two shapes of kind exist. A doc kind's entries carry (possibly sealed) updates of one small Yjs
 * doc per doc id: they are opened into updates, applied under the kind's caps, and the doc is read
 * into views. A record kind's entries each carry one signed record (an epoch key record, a
 * re-published entry, a device record): nothing is applied to a doc.
 *
 * Kinds reach the rest of the peer only through the ports below, so they never import the peer:
 * which key a kind seals with is the kind's choice, made from what the {@link KeyPort} holds.
 */
import type * as Y from 'yjs';
import type { SymmetricKey } from '../crypto/aead.ts';
import type { BlobId } from '../crypto/blobs.ts';
import type { ReplyTag } from '../crypto/reply-tag.ts';
import type { ConversationKeyPort } from './conversation-port.ts';
import type { ListKeyPort } from './list-port.ts';
import type { Audience, ListId } from '../docs/audience.ts';
import type { DocCaps } from '../docs/doc-caps.ts';
import type { FriendRecord } from '../docs/small-docs.ts';
import type { Entry, PayloadKind } from '../feed/entry-codec.ts';
import type { DocId, PersonId, PostId } from '../ids.ts';
import type { JsonValue, StoredEntry, KindStore } from '../store/storage-adapter.ts';

/** A doc id that is well-formed text but names no Kith doc (or not in its kind's grammar). */
export class DocRefError extends Error {
  override readonly name = 'DocRefError';
}

/** What opening a payload gave. */
export type Opened =
  | { readonly kind: 'update'; readonly update: Uint8Array }
  /** Not readable yet: waits for this key (an epoch key, or a post's content key). */
  | { readonly kind: 'waiting'; readonly key: string }
  /** Never readable here: not for this device, or refused as malformed. */
  | { readonly kind: 'unreadable'; readonly reason: string };

/** A friends epoch of one person, with its key. */
export interface HeldEpoch {
  readonly epoch: number;
  readonly key: SymmetricKey;
}

/** The keys of private content this device holds (the keyring). */
export interface KeyPort {
  /** Every key held for `author`'s epoch `epoch`: one per own device that rotated at once. */
  epochKeys(author: PersonId, epoch: number): Promise<readonly SymmetricKey[]>;
  /** The newest epoch of `author` held here (one's own, or a friend's), or `null`. */
  newestEpoch(author: PersonId): Promise<HeldEpoch | null>;
  contentKey(author: PersonId, postId: PostId): Promise<SymmetricKey | null>;
  /** Remembers a post's content key, and that the post's reply tag stands for the post. */
  setContentKey(author: PersonId, postId: PostId, key: SymmetricKey): Promise<void>;
  /** The post a reply tag stands for, if this device holds that post's content key. */
  postOfTag(tag: ReplyTag): Promise<Answering | null>;
  /** The keys of the conversations this person is in. */
  readonly conversations: ConversationKeyPort;
  /** The keys of the lists of friends this person is in. */
  readonly lists: ListKeyPort;
}

/** What opening a payload may use. */
export interface OpenPort {
  readonly me: PersonId;
  /** Key of what only this person's own devices read (the friend list). */
  readonly selfKey: SymmetricKey;
  readonly keys: KeyPort;
}

/** What sealing a new state of one of this person's docs may use. */
export interface SealPort extends OpenPort {
  /** This person's current friends epoch (started if there is none yet). */
  ownEpoch(): Promise<HeldEpoch>;
  /** The content key of one of this person's posts, made on first use. */
  ownContentKey(postId: PostId): Promise<SymmetricKey>;
  /** The audience of a post readable here, or `null` when none is held. */
  audienceOf(author: PersonId, postId: PostId): Promise<Audience | null>;
  /**
   * The key of this person's list `list` that post `postId` is sealed under: the list's current
   * epoch for a new post, the one it was first sealed under for an edit (a list's later members
   * never read an older post). Throws `ListError` for a list this device does not keep.
   */
  listKeyFor(list: ListId, postId: PostId): Promise<SymmetricKey>;
  /**
   * The epoch a post held here was sealed in, with a key of it held, or `null`: what a reply is
   * sealed under where no newest epoch of the post's author was tracked (keys saved by older code).
   */
  postEpoch(post: Answering): Promise<HeldEpoch | null>;
}

/** An entry's payload as it is appended to the log. */
export interface Sealed {
  readonly payloadKind: PayloadKind;
  readonly payload: Uint8Array;
  /** The stored blobs a sealed payload references, listed in clear for relays (entries v2). */
  readonly blobs?: readonly BlobId[];
}

/** What materializing may use: the views, the peer's callbacks, and the materializer's own steps. */
export interface ViewPort {
  readonly me: PersonId;
  /** The views, as the batch being materialized leaves them (written at the batch's end). */
  readonly store: KindStore;
  /** Whether `person` is a friend (their posts go on the timeline). */
  isFriend(person: PersonId): boolean;
  /** Called with the friend list whenever this person's own `friends` doc changes. */
  onFriends(friends: ReadonlyMap<string, FriendRecord>): void;
  /** The keys of the conversations this person is in. */
  readonly conversations: ConversationKeyPort;
  /** The keys of the lists of friends this person is in. */
  readonly lists: ListKeyPort;
  /**
   * Opens an epoch record `device` of `author` wrote; the key, or `null` when it holds none for
   * this device (or is not opened here: only one's own and friends' records are).
   */
  learnEpoch(
    author: PersonId,
    device: string,
    epoch: number,
    record: Uint8Array,
  ): Promise<SymmetricKey | null>;
  /** The doc `docId` of `author`, rebuilt from its entries if it is not open. */
  doc(author: PersonId, docId: DocId): Promise<Y.Doc>;
  /** Someone else's reply to one of my posts was read: the author may re-publish it. */
  republish(entry: StoredEntry, answered: Answering): Promise<void>;
  /** Entries embedded in a thread doc, to be verified and stored like any received entry. */
  reingest(bytes: Uint8Array): Promise<void>;
  /** Blobs to fetch now rather than when first shown (a friend's profile pictures). */
  prefetch(ids: readonly string[]): Promise<void>;
  /**
   * Photos post `letGo` no longer shows (it was deleted or edited): deleted here, never served
   * again, unless another post or a profile still shows them (`peer/photo-references.ts`).
   */
  dropPhotos(ids: readonly string[], letGo: string): Promise<void>;
  /** A date written by someone else, clamped to this device's clock (and to `shown`). */
  trustedTime(written: number, shown: number | undefined): number;
  /** Stores a mention notification once. */
  mentioned(n: { id: string; createdAt: number; summary: JsonValue }): Promise<void>;
  /** Keeps `stored` until the key named `key` arrives. */
  wait(key: string, stored: StoredEntry): void;
  /** Applies again what waited for the key named `key`. */
  release(key: string): Promise<void>;
  /** Materializes stored entries (again). */
  apply(entries: readonly StoredEntry[]): Promise<void>;
  /**
   * The reply tag of a post whose content key is held here (and from now on, the post the tag
   * stands for), or `null`: replies waiting for the tag open once the post's key arrives.
   */
  replyTagOf(post: Answering): Promise<ReplyTag | null>;
  /** Applies again the stored entries of a reply (by its item id) its post no longer hides. */
  reapplyReply(itemId: string, postAuthor: PersonId, postId: PostId): Promise<void>;
}

/** One entry of a doc kind, opened and applied to its doc. */
export interface DocChange<R> {
  readonly ref: R;
  readonly stored: StoredEntry;
  readonly entry: Entry;
  /** The doc after the entry's update was applied. */
  readonly doc: Y.Doc;
}

/** Whether a doc kind's entry may be opened now, at materialization. */
export type Admission = 'read' | 'refuse' | { readonly wait: string };

/** What every kind declares: its name, its doc-id grammar, its place in a batch. */
interface KindBase<R extends { readonly kind: string }> {
  readonly kind: R['kind'];
  /** The doc id of `ref` (the kind's name, then its fields, separated by `/`). */
  format(ref: R): DocId;
  /**
   * The ref named by a doc id's fields (what follows the kind's name), or a {@link Tagged} one
   * when they name the post answered by its reply tag only; throws otherwise.
   */
  parse(fields: readonly string[]): R | Tagged<R>;
  /** Order in a batch, lowest first: keys before what they open, posts before their replies. */
  readonly rank: number;
}

/** A kind whose entries carry updates of one Yjs doc. */
export interface DocKind<R extends { readonly kind: string }> extends KindBase<R> {
  readonly shape: 'doc';
  /** The bounds of the doc on a reader's device. */
  readonly caps: DocCaps;
  /**
   * Whether each write of one's own doc covers the doc's earlier entries (entries v2,
   * docs/protocol.md "Covers"): their payloads then leave every honest store.
   */
  readonly coversEarlier?: true;
  /**
   * What each write carries: by default the doc's whole state, so an entry read alone (by a
   * replica keeping a recent window, or after a covering write) shows the whole doc; `change`:
   * only the write's own change, for a doc read only by replicas of its whole log whose whole
   * state could pass the payload bound (the friend list of a person with many friends).
   */
  readonly writes?: 'change';
  /** Seals a write (`update`: the whole state, or the change, as `writes` says) of `doc`. */
  seal(ref: R, doc: Y.Doc, update: Uint8Array, port: SealPort): Promise<Sealed>;
  /** Opens a verified entry's payload (of a `yjs-update` or `encrypted` kind) into its update. */
  open(entry: Entry, ref: R, port: OpenPort): Promise<Opened>;
  /** Gate before opening at materialization (replies in clear wait for their post). */
  admit?(entry: Entry, ref: R, views: ViewPort): Promise<Admission>;
  /** Updates the views from the doc after one of its entries was applied. */
  view(change: DocChange<R>, views: ViewPort): Promise<void>;
  /**
   * The post views (their keys) `view` reads for a doc of `author`: read ahead for a whole batch
   * of entries at once. Omitted: none, or read when needed.
   */
  viewsRead?(author: PersonId, ref: R): readonly string[];
  /** Takes the doc's views away (of `author`) when nothing of the doc is left to show. */
  forget?(author: PersonId, ref: R, views: ViewPort): Promise<void>;
}

/** The post a reply answers. */
export interface Answering {
  readonly postAuthor: PersonId;
  readonly postId: PostId;
}

/** The post a reply answers, and how the reply's doc id names it. */
export interface ReplyTarget extends Answering {
  /**
   * The post's reply tag (`crypto/reply-tag.ts`) when the doc id names the post by it (a reply to
   * a friends-only post, from opaque ids on); absent when it names the post in clear.
   */
  readonly tag?: ReplyTag;
}

/**
 * A doc id that names the post it answers by the post's reply tag only (`<kind>/~<tag>/...`):
 * which doc it is becomes known once this device maps the tag to a post (it holds the post's
 * content key); until then its entries wait for the tag.
 */
export class Tagged<R extends { readonly kind: string }> {
  constructor(
    readonly kind: R['kind'],
    readonly tag: ReplyTag,
    private readonly on: (post: Answering) => R,
  ) {}

  /** The ref, given the post its tag stands for. */
  resolve(post: Answering): R {
    return this.on(post);
  }
}

/** Marks a doc id field that holds a reply tag (no person id, post id or number starts with it). */
export const TAG_MARK = '~';

/**
 * A doc kind that answers a post (comment, reaction): shown in the post's thread as an item,
 * whose id (`<writer>/<kind>/<tail>`) names the reply's doc given the post.
 */
export interface ReplyKind<R extends { readonly kind: string } & ReplyTarget> extends DocKind<R> {
  /** The reply's item id in its post's thread view. */
  itemId(writer: PersonId, ref: R): string;
  /** The reply named by an item id's tail, on `post`; throws a {@link DocRefError} otherwise. */
  ofItem(tail: string, post: Answering): R;
}

/** A kind whose entries each carry one signed record, never applied to a doc. */
export interface RecordKind<R extends { readonly kind: string }> extends KindBase<R> {
  readonly shape: 'record';
  /**
   * What a newly stored record does to the views (often nothing: its owner reads the store);
   * `stored` is the entry as held, for a record that waits for a key.
   */
  take(entry: Entry, ref: R, views: ViewPort, stored: StoredEntry): Promise<void>;
}

/** A kind of either shape. */
export type Kind<R extends { readonly kind: string }> = DocKind<R> | RecordKind<R>;

/** Throws a {@link DocRefError} unless a doc id has exactly `count` fields after its kind. */
export function expectFields(kind: string, fields: readonly string[], count: number): void {
  if (fields.length !== count) {
    throw new DocRefError(`${kind} takes ${count} field(s) in its doc id, not ${fields.length}`);
  }
}

/** The field at `index`, known to be present after {@link expectFields}. */
export function field(fields: readonly string[], index: number): string {
  return fields[index] ?? '';
}
