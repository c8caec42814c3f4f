import { describe, expect, it } from 'vitest';
import { limitNote } from './text-limit.ts';

describe('the limit shown while typing', () => {
  it('says nothing far from the limit', () => {
    expect(limitNote(100, 10_000, 'en')).toEqual({
      show: false,
      over: false,
      text: '100 of 10,000 characters',
    });
  });

  it('shows the count near the limit, and how much is over past it', () => {
    expect(limitNote(9_000, 10_000, 'en')).toEqual({
      show: true,
      over: false,
      text: '9,000 of 10,000 characters',
    });
    expect(limitNote(10_000, 10_000, 'en').over).toBe(false);
    expect(limitNote(10_001, 10_000, 'en')).toEqual({
      show: true,
      over: true,
      text: '1 character too long (at most 10,000)',
    });
    expect(limitNote(10_250, 10_000, 'en').text).toBe('250 characters too long (at most 10,000)');
  });
});
