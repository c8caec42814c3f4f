import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { befriend, handOver, makePeople, type TestPerson } from '../peer/test-people.ts';
import type { CatchUpCursor, CursorStore, SearchSource } from './search-indexer.ts';
import { SearchIndexer } from './search-indexer.ts';
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
});
