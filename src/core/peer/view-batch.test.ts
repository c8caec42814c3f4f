import { describe, expect, it } from 'vitest';
import { StoreInputError } from '../store/errors.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import type { PostItemView, ViewWrite } from '../store/storage-adapter.ts';
import { ALICE, BOB, testPost } from '../store/store-test-helpers.ts';
import { ViewBatch } from './view-batch.ts';

/** A memory store that counts its view writes and refuses a comment saying "too big". */
class CountingStore extends MemoryStorageAdapter {
  batches: (readonly ViewWrite[])[] = [];
  override async writeViews(writes: readonly ViewWrite[]): Promise<void> {
    this.batches.push(writes);
    const tooBig = writes.some((w) => w.op === 'putItem' && w.item.itemId.includes('too big'));
    if (tooBig) throw new StoreInputError('row too large');
    return super.writeViews(writes);
  }
}

function comment(itemId: string, postId: string, createdAt: number): PostItemView {
  return { itemId, postId, kind: 'comment', author: BOB, createdAt, summary: { text: itemId } };
}

describe('view batch', () => {
  it('reads its own changes over the store, and writes nothing before flush', async () => {
    const store = new CountingStore();
    await store.putPostViews([testPost('p1', ALICE, 1)]);
    await store.putPostItems([comment('c1', 'p1', 1), comment('c2', 'p1', 3)]);
    await store.setSetting('s', 1);
    const batch = new ViewBatch(store);
    await batch.fetch(['p1', 'p2']);
    await batch.putPostViews([testPost('p2', BOB, 2)]);
    await batch.putPostItems([comment('c3', 'p1', 2)]);
    await batch.removePostItem('c2');
    await batch.setSetting('s', undefined);
    expect(await batch.getPostView('p1')).toEqual(testPost('p1', ALICE, 1));
    expect(await batch.getPostView('p2')).toEqual(testPost('p2', BOB, 2));
    expect((await batch.itemsByPost('p1')).map((i) => i.itemId)).toEqual(['c1', 'c3']);
    expect(await batch.getSetting('s')).toBeUndefined();
    await batch.removePostView('p1');
    await batch.putPostViews([testPost('p1', ALICE, 5)]);
    await batch.putPostItems([comment('c4', 'p1', 6)]);
    expect((await batch.itemsByPost('p1')).map((i) => i.itemId)).toEqual(['c4']);
    // The store is as it was until the batch is flushed, then as the batch showed it.
    expect(await store.getPostView('p2')).toBeUndefined();
    expect(await store.itemsByPost('p1')).toHaveLength(2);
    expect(store.batches).toEqual([]);
    await batch.flush();
    expect(store.batches).toHaveLength(1);
    expect(await store.getPostViews(['p1', 'p2'])).toEqual([
      testPost('p1', ALICE, 5),
      testPost('p2', BOB, 2),
    ]);
    expect((await store.itemsByPost('p1')).map((i) => i.itemId)).toEqual(['c4']);
    expect(await store.getSetting('s')).toBeUndefined();
  });

  it('tells the store which posts it knows to be new, and no others', async () => {
    const store = new CountingStore();
    await store.putPostViews([testPost('held', ALICE, 1)]);
    const batch = new ViewBatch(store);
    await batch.fetch(['held', 'fetchedNone']);
    batch.absent(['first', 'held']);
    await batch.putPostViews([
      testPost('held', ALICE, 2),
      testPost('fetchedNone', BOB, 3),
      testPost('first', BOB, 4),
      testPost('unread', BOB, 5),
      testPost('first', BOB, 6),
    ]);
    await batch.flush();
    expect(
      store.batches[0]!.map((w) => (w.op === 'putPost' ? [w.post.postId, w.knownNew] : [])),
    ).toEqual([
      ['held', undefined],
      ['fetchedNone', true],
      ['first', true],
      // Never read: the batch cannot tell.
      ['unread', undefined],
      // Written once already in this batch: the store places the first write.
      ['first', undefined],
    ]);
  });

  it('refuses a malformed view at once, not at the write of the whole batch', async () => {
    const batch = new ViewBatch(new CountingStore());
    await expect(batch.putPostViews([testPost('p1', ALICE, Number.NaN)])).rejects.toBeInstanceOf(
      StoreInputError,
    );
  });

  it('writes a batch the store refuses whole again change by change, keeping out only the refused one', async () => {
    const store = new CountingStore();
    const batch = new ViewBatch(store);
    await batch.putPostViews([testPost('p1', ALICE, 1)]);
    await batch.putPostItems([comment('first', 'p1', 2), comment('too big', 'p1', 3)]);
    await batch.putPostItems([comment('third', 'p1', 4)]);
    await expect(batch.flush()).rejects.toBeInstanceOf(StoreInputError);
    expect(await store.getPostView('p1')).toEqual(testPost('p1', ALICE, 1));
    expect((await store.itemsByPost('p1')).map((i) => i.itemId)).toEqual(['first', 'third']);
    // Nothing is kept to be written twice.
    const writes = store.batches.length;
    await batch.flush();
    expect(store.batches).toHaveLength(writes);
  });
});
