import { describe, expect, it } from 'vitest';
import { replyTarget, threadComments } from './comment-thread.ts';

const c = (itemId: string, replyTo?: string) => ({ itemId, replyTo });
const shape = (comments: ReturnType<typeof c>[]) =>
  threadComments(comments).map((g) => [g.comment.itemId, g.replies.map((r) => r.itemId)]);

describe('a post’s comments and their replies', () => {
  it('puts replies under the comment they answer, in the order written', () => {
    expect(shape([c('a'), c('b'), c('a1', 'a'), c('b1', 'b'), c('a2', 'a')])).toEqual([
      ['a', ['a1', 'a2']],
      ['b', ['b1']],
    ]);
  });

  it('keeps one level: a reply to a reply sits under its parent', () => {
    expect(shape([c('a'), c('a1', 'a'), c('a1x', 'a1'), c('deeper', 'a1x')])).toEqual([
      ['a', ['a1', 'a1x', 'deeper']],
    ]);
  });

  it('shows a reply whose comment is gone at the top level', () => {
    expect(shape([c('a1', 'gone'), c('b')])).toEqual([
      ['a1', []],
      ['b', []],
    ]);
  });

  it('survives a comment naming itself or a loop', () => {
    expect(shape([c('a', 'a')])).toEqual([['a', []]]);
    // Each of a loop is shown once.
    expect(
      shape([c('a', 'b'), c('b', 'a')])
        .flat(2)
        .sort(),
    ).toEqual(['a', 'b']);
  });
});

describe('replyTarget', () => {
  const nameOf = (person: string) => (person === 'bob' ? 'Bob' : 'Someone');

  it("names the comment's writer", () => {
    expect(replyTarget('bob', 'alice', nameOf)).toBe('Bob');
  });

  it('calls one’s own comment so, not by one’s own name', () => {
    expect(replyTarget('bob', 'bob', nameOf)).toBe('your comment');
  });
});
