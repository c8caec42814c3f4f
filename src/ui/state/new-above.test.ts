import { describe, expect, it } from 'vitest';
import { countNewAbove } from './new-above.ts';

describe('posts new above what was shown', () => {
  it('counts the posts that arrived at the top', () => {
    expect(countNewAbove(['c', 'b', 'a'], ['e', 'd', 'c', 'b', 'a'])).toBe(2);
    expect(countNewAbove(['c', 'b', 'a'], ['c', 'b', 'a', 'z'])).toBe(0);
    expect(countNewAbove(['c', 'b', 'a'], ['c', 'x', 'b', 'a'])).toBe(0);
  });

  it('counts nothing for a first read or a replaced list', () => {
    expect(countNewAbove([], ['a', 'b'])).toBe(0);
    expect(countNewAbove(['a'], ['x', 'y'])).toBe(0);
  });
});
