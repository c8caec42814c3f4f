/**
 * The materializer writes views in batches: one transaction for a batch of entries, each
 * payload opened once, and this device's own writes not opened again.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SymmetricKey } from '../crypto/aead.ts';
import { EntryVerifier } from '../feed/entry-verifier.ts';
import type { DocId, PersonId } from '../ids.ts';
import { postKind, postSummary } from '../kinds/post.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import type { PostView, StoredEntry, ViewWrite } from '../store/storage-adapter.ts';
import { Ingestor } from '../sync/ingest.ts';
import { DocCache } from './doc-cache.ts';
import { Keyring } from './keyring.ts';
import { Materializer, type ApplyOrigin } from './materializer.ts';
import { PayloadOpener } from './payloads.ts';
import { Peer } from './peer.ts';
import { befriend, entriesOf, makePeople, testClock, type TestPerson } from './test-people.ts';

/** A memory store that counts the transactions writing views: batches and single changes. */
class CountingStore extends MemoryStorageAdapter {
  batches = 0;
  single = 0;
  private inBatch = false;
  override async writeViews(writes: readonly ViewWrite[]): Promise<void> {
    this.batches++;
    this.inBatch = true;
    try {
      return await super.writeViews(writes);
    } finally {
      this.inBatch = false;
    }
  }
  override async putPostViews(posts: readonly PostView[]): Promise<void> {
    if (!this.inBatch) this.single++;
    return super.putPostViews(posts);
  }
}

/** A memory store that notes the docs and post views read from it, and settings written alone. */
class ReadNotingStore extends MemoryStorageAdapter {
  readonly docsRead: DocId[] = [];
  readonly postsRead: string[] = [];
  override async getManyDocsEntries(docs: readonly { author: PersonId; docId: DocId }[]) {
    this.docsRead.push(...docs.map((d) => d.docId));
    return super.getManyDocsEntries(docs);
  }
  override async getPostViews(postIds: readonly string[]) {
    this.postsRead.push(...postIds);
    return super.getPostViews(postIds);
  }
  override async getPostView(postId: string) {
    this.postsRead.push(postId);
    return super.getPostView(postId);
  }
  /** Settings written alone, each in a transaction of its own (not with a batch of views). */
  readonly settingsAlone: string[] = [];
  private inViews = false;
  override async writeViews(...args: Parameters<MemoryStorageAdapter['writeViews']>) {
    this.inViews = true;
    try {
      return await super.writeViews(...args);
    } finally {
      this.inViews = false;
    }
  }
  override async setSetting(key: string, value: unknown) {
    if (!this.inViews) this.settingsAlone.push(key);
    return super.setSetting(key, value);
  }
}

/**
 * A materializer of `reader` over `store` (a fresh one unless given), wired as the peer wires
 * one, `friend` a friend whose epoch records open here; `take` stores entries as a sync would
 * and gives those newly stored.
 */
async function readerOf(reader: TestPerson, friend: TestPerson, store = new ReadNotingStore()) {
  store.docsRead.length = 0;
  store.postsRead.length = 0;
  const ingestor = new Ingestor(store, new EntryVerifier());
  const stored: StoredEntry[] = [];
  ingestor.onStored((entries) => stored.push(...entries));
  const keyring = new Keyring(
    store,
    reader.id,
    {
      publicKey: reader.identity.encryptionPublicKey,
      privateKey: reader.identity.encryptionPrivateKey,
    },
    (person) => (person === friend.id ? friend.identity.encryptionPublicKey : null),
  );
  const selfKey = await SymmetricKey.generate();
  const opener = new PayloadOpener(keyring, reader.id, () => selfKey);
  const docs = new DocCache((a, d) => store.getDocEntries(a, d), opener, 1);
  const materializer = new Materializer({
    me: reader.id,
    store,
    keyring,
    docs,
    opener,
    isFriend: (person) => person === friend.id,
    onFriends: () => undefined,
    republish: async () => undefined,
    reingest: async () => undefined,
    prefetch: async () => undefined,
    dropPhotos: async () => undefined,
    now: () => testClock.now(),
  });
  const take = async (bytes: readonly Uint8Array[]): Promise<StoredEntry[]> => {
    stored.length = 0;
    await ingestor.ingest(bytes);
    return [...stored];
  };
  return { store, materializer, take };
}

function isPostDoc(docId: DocId): boolean {
  return docId.startsWith('post/');
}

/** Every view `store` holds that the screens read: timeline rows, their replies, notifications. */
async function viewsIn(store: MemoryStorageAdapter) {
  const rows = (await store.timelinePage({ limit: 100 })).items;
  const replies = await Promise.all(rows.map((row) => store.itemsByPost(row.postId)));
  const notifications = (await store.notificationsPage({ limit: 100 })).items;
  return { rows, replies, notifications };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('materializer', () => {
  it('writes the views of a received batch of posts in one transaction', async () => {
    const [alice0, bob] = await makePeople('alice', 'bob');
    const store = new CountingStore();
    const ingestor = new Ingestor(store, new EntryVerifier());
    const peer = await Peer.open({
      store,
      identity: alice0.identity,
      device: alice0.device,
      pipeline: ingestor,
      clock: testClock,
    });
    const alice = { ...alice0, store, ingestor, peer };
    await befriend(alice, bob);
    for (let i = 0; i < 30; i++) {
      testClock.advance(1000);
      await bob.peer.createPost({ text: `post ${i}` });
    }
    const before = store.batches;
    const viewReads = [vi.spyOn(store, 'getPostViews'), vi.spyOn(store, 'getPostView')];
    await alice.ingestor.ingest(await entriesOf(bob, [bob.id]));
    await alice.peer.settled();
    expect(store.batches - before).toBe(1);
    expect(store.single).toBe(0);
    // Each post's one entry is its doc's first write: no view is read to write it.
    for (const read of viewReads) expect(read).not.toHaveBeenCalled();
    expect((await alice.peer.timelinePage({ limit: 50 })).items).toHaveLength(30);
  });

  it('does not open the payload of a post this device just wrote', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    const open = vi.spyOn(postKind, 'open');
    await alice.peer.createPost({ text: 'friends only' });
    await alice.peer.settled();
    expect(open).not.toHaveBeenCalled();
    const [row] = (await alice.peer.timelinePage({ limit: 5 })).items;
    expect(row?.summary).toMatchObject({ text: 'friends only' });
    // Bob, who received it, opens it once.
    await bob.ingestor.ingest(await entriesOf(alice, [alice.id]));
    await bob.peer.settled();
    expect(open).toHaveBeenCalledTimes(1);
  });
});

