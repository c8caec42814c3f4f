import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { PersonId } from '../ids.ts';
import type { SearchIndex as Index } from './search-index.ts';
import { useFakeBrowserGlobals } from './search-test-globals.ts';

useFakeBrowserGlobals();
// FlexSearch's IndexedDB adapter reads `window.indexedDB` as it loads: after the globals above.
const { SearchIndex } = await import('./search-index.ts');

const LIMITS = { people: 5, posts: 10, comments: 10 };
const ada = 'ada' as PersonId;
let dbCount = 0;

async function freshIndex(): Promise<{ name: string; index: Index }> {
  const name = `search-test-${++dbCount}`;
  return { name, index: await SearchIndex.open(name) };
}

describe('SearchIndex', () => {
  it('finds people, posts and comments by a word, each in its own group', async () => {
    const { index } = await freshIndex();
    await index.put([
      { kind: 'person', person: ada, name: 'Ada Lovelace' },
      { kind: 'post', post: 'ada/p1', text: 'The analytical engine weaves patterns' },
      { kind: 'comment', item: 'ben/c1', post: 'ada/p1', text: 'Lovely engine!' },
    ]);
    await index.commit();
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
    await index.put([{ kind: 'post', post: 'ada/p1', text: 'Picnic at the lighthouse' }]);
    await index.commit();
    expect((await index.search('ligh', LIMITS)).posts).toEqual(['ada/p1']);
    expect((await index.search('picnic lig', LIMITS)).posts).toEqual(['ada/p1']);
    expect((await index.search('picnic harbour', LIMITS)).posts).toEqual([]);
  });

  it('folds accents and case both ways, and finds words of unspaced scripts', async () => {
    const { index } = await freshIndex();
    await index.put([
      { kind: 'post', post: 'ada/p1', text: 'Café crème in Zürich' },
      { kind: 'post', post: 'ada/p2', text: 'resume of the week' },
      { kind: 'post', post: 'ada/p3', text: '東京で会いましょう' },
      { kind: 'post', post: 'ada/p4', text: 'Встреча в Москве' },
    ]);
    await index.commit();
    expect((await index.search('cafe creme', LIMITS)).posts).toEqual(['ada/p1']);
    expect((await index.search('ZURICH', LIMITS)).posts).toEqual(['ada/p1']);
    expect((await index.search('résumé', LIMITS)).posts).toEqual(['ada/p2']);
    expect((await index.search('東京', LIMITS)).posts).toEqual(['ada/p3']);
    expect((await index.search('москв', LIMITS)).posts).toEqual(['ada/p4']);
  });

  it('forgets the old words of an edited post and keeps the new ones', async () => {
    const { index } = await freshIndex();
    await index.put([{ kind: 'post', post: 'ada/p1', text: 'Meet at the harbour' }]);
    await index.commit();
    await index.put([{ kind: 'post', post: 'ada/p1', text: 'Meet at the station' }]);
    await index.commit();
    expect((await index.search('harbour', LIMITS)).posts).toEqual([]);
    expect((await index.search('station', LIMITS)).posts).toEqual(['ada/p1']);
    expect((await index.search('meet', LIMITS)).posts).toEqual(['ada/p1']);
  });

  it('forgets a deleted comment, and a deleted post with its comments', async () => {
    const { index } = await freshIndex();
    await index.put([
      { kind: 'post', post: 'ada/p1', text: 'Garden party' },
      { kind: 'post', post: 'ada/p2', text: 'Garden tools' },
      { kind: 'comment', item: 'ben/c1', post: 'ada/p1', text: 'Bring lemonade' },
      { kind: 'comment', item: 'ben/c2', post: 'ada/p2', text: 'Lend me the lemon press' },
    ]);
    await index.commit();
    await index.remove([{ kind: 'comment', item: 'ben/c2' }]);
    await index.commit();
    expect((await index.search('lemon', LIMITS)).comments).toEqual([
      { item: 'ben/c1', post: 'ada/p1' },
    ]);
    await index.remove([{ kind: 'post', post: 'ada/p1' }]);
    await index.commit();
    expect(await index.search('lemonade', LIMITS)).toEqual({ people: [], posts: [], comments: [] });
    expect((await index.search('garden', LIMITS)).posts).toEqual(['ada/p2']);
  });

  it('keeps what was committed when it is opened again', async () => {
    const { name, index } = await freshIndex();
    await index.put([
      { kind: 'person', person: ada, name: 'Ada' },
      { kind: 'post', post: 'ada/p1', text: 'Kept across a reload' },
    ]);
    await index.commit();
    index.close();
    const reopened = await SearchIndex.open(name);
    expect((await reopened.search('reload', LIMITS)).posts).toEqual(['ada/p1']);
    expect((await reopened.search('ada', LIMITS)).people).toEqual([ada]);
    // An edit after the reopen still replaces the words committed before it.
    await reopened.put([{ kind: 'post', post: 'ada/p1', text: 'Changed after reopening' }]);
    await reopened.commit();
    expect((await reopened.search('reload', LIMITS)).posts).toEqual([]);
    reopened.close();
  });
});
