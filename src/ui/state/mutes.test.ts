import { describe, expect, it } from 'vitest';
import type { PersonId } from '../../core/ids.ts';
import type { Page, PageCursor, PageRequest, PostView } from '../../core/store/storage-adapter.ts';
import { MAX_MUTED, MAX_SKIPPED_PAGES, parseMuted, readUnmuted, withMuted } from './mutes.ts';

const bob = 'bob' as PersonId;
const carol = 'carol' as PersonId;

function post(author: string, i: number): PostView {
  return { postId: `${author}/p${i}`, author, createdAt: 1_000 - i } as unknown as PostView;
}

/** A newest-first timeline read in pages, cursors being indexes into it. */
function timeline(posts: PostView[]) {
  const reads: PageRequest[] = [];
  const read = (request: PageRequest): Promise<Page<PostView>> => {
    reads.push(request);
    const start = request.before === undefined ? 0 : (request.before as unknown as number);
    const end = start + request.limit;
    const next = end < posts.length ? (end as unknown as PageCursor) : null;
    return Promise.resolve({ items: posts.slice(start, end), next });
  };
  return { read, reads };
}

describe('muted people', () => {
  it('are remembered as a set, read back from storage as untrusted text', () => {
    const muted = withMuted(withMuted(new Set(), bob, true), carol, true);
    expect(parseMuted(JSON.stringify([...muted]))).toEqual(new Set([bob, carol]));
    expect(withMuted(muted, bob, false)).toEqual(new Set([carol]));
    for (const raw of [null, '', '{', '{"bob":true}', '"bob"'])
      expect(parseMuted(raw).size).toBe(0);
    expect(parseMuted(JSON.stringify([bob, 7, null, bob]))).toEqual(new Set([bob]));
    const many = Array.from({ length: MAX_MUTED + 5 }, (_, i) => `p${i}`);
    expect(parseMuted(JSON.stringify(many)).size).toBe(MAX_MUTED);
  });

  it('their posts leave the timeline; the others stay in order', async () => {
    const { read } = timeline([post('ann', 0), post('bob', 1), post('ann', 2), post('bob', 3)]);
    const page = await readUnmuted(read, { limit: 10 }, new Set([bob]));
    expect(page.items.map((p) => p.postId)).toEqual(['ann/p0', 'ann/p2']);
    expect(page.next).toBeNull();
  });

  it('a page they filled is followed by the next, so older posts of others still show', async () => {
    const posts = [post('bob', 0), post('bob', 1), post('bob', 2), post('ann', 3), post('ann', 4)];
    const { read, reads } = timeline(posts);
    const page = await readUnmuted(read, { limit: 2 }, new Set([bob]));
    expect(page.items.map((p) => p.postId)).toEqual(['ann/p3']);
    expect(reads).toHaveLength(2);
    const rest = await readUnmuted(read, { before: page.next!, limit: 2 }, new Set([bob]));
    expect(rest.items.map((p) => p.postId)).toEqual(['ann/p4']);
  });

  it('stops after a bounded number of pages', async () => {
    const posts = Array.from({ length: 100 }, (_, i) => post('bob', i));
    const { read, reads } = timeline(posts);
    const page = await readUnmuted(read, { limit: 2 }, new Set([bob]));
    expect(page.items).toEqual([]);
    expect(page.next).not.toBeNull();
    expect(reads).toHaveLength(MAX_SKIPPED_PAGES);
  });
});
