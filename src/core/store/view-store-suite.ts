/**
 * The behaviour every `ViewStore` must show (timeline, posts by author, comments and reactions,
 * view batches, notifications). Each whole `StorageAdapter`'s test file calls `runViewStoreSuite`
 * beside `runLogStoreSuite` (a view batch writes settings too).
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreClosedError, StoreInputError } from './errors.ts';
import type {
  PostItemView,
  PostView,
  StorageAdapter,
  StoredEntry,
  ViewWrite,
} from './storage-adapter.ts';
import {
  ALICE,
  BOB,
  LAPTOP,
  PHONE,
  newestFirst,
  testEntries,
  testEntry,
  testPost,
} from './store-test-helpers.ts';

/** Makes a fresh, empty adapter. */
export type MakeAdapter = () => Promise<StorageAdapter>;

async function readAllPages(
  read: (before: { createdAt: number; id: string } | undefined) => Promise<{
    items: readonly PostView[];
    next: { createdAt: number; id: string } | null;
  }>,
): Promise<string[]> {
  const ids: string[] = [];
  let before: { createdAt: number; id: string } | undefined;
  for (;;) {
    const page = await read(before);
    ids.push(...page.items.map((p) => p.postId));
    if (!page.next) return ids;
    before = page.next;
  }
}

