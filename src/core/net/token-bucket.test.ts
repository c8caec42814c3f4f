import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.ts';

describe('token bucket', () => {
  it('allows a burst of its capacity, then one per refill period', () => {
    const bucket = new TokenBucket({ capacity: 3, refillMs: 1000 }, 0);
    expect([1, 2, 3, 4].map(() => bucket.take(0))).toEqual([true, true, true, false]);
    expect(bucket.take(999)).toBe(false);
    expect(bucket.take(1000)).toBe(true);
    expect(bucket.take(1000)).toBe(false);
  });

  it('never holds more than its capacity, and a clock stepping back refills nothing', () => {
    const bucket = new TokenBucket({ capacity: 2, refillMs: 10 }, 0);
    expect([1, 2, 3].map(() => bucket.take(1_000_000))).toEqual([true, true, false]);
    expect(bucket.take(0)).toBe(false);
    expect(bucket.allows(1_000_010)).toBe(true);
  });
});
