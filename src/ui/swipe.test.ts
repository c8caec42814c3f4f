import { describe, expect, it } from 'vitest';
import { stepPhoto, swipeStep } from './swipe.ts';

describe('swiping between photos', () => {
  it('turns to the next photo on a swipe to the left, the previous on one to the right', () => {
    expect(swipeStep(-120, 10)).toBe(1);
    expect(swipeStep(120, -10)).toBe(-1);
  });

  it('ignores a short or mostly vertical movement', () => {
    expect(swipeStep(-20, 0)).toBe(0);
    expect(swipeStep(-80, 120)).toBe(0);
  });

  it('stays within the first and the last photo', () => {
    expect(stepPhoto(0, -1, 3)).toBe(0);
    expect(stepPhoto(1, 1, 3)).toBe(2);
    expect(stepPhoto(2, 1, 3)).toBe(2);
  });
});
