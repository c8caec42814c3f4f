import { describe, expect, it } from 'vitest';
import { ManualClock } from './test-helpers.ts';
import { TokenBucket } from './token-bucket.ts';

describe('TokenBucket', () => {
  it('lets a burst through, then refills at its rate up to the burst', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(2, 3, clock.now);
    expect([1, 2, 3, 4].map(() => bucket.take())).toEqual([true, true, true, false]);
    clock.advance(500);
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    clock.advance(60_000);
    expect([1, 2, 3, 4].map(() => bucket.take())).toEqual([true, true, true, false]);
  });

  it('charges several tokens at once and takes none when they are not all there', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(1, 10, clock.now);
    expect(bucket.take(7)).toBe(true);
    expect(bucket.take(4)).toBe(false);
    expect(bucket.take(3)).toBe(true);
    clock.advance(2_000);
    expect(bucket.take(3)).toBe(false);
    expect(bucket.take(2)).toBe(true);
  });
});
