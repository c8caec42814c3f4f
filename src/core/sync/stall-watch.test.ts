import { describe, expect, it } from 'vitest';
import { StallWatch, stallCheckMs } from './stall-watch.ts';

const limits = { stallMs: 15_000, busyMs: 300_000 };

describe('the stall watch', () => {
  it('calls a busy session stalled once nothing moved for longer than stallMs', () => {
    const watch = new StallWatch(limits, 0);
    expect(watch.check(10_000, false, 0)).toBeUndefined();
    expect(watch.check(15_000, false, 0)).toBeUndefined();
    expect(watch.check(15_001, false, 0)).toBe('nothing moved for 15001 ms');
    // Begun when 7 had moved: 7 is no movement.
    const later = new StallWatch(limits, 100_000, 7);
    expect(later.check(115_001, false, 7)).toBe('nothing moved for 15001 ms');
  });

  it('counts anything moving as progress, and an idle session never stalls', () => {
    const watch = new StallWatch(limits, 0);
    expect(watch.check(10_000, false, 3)).toBeUndefined();
    expect(watch.check(24_000, false, 3)).toBeUndefined();
    expect(watch.check(25_001, false, 3)).toBe('nothing moved for 15001 ms');
    const idle = new StallWatch(limits, 0);
    expect(idle.check(1_000_000, true, 0)).toBeUndefined();
    // Busy again after a long idle while: its time starts then.
    expect(idle.check(1_010_000, false, 0)).toBeUndefined();
  });

  it('calls a session never idle for longer than busyMs stalled, however much moves', () => {
    const watch = new StallWatch(limits, 0);
    let moved = 0;
    for (let now = 1_000; now <= 300_000; now += 1_000) {
      expect(watch.check(now, false, ++moved)).toBeUndefined();
    }
    expect(watch.check(300_001, false, moved + 1)).toBe('never idle for 300001 ms');
  });

  it('is asked often enough to catch a stall within a quarter of it', () => {
    expect(stallCheckMs(limits)).toBe(2_000);
    expect(stallCheckMs({ stallMs: 500, busyMs: 1_000 })).toBe(125);
    expect(stallCheckMs({ stallMs: 1, busyMs: 1 })).toBe(10);
  });
});
