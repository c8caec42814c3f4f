import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { befriend, handOver, makePeople, type TestPerson } from '../peer/test-people.ts';
import type { PersonId } from '../ids.ts';
import type { ViewWrite } from '../store/storage-adapter.ts';
import type { CatchUpCursor, CursorStore, SearchSource } from './search-indexer.ts';
import { MAX_WAIT_MS, QUIET_MS, SearchIndexer } from './search-indexer.ts';
import { searchSourceOf } from './search-source.ts';

import { SearchIndex } from './search-index.ts';

const LIMITS = { people: 5, posts: 10, comments: 10 };
let dbCount = 0;

function memoryCursor(): CursorStore & { value?: CatchUpCursor } {
  const store: CursorStore & { value?: CatchUpCursor } = {
    read: async () => store.value,
    write: async (value) => void (store.value = value),
  };
  return store;
}

/** `person`'s search, following their peer; live batches are applied on `settled()` only. */
async function searchOf(
  person: TestPerson,
  cursor: CursorStore = memoryCursor(),
  source: SearchSource = searchSourceOf(person.peer, person.store),
): Promise<{ index: SearchIndex; indexer: SearchIndexer }> {
  const index = await SearchIndex.open(`indexer-test-${++dbCount}`);
  const indexer = new SearchIndexer({ index, source, cursor, later: () => undefined });
  return { index, indexer };
}