describe("a doc's first write", () => {
  it('builds exactly the views of the usual path, reading no doc and no view', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    await bob.peer.createPost({ text: 'public, then edited', audience: 'public' });
    testClock.advance(1000);
    const secret = await bob.peer.createPost({
      text: 'friends only, @alice',
      mentions: [alice.id],
    });
    testClock.advance(1000);
    const edited = await bob.peer.createPost({ text: 'first words' });
    testClock.advance(1000);
    await bob.peer.editPost(edited.postId, { text: 'second words' });
    await bob.peer.comment(secret, 'a comment of my own');
    await bob.peer.react(secret, 'wow');
    const bytes = await entriesOf(bob, [bob.id]);

    const views = new Map<ApplyOrigin, Awaited<ReturnType<typeof viewsIn>>>();
    for (const origin of ['stored', 'again'] as const) {
      const reader = await readerOf(alice, bob);
      await reader.materializer.apply(await reader.take(bytes), origin);
      views.set(origin, await viewsIn(reader.store));
      if (origin === 'stored') {
        // Only the edited post's doc and view are read: every other post's one write is its first.
        expect(reader.store.docsRead.filter(isPostDoc)).toEqual([
          postKind.format({ kind: 'post', postId: edited.postId }),
        ]);
        expect(reader.store.postsRead).toEqual([`${bob.id}/${edited.postId}`]);
      }
    }
    const stored = views.get('stored')!;
    expect(stored.rows.map((r) => (r.summary as { text: string }).text)).toEqual([
      'second words',
      'friends only, @alice',
      'public, then edited',
    ]);
    expect(stored.replies.flat()).toHaveLength(2);
    expect(stored.notifications).toHaveLength(1);
    expect(stored).toEqual(views.get('again'));
  });

  it("an entry that is not its doc's first still reads its doc and its view", async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    const post = await bob.peer.createPost({ text: 'before', audience: 'public' });
    const first = await readerOf(alice, bob);
    await first.materializer.apply(await first.take(await entriesOf(bob, [bob.id])), 'stored');
    expect(first.store.docsRead.filter(isPostDoc)).toEqual([]);
    expect(first.store.postsRead).toEqual([]);
    const [before] = (await first.store.timelinePage({ limit: 5 })).items;

    testClock.advance(60_000);
    await bob.peer.editPost(post.postId, { text: 'after' });
    // A new materializer over the same store: the post's doc is not open, it must be read.
    const next = await readerOf(alice, bob, first.store);
    const edit = await next.take(await entriesOf(bob, [bob.id]));
    expect(edit).toHaveLength(1);
    await next.materializer.apply(edit, 'stored');
    expect(next.store.docsRead.filter(isPostDoc)).toEqual([
      postKind.format({ kind: 'post', postId: post.postId }),
    ]);
    expect(next.store.postsRead).toEqual([before!.postId]);
    const rows = (await next.store.timelinePage({ limit: 5 })).items;
    // The edit shows, and the post keeps its place (its `createdAt` as first shown).
    const summary = { ...postSummary(before!), text: 'after', editedAt: testClock.now() };
    expect(rows).toEqual([{ ...before, summary }]);
  });

  it('keeps the content keys its friends-only posts open with in the views transaction', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    const posts = [];
    for (let i = 0; i < 3; i++) posts.push(await bob.peer.createPost({ text: `secret ${i}` }));
    const reader = await readerOf(alice, bob);
    const stored = await reader.take(await entriesOf(bob, [bob.id]));
    reader.store.settingsAlone.length = 0;
    await reader.materializer.apply(stored, 'stored');
    expect(reader.store.settingsAlone.filter((key) => key.startsWith('keys/content/'))).toEqual([]);
    expect(reader.store.settingsAlone.filter((key) => key.startsWith('keys/reply-tag/'))).toEqual(
      [],
    );
    // Written all the same: a keyring opened anew over the store holds each key and its tag.
    const later = new Keyring(
      reader.store,
      alice.id,
      {
        publicKey: alice.identity.encryptionPublicKey,
        privateKey: alice.identity.encryptionPrivateKey,
      },
      () => null,
    );
    for (const post of posts) {
      expect(await later.contentKey(bob.id, post.postId)).not.toBeNull();
      const tag = await later.replyTagOf(bob.id, post.postId);
      expect(await later.postOfTag(tag!)).toEqual({ postAuthor: bob.id, postId: post.postId });
    }
    expect((await reader.store.timelinePage({ limit: 5 })).items).toHaveLength(3);
  });
});
