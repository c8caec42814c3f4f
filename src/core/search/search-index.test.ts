import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { PersonId } from '../ids.ts';
import { SearchIndex, type SearchDoc, type SearchKey } from './search-index.ts';

const LIMITS = { people: 5, posts: 10, comments: 10 };
const ada = 'ada' as PersonId;
let dbCount = 0;

async function freshIndex(): Promise<{ name: string; index: SearchIndex }> {
  const name = `search-test-${++dbCount}`;
  return { name, index: await SearchIndex.open(name) };
}

function put(index: SearchIndex, docs: readonly SearchDoc[]): Promise<void> {
  return index.apply(docs.map((doc) => ({ put: doc })));
}

function remove(index: SearchIndex, keys: readonly SearchKey[]): Promise<void> {
  return index.apply(keys.map((key) => ({ remove: key })));
}

function post(id: string, text: string, at = 1): SearchDoc {
  return { kind: 'post', post: `ada/${id}`, at, text };
}

describe('SearchIndex', () => {
  it('finds people, posts and comments by a word, each in its own group', async () => {
    const { index } = await freshIndex();
    await put(index, [
      { kind: 'person', person: ada, name: 'Ada Lovelace' },
      post('p1', 'The analytical engine weaves patterns'),
      { kind: 'comment', item: 'ben/c1', post: 'ada/p1', at: 2, text: 'Lovely engine!' },
    ]);
    expect(await index.search('engine', LIMITS)).toEqual({
      people: [],
      posts: ['ada/p1'],
      comments: [{ item: 'ben/c1', post: 'ada/p1' }],
    });
    expect((await index.search('lovelace', LIMITS)).people).toEqual([ada]);
    expect(await index.search('   ', LIMITS)).toEqual({ people: [], posts: [], comments: [] });
  });

  it('finds a word by its first letters while it is typed', async () => {
    const { index } = await freshIndex();
    await put(index, [post('p1', 'Picnic at the lighthouse')]);
    expect((await index.search('ligh', LIMITS)).posts).toEqual(['ada/p1']);
    expect((await index.search('picnic lig', LIMITS)).posts).toEqual(['ada/p1']);
    expect((await index.search('picnic harbour', LIMITS)).posts).toEqual([]);
  });

  it('folds accents and case both ways, keeps numbers whole, and finds words of unspaced scripts', async () => {
    const { index } = await freshIndex();
    await put(index, [
      post('p1', 'Café crème in Zürich'),
      post('p2', 'resume of the week'),
      post('p3', '東京で会いましょう'),
      post('p4', 'Встреча в Москве'),
      post('p5', 'Seeded post #4711'),
    ]);
    expect((await index.search('cafe creme', LIMITS)).posts).toEqual(['ada/p1']);
    expect((await index.search('ZURICH', LIMITS)).posts).toEqual(['ada/p1']);
    expect((await index.search('résumé', LIMITS)).posts).toEqual(['ada/p2']);
    expect((await index.search('東京', LIMITS)).posts).toEqual(['ada/p3']);
    expect((await index.search('москв', LIMITS)).posts).toEqual(['ada/p4']);
    expect((await index.search('post 4711', LIMITS)).posts).toEqual(['ada/p5']);
    expect((await index.search('post 4712', LIMITS)).posts).toEqual([]);
  });

  it('lists the newest first, and finds what common words share beyond the first documents read', async () => {
    const { index } = await freshIndex();
    // More documents than one query word reads at first, all with the same two words.
    const many = Array.from({ length: 600 }, (_, i) => post(`p${i}`, `common words ${i}`, i));
    await put(index, [...many, post('old', 'common words rare', -1)]);
    expect((await index.search('common', { ...LIMITS, posts: 3 })).posts).toEqual([
      'ada/p599',
      'ada/p598',
      'ada/p597',
    ]);
    expect((await index.search('common words rare', LIMITS)).posts).toEqual(['ada/old']);
    expect((await index.search('words 42', LIMITS)).posts).toHaveLength(10);
    expect((await index.search('words 42', LIMITS)).posts[0]).toBe('ada/p429');
    expect((await index.search('words 598', LIMITS)).posts).toEqual(['ada/p598']);
  });

  it('forgets the old words of an edited post and keeps the new ones', async () => {
    const { index } = await freshIndex();
    await put(index, [post('p1', 'Meet at the harbour', 5)]);
    await put(index, [post('p1', 'Meet at the station', 4)]);
    expect((await index.search('harbour', LIMITS)).posts).toEqual([]);
    expect((await index.search('station', LIMITS)).posts).toEqual(['ada/p1']);
    expect((await index.search('meet', LIMITS)).posts).toEqual(['ada/p1']);
  });

  it('forgets a deleted comment, and a deleted post with its comments', async () => {
    const { index } = await freshIndex();
    await put(index, [
      post('p1', 'Garden party'),
      post('p2', 'Garden tools'),
      { kind: 'comment', item: 'ben/c1', post: 'ada/p1', at: 2, text: 'Bring lemonade' },
      { kind: 'comment', item: 'ben/c2', post: 'ada/p2', at: 3, text: 'Lend me the lemon press' },
    ]);
    await remove(index, [{ kind: 'comment', item: 'ben/c2' }]);
    expect((await index.search('lemon', LIMITS)).comments).toEqual([
      { item: 'ben/c1', post: 'ada/p1' },
    ]);
    await remove(index, [{ kind: 'post', post: 'ada/p1' }]);
    expect(await index.search('lemonade', LIMITS)).toEqual({ people: [], posts: [], comments: [] });
    expect((await index.search('garden', LIMITS)).posts).toEqual(['ada/p2']);
    await remove(index, [{ kind: 'person', person: ada }]);
  });

  it('keeps the index and its queue when opened again; a queued record leaves as it is indexed', async () => {
    const { name, index } = await freshIndex();
    await put(index, [
      { kind: 'person', person: ada, name: 'Ada' },
      post('p1', 'Kept across a reload'),
    ]);
    await index.enqueue([{ put: post('p2', 'Queued before the reload') }]);
    await index.enqueue([{ remove: { kind: 'post', post: 'ada/p1' } }]);
    index.close();
    const reopened = await SearchIndex.open(name);
    expect((await reopened.search('reload', LIMITS)).posts).toEqual(['ada/p1']);
    expect((await reopened.search('ada', LIMITS)).people).toEqual([ada]);
    const first = await reopened.pending(1);
    expect(first.changes).toEqual([{ put: post('p2', 'Queued before the reload') }]);
    await reopened.apply(first.changes, first.records);
    const second = await reopened.pending(10);
    expect(second.changes).toEqual([{ remove: { kind: 'post', post: 'ada/p1' } }]);
    await reopened.apply(second.changes, second.records);
    expect((await reopened.pending(10)).records).toEqual([]);
    expect((await reopened.search('reload', LIMITS)).posts).toEqual(['ada/p2']);
    reopened.close();
  });
});
