/**
 * The materializer writes views in batches: one transaction for a batch of entries, each
 * payload opened once, and this device's own writes not opened again.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EntryVerifier } from '../feed/entry-verifier.ts';
import { postKind } from '../kinds/post.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import type { PostView, ViewWrite } from '../store/storage-adapter.ts';
import { Ingestor } from '../sync/ingest.ts';
import { Peer } from './peer.ts';
import { befriend, entriesOf, makePeople, testClock } from './test-people.ts';

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
    await alice.ingestor.ingest(await entriesOf(bob, [bob.id]));
    await alice.peer.settled();
    expect(store.batches - before).toBe(1);
    expect(store.single).toBe(0);
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
