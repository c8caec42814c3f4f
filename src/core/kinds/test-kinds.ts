/**
 * What the kind modules' tests share: two authors, an in-memory key store standing in for the
 * keyring, the ports a kind is given, and entries signed for a doc. Not used by the app.
 */
import { expect } from 'vitest';
import type * as Y from 'yjs';
import { SymmetricKey } from '../crypto/aead.ts';
import { signEntry, type VerifiedFullEntry } from '../feed/entry-verifier.ts';
import { testAuthor, testFields, type TestAuthor } from '../feed/test-helpers.ts';
import type { DocId, PersonId, PostId } from '../ids.ts';
import { replyTag, type ReplyTag } from '../crypto/reply-tag.ts';
import type {
  Answering,
  HeldEpoch,
  KeyPort,
  OpenPort,
  SealPort,
  Sealed,
  ViewPort,
} from './kind.ts';
import { NO_CONVERSATIONS, type ConversationKeyPort } from './conversation-port.ts';
import { NO_LISTS, type ListKeyPort } from './list-port.ts';
import { DocRefError, parseDocRef } from './registry.ts';

/** Keys by name, as the keyring holds them (its storage is not what these tests are about). */
export class MemoryKeys implements KeyPort {
  private readonly epochs = new Map<string, SymmetricKey[]>();
  private readonly newest = new Map<PersonId, HeldEpoch>();
  readonly contents = new Map<string, SymmetricKey>();
  private readonly tags = new Map<ReplyTag, Answering>();
  readonly conversations: ConversationKeyPort = NO_CONVERSATIONS;
  lists: ListKeyPort = NO_LISTS;

  /** Holds `key` for `author`'s epoch `epoch` (beside any other key of it). */
  learnEpoch(author: PersonId, epoch: number, key: SymmetricKey): void {
    const name = `${author}:${epoch}`;
    this.epochs.set(name, [...(this.epochs.get(name) ?? []), key]);
    const newest = this.newest.get(author);
    if (!newest || newest.epoch <= epoch) this.newest.set(author, { epoch, key });
  }

  async epochKeys(author: PersonId, epoch: number): Promise<readonly SymmetricKey[]> {
    return this.epochs.get(`${author}:${epoch}`) ?? [];
  }
  async newestEpoch(author: PersonId): Promise<HeldEpoch | null> {
    return this.newest.get(author) ?? null;
  }
  async contentKey(author: PersonId, postId: PostId): Promise<SymmetricKey | null> {
    return this.contents.get(`${author}:${postId}`) ?? null;
  }
  async setContentKey(author: PersonId, postId: PostId, key: SymmetricKey): Promise<void> {
    this.contents.set(`${author}:${postId}`, key);
    this.tags.set(await replyTag(author, postId, key), { postAuthor: author, postId });
  }
  async postOfTag(tag: ReplyTag): Promise<Answering | null> {
    return this.tags.get(tag) ?? null;
  }
}

/** One person as the kinds see them: an author whose device signs, their keys, their ports. */
export interface KindsPerson {
  readonly author: TestAuthor;
  readonly id: PersonId;
  readonly keys: MemoryKeys;
  readonly open: OpenPort;
  /**
   * A seal port whose current epoch is `epoch`, whose posts have the audiences given, and which
   * knows no post's own epoch (a store written by key records v2 code tracks the newest).
   */
  seal(audiences?: ReadonlyMap<string, 'friends' | 'public'>): SealPort;
  readonly epoch: { readonly epoch: number; readonly key: SymmetricKey };
}

/** Makes a person from fixed seeds (`n` tells people apart). */
export async function kindsPerson(n: number): Promise<KindsPerson> {
  const author = await testAuthor(n, n + 100);
  const id = author.identity.personId;
  const keys = new MemoryKeys();
  const epoch = { epoch: 3, key: await SymmetricKey.generate() };
  keys.learnEpoch(id, 3, epoch.key);
  const open: OpenPort = { me: id, selfKey: await SymmetricKey.generate(), keys };
  return {
    author,
    id,
    keys,
    open,
    epoch,
    seal: (audiences = new Map()) => ({
      ...open,
      ownEpoch: async () => epoch,
      async ownContentKey(postId) {
        const known = await keys.contentKey(id, postId);
        if (known) return known;
        const key = await SymmetricKey.generate();
        await keys.setContentKey(id, postId, key);
        return key;
      },
      audienceOf: async (postAuthor, postId) => audiences.get(`${postAuthor}/${postId}`) ?? null,
      postEpoch: async () => null,
      listKeyFor: () => Promise.reject(new Error('no list in this test')),
    }),
  };
}

/** An entry of `person`'s log carrying `sealed` for doc `docId`. */
export function entryOf(
  person: KindsPerson,
  docId: DocId,
  sealed: Sealed,
): Promise<VerifiedFullEntry> {
  return signEntry(person.author.device, testFields(1, undefined, { docId, ...sealed }));
}

/** Expects each text to be refused as a doc id. */
export function expectRefused(texts: readonly string[]): void {
  for (const text of texts) {
    expect(() => parseDocRef(text), text).toThrow(DocRefError);
  }
}

/** What a {@link recordingViews} port was asked to do. */
export interface ViewCalls {
  readonly released: string[];
  readonly reingested: Uint8Array[];
}

/**
 * A view port that records what a kind asks of it, over a store and docs given by the test:
 * the kind's logic is under test, not the materializer's.
 */
export function recordingViews(
  me: PersonId,
  parts: Partial<ViewPort> & { docs?: ReadonlyMap<string, Y.Doc> } = {},
): { views: ViewPort; calls: ViewCalls } {
  const calls: ViewCalls = { released: [], reingested: [] };
  const views: ViewPort = {
    me,
    store: undefined as never,
    isFriend: () => true,
    onFriends: () => undefined,
    conversations: NO_CONVERSATIONS,
    lists: NO_LISTS,
    learnEpoch: async () => null,
    doc: async (author, docId) => {
      const doc = parts.docs?.get(`${author} ${docId}`);
      if (!doc) throw new Error(`no doc ${docId} in this test`);
      return doc;
    },
    republish: async () => undefined,
    reingest: async (bytes) => void calls.reingested.push(bytes),
    prefetch: async () => undefined,
    dropPhotos: async () => undefined,
    trustedTime: (written) => written,
    mentioned: async () => undefined,
    wait: () => undefined,
    release: async (key) => void calls.released.push(key),
    apply: async () => undefined,
    replyTagOf: async () => null,
    reapplyReply: async () => undefined,
    ...parts,
  };
  return { views, calls };
}
