/**
 * Opening the app reads one page of the timeline through an index, whatever the number of
 * posts. fake-indexeddb's cursor is instrumented (before `idb` first looks it up) to count
 * the rows each page read walks.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { IdbStorageAdapter } from './idb-storage-adapter.ts';
import type { PageCursor, PostView } from './storage-adapter.ts';
import { ALICE, BOB, newestFirst, testPost } from './store-test-helpers.ts';

let cursorSteps = 0;
const realContinue = IDBCursor.prototype.continue;
IDBCursor.prototype.continue = function (this: IDBCursor, key?: IDBValidKey) {
  cursorSteps++;
  realContinue.call(this, key);
};

const POSTS = 5000;
const PAGE = 20;

describe('IdbStorageAdapter timeline of 5,000 posts', () => {
  it('reads pages of 20 through the index, in order, none duplicated or skipped', async () => {
    const store = await IdbStorageAdapter.open({ indexedDB: new IDBFactory() });
    const posts: PostView[] = [];
    for (let i = 0; i < POSTS; i++) {
      // Ten posts per millisecond, so every page boundary falls among equal timestamps.
      posts.push(
        testPost(`p${(i * 7919) % POSTS}`, i % 3 ? ALICE : BOB, 1_000_000 + Math.floor(i / 10)),
      );
    }
    await store.putPostViews(posts);
    const expected = posts
      .map((p) => ({ createdAt: p.createdAt, id: p.postId }))
      .sort(newestFirst)
      .map((k) => k.id);

    const seen: string[] = [];
    let before: PageCursor | undefined;
    let pages = 0;
    let maxSteps = 0;
    for (;;) {
      cursorSteps = 0;
      const page = await store.timelinePage(before ? { before, limit: PAGE } : { limit: PAGE });
      maxSteps = Math.max(maxSteps, cursorSteps);
      pages++;
      seen.push(...page.items.map((p) => p.postId));
      if (!page.next) break;
      expect(page.items).toHaveLength(PAGE);
      before = page.next;
    }
    expect(pages).toBe(POSTS / PAGE);
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(POSTS);
    // A page walks its 20 rows plus the one that tells whether more exist: never the store.
    expect(maxSteps).toBeGreaterThan(0);
    expect(maxSteps).toBeLessThanOrEqual(PAGE + 1);

    cursorSteps = 0;
    const profile = await store.authorPostsPage(BOB, { limit: PAGE });
    expect(profile.items.every((p) => p.author === BOB)).toBe(true);
    expect(profile.items).toHaveLength(PAGE);
    expect(cursorSteps).toBeLessThanOrEqual(PAGE + 1);
    await store.close();
  });
});
