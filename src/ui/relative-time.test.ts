import { describe, expect, it } from 'vitest';
import { exactTime, messageTime, relativeTime } from './relative-time.ts';

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

  it("says a message's time of day, with the day when it was not today", () => {
    expect(messageTime(at(4, 20, 9, 5), now, 'en-GB')).toBe('09:05');
    expect(messageTime(now + 90_000, now, 'en-GB')).toBe('10:31');
    expect(messageTime(at(4, 19, 23, 50), now, 'en-GB')).toBe('Yesterday, 23:50');
    expect(messageTime(at(2, 12, 8, 0), now, 'en-GB')).toBe('12 Mar, 08:00');
    expect(messageTime(at(11, 24, 18, 30, 2025), now, 'en-GB')).toBe('24 Dec 2025, 18:30');
  });

  it('gives the exact time in full', () => {
    // ICU versions differ on the comma after the day's name.
    expect(exactTime(at(4, 19, 23, 50), 'en-GB')).toMatch(/^Tuesday,? 19 May 2026 at 23:50$/);
  });
});
