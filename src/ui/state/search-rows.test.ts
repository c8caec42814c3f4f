import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../../core/bytes.ts';
import { newPostId, parsePersonId, postKey } from '../../core/ids.ts';
import type { PostItemView, PostView } from '../../core/store/storage-adapter.ts';
import { searchRows, type RowReader } from './search-rows.ts';

const BEN = parsePersonId(toBase64Url(new Uint8Array(32).fill(1)));
const CAROL = parsePersonId(toBase64Url(new Uint8Array(32).fill(2)));
const P1 = postKey(BEN, newPostId());
const P2 = postKey(BEN, newPostId());

/** Views as a peer would hold them: Ben's post with words, and his post of photos only. */
function reader(): RowReader {
  const posts = new Map<string, PostView>([
    [P1, { postId: P1, author: BEN, createdAt: 1, summary: { text: 'Picnic on Sunday?' } }],
    [P2, { postId: P2, author: BEN, createdAt: 2, summary: { text: '' } }],
  ]);
  const items = new Map<string, PostItemView[]>([
    [P1, [comment('c1', P1, 'I can bring a thermos')]],
    [P2, [comment('c2', P2, 'Lovely light in the thermos photo')]],
  ]);
  return {
    profile: async () => null,
    post: async (ref) => posts.get(`${ref.author}/${ref.postId}`),
    replies: async (ref) => items.get(`${ref.author}/${ref.postId}`) ?? [],
  };
}

function comment(itemId: string, postId: string, text: string): PostItemView {
  return { itemId, postId, kind: 'comment', author: CAROL, createdAt: 3, summary: { text } };
}

describe('searchRows', () => {
  it('says which post a comment found is on: its author and its words, or none for photos', async () => {
    const rows = await searchRows(
      {
        people: [],
        posts: [],
        comments: [
          { item: 'c1', post: P1 },
          { item: 'c2', post: P2 },
        ],
      },
      reader(),
    );
    expect(rows.comments).toEqual([
      {
        post: P1,
        item: 'c1',
        author: CAROL,
        text: 'I can bring a thermos',
        postAuthor: BEN,
        postText: 'Picnic on Sunday?',
      },
      {
        post: P2,
        item: 'c2',
        author: CAROL,
        text: 'Lovely light in the thermos photo',
        postAuthor: BEN,
        postText: null,
      },
    ]);
  });

  it('leaves out a comment no longer held', async () => {
    const rows = await searchRows(
      { people: [], posts: [], comments: [{ item: 'gone', post: P1 }] },
      reader(),
    );
    expect(rows.comments).toEqual([]);
  });
});