/** Registers the shared view-store tests under `describe(name)`. */
export function runViewStoreSuite(name: string, makeAdapter: MakeAdapter): void {
  describe(`ViewStore: ${name}`, () => {
    let store: StorageAdapter;
    beforeEach(async () => {
      store = await makeAdapter();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('timeline views', () => {
      it('pages newest first with equal times, none duplicated or skipped', async () => {
        const posts: PostView[] = [];
        // Five posts share each timestamp, and ids are inserted out of order.
        for (let i = 0; i < 53; i++) {
          posts.push(testPost(`p${(i * 37) % 53}`, i % 2 ? ALICE : BOB, 1000 + Math.floor(i / 5)));
        }
        await store.putPostViews(posts);
        const expected = posts
          .map((p) => ({ createdAt: p.createdAt, id: p.postId }))
          .sort(newestFirst)
          .map((k) => k.id);
        const ids = await readAllPages((before) =>
          store.timelinePage(before ? { before, limit: 7 } : { limit: 7 }),
        );
        expect(ids).toEqual(expected);
        const first = await store.timelinePage({ limit: 53 });
        expect(first.items).toHaveLength(53);
        expect(first.next).toBeNull();
        expect(first.items[0]).toEqual(posts.find((p) => p.postId === expected[0]));
      });

      it('moves an edited post instead of duplicating it, and lists posts by author', async () => {
        await store.putPostViews([
          testPost('a1', ALICE, 10),
          testPost('b1', BOB, 20),
          testPost('a2', ALICE, 30),
        ]);
        await store.putPostViews([testPost('a1', ALICE, 40)]);
        const page = await store.timelinePage({ limit: 10 });
        expect(page.items.map((p) => p.postId)).toEqual(['a1', 'a2', 'b1']);
        const alice = await readAllPages((before) =>
          store.authorPostsPage(ALICE, before ? { before, limit: 1 } : { limit: 1 }),
        );
        expect(alice).toEqual(['a1', 'a2']);
        expect((await store.authorPostsPage(BOB, { limit: 5 })).items.map((p) => p.postId)).toEqual(
          ['b1'],
        );
        expect(await store.getPostView('a1')).toEqual(testPost('a1', ALICE, 40));
      });

      it('refuses bad page requests', async () => {
        await expect(store.timelinePage({ limit: 0 })).rejects.toBeInstanceOf(StoreInputError);
        await expect(store.timelinePage({ limit: 100_000 })).rejects.toBeInstanceOf(
          StoreInputError,
        );
        await expect(
          store.timelinePage({ limit: 5, before: { createdAt: Number.NaN, id: 'x' } }),
        ).rejects.toBeInstanceOf(StoreInputError);
      });

      it('lists comments and reactions by post, oldest first, and removes them with the post', async () => {
        const item = (
          itemId: string,
          postId: string,
          createdAt: number,
          kind: PostItemView['kind'],
        ): PostItemView => ({
          itemId,
          postId,
          kind,
          author: BOB,
          createdAt,
          summary: kind === 'comment' ? { text: itemId } : { emoji: '+1' },
        });
        await store.putPostViews([testPost('p1', ALICE, 1), testPost('p2', ALICE, 2)]);
        await store.putPostItems([
          item('c3', 'p1', 5, 'comment'),
          item('c1', 'p1', 5, 'comment'),
          item('r1', 'p1', 3, 'reaction'),
          item('c9', 'p2', 1, 'comment'),
        ]);
        expect((await store.itemsByPost('p1')).map((i) => i.itemId)).toEqual(['r1', 'c1', 'c3']);
        expect(await store.itemsByPost('p2')).toEqual([item('c9', 'p2', 1, 'comment')]);
        await store.removePostItem('c1');
        expect((await store.itemsByPost('p1')).map((i) => i.itemId)).toEqual(['r1', 'c3']);
        await store.removePostView('p1');
        expect(await store.itemsByPost('p1')).toEqual([]);
        expect(await store.getPostView('p1')).toBeUndefined();
        expect((await store.timelinePage({ limit: 5 })).items.map((p) => p.postId)).toEqual(['p2']);
        expect(await store.itemsByPost('p2')).toHaveLength(1);
      });
    });

    describe('view batches', () => {
      const comment = (itemId: string, postId: string, createdAt: number): PostItemView => ({
        itemId,
        postId,
        kind: 'comment',
        author: BOB,
        createdAt,
        summary: { text: itemId },
      });
      const note = (id: string, createdAt: number) => ({
        id,
        kind: 'comment',
        createdAt,
        read: false,
        summary: { text: id },
      });

      it('applies view changes in order, a removed post taking its items with it', async () => {
        await store.putPostItems([comment('old', 'p1', 1)]);
        await store.setSetting('gone', 1);
        await store.writeViews([
          { op: 'putPost', post: testPost('p1', ALICE, 1) },
          { op: 'putItem', item: comment('c1', 'p1', 2) },
          { op: 'removePost', postId: 'p1' },
          { op: 'putPost', post: testPost('p1', ALICE, 3) },
          { op: 'putItem', item: comment('c2', 'p1', 4) },
          { op: 'putPost', post: testPost('p2', BOB, 2) },
          { op: 'putItem', item: comment('c3', 'p2', 5) },
          { op: 'removeItem', itemId: 'c3' },
          { op: 'putNotification', notification: note('n1', 6) },
          { op: 'setSetting', key: 'kept', value: { a: 1 } },
          { op: 'setSetting', key: 'gone', value: undefined },
        ]);
        expect(await store.getPostViews(['p1', 'nope', 'p2'])).toEqual([
          testPost('p1', ALICE, 3),
          undefined,
          testPost('p2', BOB, 2),
        ]);
        expect((await store.itemsByPost('p1')).map((i) => i.itemId)).toEqual(['c2']);
        expect(await store.itemsByPost('p2')).toEqual([]);
        expect((await store.notificationsPage({ limit: 5 })).items).toEqual([note('n1', 6)]);
        expect(await store.getSetting('kept')).toEqual({ a: 1 });
        expect(await store.getSetting('gone')).toBeUndefined();
      });

      it('takes a post said to be new that is held already as a replacement, not a second row', async () => {
        // Posts written before p1, after it and later: in a packed store, p1 is in an older
        // slice than where new posts go.
        const others = Array.from({ length: 150 }, (_, i) => testPost(`o${i}`, BOB, 10 + i));
        await store.putPostItems([comment('c1', 'p1', 2)]);
        await store.writeViews([
          ...others.slice(0, 50).map((post) => ({ op: 'putPost' as const, post })),
          { op: 'putPost', post: testPost('p1', ALICE, 1) },
          ...others.slice(50, 100).map((post) => ({ op: 'putPost' as const, post })),
        ]);
        await store.putPostViews(others.slice(100));
        await store.writeViews([
          { op: 'putPost', post: testPost('p2', BOB, 2), knownNew: true },
          { op: 'putPost', post: testPost('p1', ALICE, 5), knownNew: true },
          { op: 'setSetting', key: 'kept', value: 1 },
        ]);
        const timeline = await readAllPages((before) => store.timelinePage({ before, limit: 9 }));
        expect(timeline.slice(-2)).toEqual(['p1', 'p2']);
        expect(timeline).toHaveLength(152);
        expect(await store.getPostView('p1')).toEqual(testPost('p1', ALICE, 5));
        expect(await store.itemsByPost('p1')).toHaveLength(1);
        expect(await store.getSetting('kept')).toBe(1);
        await expect(
          store.writeViews([
            { op: 'putPost', post: testPost('p3', BOB, 3), knownNew: false as unknown as true },
          ]),
        ).rejects.toBeInstanceOf(StoreInputError);
      });

      it('keeps every read equal to the posts written, over batches of puts, moves and removals', async () => {
        // Enough posts to fill several slices of a packed store (`post-slices.ts`), taken out
        // and put back; `knownNew` is sometimes true of a post that is held (a wrong hint).
        const ids = Array.from({ length: 160 }, (_, i) => `p${String(i).padStart(3, '0')}`);
        // Mostly `knownNew` puts, so a batch often looks up no post of an older slice.
        const change = fc.oneof(
          {
            weight: 6,
            arbitrary: fc.record({
              op: fc.constant('put' as const),
              id: fc.constantFrom(...ids),
              bob: fc.boolean(),
              at: fc.integer({ min: 1, max: 40 }),
              knownNew: fc.constantFrom(true, true, true, false),
            }),
          },
          {
            weight: 1,
            arbitrary: fc.record({
              op: fc.constant('remove' as const),
              id: fc.constantFrom(...ids),
            }),
          },
        );
        const batches = fc.array(fc.array(change, { minLength: 40, maxLength: 100 }), {
          minLength: 2,
          maxLength: 5,
        });
        await fc.assert(
          fc.asyncProperty(batches, async (changes) => {
            const s = await makeAdapter();
            try {
              const model = new Map<string, PostView>();
              for (const batch of changes) {
                await s.writeViews(
                  batch.map((c): ViewWrite => {
                    if (c.op === 'remove') return { op: 'removePost', postId: c.id };
                    const post = testPost(c.id, c.bob ? BOB : ALICE, c.at);
                    return c.knownNew
                      ? { op: 'putPost', post, knownNew: true }
                      : { op: 'putPost', post };
                  }),
                );
                for (const c of batch) {
                  if (c.op === 'remove') model.delete(c.id);
                  else model.set(c.id, testPost(c.id, c.bob ? BOB : ALICE, c.at));
                }
              }
              const expected = (author?: string) =>
                [...model.values()]
                  .filter((p) => !author || p.author === author)
                  .map((p) => ({ createdAt: p.createdAt, id: p.postId }))
                  .sort(newestFirst)
                  .map((p) => p.id);
              expect(await readAllPages((before) => s.timelinePage({ before, limit: 7 }))).toEqual(
                expected(),
              );
              expect(
                await readAllPages((before) => s.authorPostsPage(BOB, { before, limit: 5 })),
              ).toEqual(expected(BOB));
              expect(await s.getPostViews(ids)).toEqual(ids.map((id) => model.get(id)));
            } finally {
              await s.close();
            }
          }),
          { numRuns: 30 },
        );
      });

      it('refuses a whole batch with one malformed change, and takes it whole once fixed', async () => {
        const good = [
          { op: 'putPost', post: testPost('p1', ALICE, 1) },
          { op: 'putItem', item: comment('c1', 'p1', 2) },
          { op: 'putNotification', notification: note('n1', 3) },
        ] as const;
        await expect(
          store.writeViews([...good, { op: 'putPost', post: testPost('p2', ALICE, Number.NaN) }]),
        ).rejects.toBeInstanceOf(StoreInputError);
        expect(await store.getPostViews(['p1'])).toEqual([undefined]);
        expect(await store.itemsByPost('p1')).toEqual([]);
        expect(await store.unreadCount()).toBe(0);
        await store.writeViews(good);
        expect(await store.getPostViews(['p1'])).toEqual([testPost('p1', ALICE, 1)]);
        expect(await store.itemsByPost('p1')).toHaveLength(1);
        expect(await store.unreadCount()).toBe(1);
      });
    });

    describe('views owed to stored entries', () => {
      const positions = (entries: readonly StoredEntry[]) =>
        entries.map(({ author, device, seq }) => `${author}/${device}/${seq}`);

      it('owes the views of every new entry until a view write settles it', async () => {
        await store.putEntries([
          ...testEntries(BOB, PHONE, 1, 2),
          ...testEntries(ALICE, LAPTOP, 1, 3),
        ]);
        const owed = await store.owedEntries(10);
        expect(positions(owed)).toEqual([
          `${ALICE}/${LAPTOP}/1`,
          `${ALICE}/${LAPTOP}/2`,
          `${ALICE}/${LAPTOP}/3`,
          `${BOB}/${PHONE}/1`,
          `${BOB}/${PHONE}/2`,
        ]);
        expect(owed[0]).toEqual(testEntry(ALICE, LAPTOP, 1));
        expect(positions(await store.owedEntries(2))).toHaveLength(2);
        // A cursor: from just past a position, in log order (seq as a number: 3 after 2).
        expect(positions(await store.owedEntries(2, owed[1]))).toEqual([
          `${ALICE}/${LAPTOP}/3`,
          `${BOB}/${PHONE}/1`,
        ]);
        // Held again, an entry is not owed again.
        await store.writeViews(
          [{ op: 'putPost', post: testPost('p1', ALICE, 1) }],
          owed.slice(0, 4),
        );
        await store.putEntries(testEntries(ALICE, LAPTOP, 1, 3));
        expect(positions(await store.owedEntries(10))).toEqual([`${BOB}/${PHONE}/2`]);
        await store.writeViews([], [testEntry(BOB, PHONE, 2)]);
        expect(await store.owedEntries(10)).toEqual([]);
        expect(await store.getPostViews(['p1'])).toEqual([testPost('p1', ALICE, 1)]);
      });

      it("keeps a friend of a friend's post off the timeline until someone here answers it", async () => {
        // BOB stands for the stranger: `via` marks the views of someone who is not a friend.
        const unanswered = { ...testPost('b1', BOB, 30), via: [] };
        await store.putPostViews([
          testPost('a1', ALICE, 10),
          unanswered,
          testPost('a2', ALICE, 50),
        ]);
        await store.writeViews([{ op: 'putPost', post: { ...testPost('b2', BOB, 40), via: [] } }]);
        const timeline = () =>
          readAllPages((before) =>
            store.timelinePage(before ? { before, limit: 1 } : { limit: 1 }),
          );
        expect(await timeline()).toEqual(['a2', 'a1']);
        expect((await store.authorPostsPage(BOB, { limit: 10 })).items).toEqual([
          { ...testPost('b2', BOB, 40), via: [] },
          unanswered,
        ]);
        const answered = { ...unanswered, via: [{ person: ALICE, kind: 'comment' as const }] };
        await store.putPostViews([answered]);
        expect(await timeline()).toEqual(['a2', 'b1', 'a1']);
        expect(await store.getPostView('b1')).toEqual(answered);
        // Answered no more (the answer deleted): off the timeline again, still on the profile.
        await store.writeViews([{ op: 'putPost', post: unanswered }]);
        expect(await timeline()).toEqual(['a2', 'a1']);
        expect((await store.authorPostsPage(BOB, { limit: 10 })).items).toHaveLength(2);
        // A friend now: a post view without `via` is an ordinary timeline row.
        await store.putPostViews([testPost('b1', BOB, 30)]);
        expect(await timeline()).toEqual(['a2', 'b1', 'a1']);
        await expect(
          store.putPostViews([{ ...unanswered, via: [{ person: ALICE, kind: 'like' as never }] }]),
        ).rejects.toBeInstanceOf(StoreInputError);
      });

      it('keeps owing them when the view write is refused', async () => {
        await store.putEntries(testEntries(BOB, PHONE, 1, 1));
        await expect(
          store.writeViews(
            [{ op: 'putPost', post: testPost('p2', ALICE, Number.NaN) }],
            testEntries(BOB, PHONE, 1, 1),
          ),
        ).rejects.toBeInstanceOf(StoreInputError);
        await expect(
          store.writeViews([], [{ author: BOB, device: PHONE, seq: 0 }]),
        ).rejects.toBeInstanceOf(StoreInputError);
        expect(positions(await store.owedEntries(10))).toEqual([`${BOB}/${PHONE}/1`]);
      });

      it('forgets positions whose entry is no longer held', async () => {
        await store.putEntries(testEntries(BOB, PHONE, 1, 4));
        await store.pruneLog(BOB, PHONE, 3);
        expect(positions(await store.owedEntries(10))).toEqual([
          `${BOB}/${PHONE}/3`,
          `${BOB}/${PHONE}/4`,
        ]);
        await store.pruneLog(BOB, PHONE, Number.POSITIVE_INFINITY);
        expect(await store.owedEntries(10)).toEqual([]);
        await expect(store.owedEntries(0)).rejects.toBeInstanceOf(StoreInputError);
      });
    });

    describe('notifications', () => {
      it('pages newest first, counts unread and marks them read', async () => {
        for (let i = 0; i < 12; i++) {
          await store.putNotification({
            id: `n${String(i).padStart(2, '0')}`, // padded: ids tie-break as strings
            kind: 'comment',
            createdAt: 100 + Math.floor(i / 3),
            read: i < 2,
            summary: { from: 'bob' },
          });
        }
        expect(await store.unreadCount()).toBe(10);
        const first = await store.notificationsPage({ limit: 5 });
        expect(first.items.map((n) => n.id)).toEqual(['n11', 'n10', 'n09', 'n08', 'n07']);
        const second = await store.notificationsPage({ limit: 10, before: first.next! });
        expect(second.items.map((n) => n.id)).toEqual([
          'n06',
          'n05',
          'n04',
          'n03',
          'n02',
          'n01',
          'n00',
        ]);
        expect(second.next).toBeNull();
        expect(second.items.at(-1)).toEqual({
          id: 'n00',
          kind: 'comment',
          createdAt: 100,
          read: true,
          summary: { from: 'bob' },
        });
        await store.markRead(['n11', 'n10', 'n00', 'unknown']);
        expect(await store.unreadCount()).toBe(8);
        expect((await store.notificationsPage({ limit: 1 })).items[0]?.read).toBe(true);
        await store.putNotification({
          id: 'n11',
          kind: 'comment',
          createdAt: 1,
          read: false,
          summary: null,
        });
        expect(await store.unreadCount()).toBe(9);
        expect((await store.notificationsPage({ limit: 1 })).items[0]?.id).toBe('n10');
      });
    });

    it('rejects every call after close with StoreClosedError', async () => {
      await store.close();
      await expect(store.timelinePage({ limit: 1 })).rejects.toBeInstanceOf(StoreClosedError);
      await expect(store.writeViews([{ op: 'removePost', postId: 'p' }])).rejects.toBeInstanceOf(
        StoreClosedError,
      );
    });
  });
}