describe('SearchIndexer', () => {
  it("follows the views: a friend's name, post and comment, their edit and their deletion", async () => {
    const [ada, ben] = await makePeople('Ada', 'Ben');
    await befriend(ada, ben);
    const { index, indexer } = await searchOf(ada);

    await ben.peer.setProfile({ name: 'Ben Okri' });
    const post = await ben.peer.createPost({ text: 'Kayaking on the fjord tomorrow' });
    await handOver(ben, ada);
    const comment = await ada.peer.comment(post, 'Bring a thermos');
    await indexer.settled();
    expect((await index.search('okri', LIMITS)).people).toEqual([ben.id]);
    expect((await index.search('fjord', LIMITS)).posts).toEqual([`${ben.id}/${post.postId}`]);
    expect((await index.search('therm', LIMITS)).comments).toEqual([
      { item: expect.stringContaining(comment), post: `${ben.id}/${post.postId}` },
    ]);

    await ben.peer.editPost(post.postId, { text: 'Hiking in the valley tomorrow' });
    await handOver(ben, ada);
    await indexer.settled();
    expect((await index.search('fjord', LIMITS)).posts).toEqual([]);
    expect((await index.search('valley', LIMITS)).posts).toEqual([`${ben.id}/${post.postId}`]);

    await ada.peer.deleteComment(post, comment);
    await ada.peer.settled();
    await indexer.settled();
    expect((await index.search('thermos', LIMITS)).comments).toEqual([]);

    await ben.peer.deletePost(post.postId);
    await handOver(ben, ada);
    await indexer.settled();
    expect((await index.search('valley', LIMITS)).posts).toEqual([]);
    await indexer.close();
  });

  it('only queues what the views wrote; the queue is indexed when idle, and after a restart', async () => {
    const [ada, ben] = await makePeople('Ada', 'Ben');
    await befriend(ada, ben);
    const name = `indexer-test-${++dbCount}`;
    const index = await SearchIndex.open(name);
    const idle: (() => void)[] = [];
    const indexerOf = (on: SearchIndex) =>
      new SearchIndexer({
        index: on,
        source: searchSourceOf(ada.peer, ada.store),
        cursor: memoryCursor(),
        later: (task) => idle.push(task),
      });
    const first = indexerOf(index);
    await ben.peer.createPost({ text: 'Lanterns at the river tonight' });
    await handOver(ben, ada);
    await ben.peer.createPost({ text: 'Lanterns sold out' });
    await handOver(ben, ada);
    // The views are written; the index has only queued the changes.
    await first.close();
    expect((await index.pending(100)).changes).toHaveLength(2);
    expect((await index.search('lanterns', LIMITS)).posts).toEqual([]);
    index.close();
    // The next start indexes the queue once the page is idle.
    const reopened = await SearchIndex.open(name);
    const second = indexerOf(reopened);
    idle.splice(0).forEach((task) => task());
    await second.settled();
    expect((await reopened.search('lanterns', LIMITS)).posts).toHaveLength(2);
    expect((await reopened.pending(100)).records).toEqual([]);
    await second.close();
  });

  it('indexes the views held before it existed once, page by page, and resumes from its cursor', async () => {
    const [ada, ben] = await makePeople('Ada', 'Ben');
    await befriend(ada, ben);
    await ben.peer.setProfile({ name: 'Ben' });
    for (let i = 0; i < 5; i++) await ben.peer.createPost({ text: `Older post ${i} about otters` });
    await handOver(ben, ada);
    const index = await SearchIndex.open(`indexer-test-${++dbCount}`);
    const cursor = memoryCursor();
    const source = searchSourceOf(ada.peer, ada.store);
    const reads: string[] = [];
    let failAt = 2;
    const flaky: SearchSource = {
      ...source,
      timelinePage: async (request) => {
        // The second page fails: the tab was closed while catching up.
        if (--failAt === 0) throw new Error('tab closed');
        reads.push(request.before?.id ?? 'first');
        return source.timelinePage(request);
      },
    };
    const progress: number[] = [];
    const indexerOf = () =>
      new SearchIndexer({
        index,
        source: flaky,
        cursor,
        pageSize: 2,
        later: (task) => task(),
        onProgress: (p) => progress.push(p.done),
      });
    const first = indexerOf();
    await expect(first.catchUp()).rejects.toThrow('tab closed');
    expect(cursor.value).toMatchObject({ phase: 'posts', done: 2 });
    expect((await index.search('otters', LIMITS)).posts).toHaveLength(2);
    await first.close();

    // The next start goes on after the first page: it never reads that page again.
    const second = indexerOf();
    await second.catchUp();
    expect(reads[0]).toBe('first');
    expect(reads.slice(1)).not.toContain('first');
    expect(cursor.value).toEqual({ phase: 'finished', done: 5 });
    expect(progress).toEqual([2, 4, 5, 5]);
    expect((await index.search('otters', LIMITS)).posts).toHaveLength(5);
    expect((await index.search('ben', LIMITS)).people).toEqual([ben.id]);

    // Finished: a later start reads no page at all.
    const count = reads.length;
    await indexerOf().catchUp();
    expect(reads.length).toBe(count);
    await second.close();
  });

  it('holds the queue back while views are written without pause, and never longer than MAX_WAIT_MS', async () => {
    let writeViews: (writes: readonly ViewWrite[]) => void = () => undefined;
    const source: SearchSource = {
      onViewWrites: (listener) => {
        writeViews = listener;
        return () => undefined;
      },
      timelinePage: async () => ({ items: [], next: null }),
      itemsByPost: async () => [],
      people: async () => [],
      name: async () => null,
    };
    const post = (postId: string, text: string): ViewWrite => ({
      op: 'putPost',
      post: { postId, author: 'ben' as PersonId, createdAt: 1, summary: { text, photos: 0 } },
    });
    let clock = 0;
    const tasks: (() => void)[] = [];
    const behind: boolean[] = [];
    const index = await SearchIndex.open(`indexer-test-${++dbCount}`);
    const indexer = new SearchIndexer({
      index,
      source,
      cursor: memoryCursor(),
      later: (task) => tasks.push(task),
      now: () => clock,
      onBehind: (b) => behind.push(b),
    });
    const found = async (word: string) => (await index.search(word, LIMITS)).posts;
    /** Runs the task due and waits for the one it leaves (none once the queue is indexed). */
    const runDue = async (leavesOne = true) => {
      tasks.shift()!();
      if (leavesOne) await vi.waitFor(() => expect(tasks).toHaveLength(1));
    };
    await runDue(false); // The start's look at an earlier visit's queue: empty.
    await indexer.settled();

    // A sync writes views every half second: the queue waits for a pause.
    writeViews([post('p1', 'Lanterns at the river')]);
    await vi.waitFor(() => expect(tasks).toHaveLength(1));
    clock = 500;
    writeViews([post('p2', 'Lanterns sold out')]);
    clock = 600;
    await runDue();
    // Held back for one pause, as a lone post is: not yet "behind".
    expect(behind).toEqual([]);
    clock = QUIET_MS;
    writeViews([post('p2', 'Lanterns sold out, sorry')]);
    await runDue();
    expect(behind).toEqual([true]);
    expect(await found('lanterns')).toEqual([]);
    // The pause: indexed, and no longer behind.
    clock = 2 * QUIET_MS;
    await runDue();
    await runDue(false);
    await vi.waitFor(() => expect(behind).toEqual([true, false]));
    expect([...(await found('lanterns'))].sort()).toEqual(['p1', 'p2']);

    // Writes that never pause hold a change back MAX_WAIT_MS at most.
    const start = clock;
    writeViews([post('p3', 'Otters in the harbour')]);
    await vi.waitFor(() => expect(tasks).toHaveLength(1));
    clock = start + MAX_WAIT_MS - 100;
    writeViews([post('p4', 'More otters')]);
    await runDue();
    expect(await found('otters')).toEqual([]);
    clock = start + MAX_WAIT_MS;
    writeViews([post('p5', 'Otters again')]);
    await runDue();
    await runDue(false);
    await vi.waitFor(async () => expect(await found('otters')).toHaveLength(3));
    await indexer.close();
  });
});
