import { describe, expect, it } from 'vitest';
import { RefusalThrottle } from './refusal-throttle.ts';
import { ManualClock } from './test-helpers.ts';

const refusal = (topic: string) => ({ op: 'subscribe', topic, reason: 'topic-full' }) as const;

describe('RefusalThrottle', () => {
  it('allows one refusal per (op, topic) per second', () => {
    const clock = new ManualClock();
    const throttle = new RefusalThrottle(100, 100, clock.now);
    expect(throttle.allow(refusal('t'))).toBe(true);
    expect(throttle.allow(refusal('t'))).toBe(false);
    expect(throttle.allow({ op: 'publish', topic: 't', reason: 'relay-budget' })).toBe(true);
    clock.advance(999);
    expect(throttle.allow(refusal('t'))).toBe(false);
    clock.advance(1);
    expect(throttle.allow(refusal('t'))).toBe(true);
  });

  it('bounds refusals of distinct topics by its budget (burst 3, 1 a second)', () => {
    const clock = new ManualClock();
    const throttle = new RefusalThrottle(1, 3, clock.now);
    const topics = ['a', 'b', 'c', 'd', 'e'];
    expect(topics.map((topic) => throttle.allow(refusal(topic)))).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
    clock.advance(1_000);
    expect(throttle.allow(refusal('d'))).toBe(true);
  });
});
