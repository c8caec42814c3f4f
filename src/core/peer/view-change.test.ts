import { describe, expect, it } from 'vitest';
import type { PersonId } from '../ids.ts';
import type { StoredEntry } from '../store/storage-adapter.ts';
import { viewChangeOf } from './view-change.ts';

// Only the fields a view change reads; the rest of an entry plays no part here.
const entry = (author: string, docId: string) => ({ author, docId }) as unknown as StoredEntry;

describe('what a change to the views concerns', () => {
  it('names each author and kind once, from the doc ids', () => {
    const change = viewChangeOf([
      entry('alice', 'post/p1'),
      entry('alice', 'post/p2'),
      entry('bob', 'profile'),
      entry('bob', 'comment/alice/p1/c1'),
    ]);
    expect(change).toEqual({
      cause: 'entries',
      docs: [
        { author: 'alice' as PersonId, kind: 'post' },
        { author: 'bob' as PersonId, kind: 'profile' },
        { author: 'bob' as PersonId, kind: 'comment' },
      ],
    });
  });

  it('counts a doc of a kind it does not know as a post, so lists still read it', () => {
    expect(viewChangeOf([entry('carol', 'poll/x')])).toEqual({
      cause: 'entries',
      docs: [{ author: 'carol' as PersonId, kind: 'post' }],
    });
  });
});
