import { describe, expect, it } from 'vitest';
import { exactTime, relativeTime } from './relative-time.ts';

// Local times, so "Yesterday" follows the calendar wherever the test runs.
const now = new Date(2026, 4, 20, 10, 30).getTime();
const at = (month: number, day: number, hour: number, minute = 0, year = 2026) =>
  new Date(year, month, day, hour, minute).getTime();

describe('relative times', () => {
  it('says recent times in minutes and hours of today', () => {
    expect(relativeTime(now - 20_000, now)).toBe('Just now');
    expect(relativeTime(now + 90_000, now)).toBe('Just now');
    expect(relativeTime(now - 3 * 60_000, now)).toBe('3 min');
    expect(relativeTime(now - 59 * 60_000, now)).toBe('59 min');
    expect(relativeTime(at(4, 20, 0, 5), now)).toBe('10 h');
  });

  it('says Yesterday by the calendar, then days, then the date', () => {
    expect(relativeTime(at(4, 19, 23, 50), now)).toBe('Yesterday');
    expect(relativeTime(at(4, 19, 0, 1), now)).toBe('Yesterday');
    expect(relativeTime(at(4, 17, 12), now)).toBe('3 d');
    expect(relativeTime(at(4, 13, 12), now, 'en-GB')).toBe('13 May');
    expect(relativeTime(at(2, 12, 12), now, 'en-GB')).toBe('12 Mar');
    expect(relativeTime(at(11, 24, 12, 0, 2025), now, 'en-GB')).toBe('24 Dec 2025');
  });

  it('gives the exact time in full', () => {
    // ICU versions differ on the comma after the day's name.
    expect(exactTime(at(4, 19, 23, 50), 'en-GB')).toMatch(/^Tuesday,? 19 May 2026 at 23:50$/);
  });
});
