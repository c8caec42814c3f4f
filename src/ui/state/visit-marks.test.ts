import { describe, expect, it } from 'vitest';
import { VisitMarks, visitKey } from './visit-marks.ts';

function storage(): Pick<Storage, 'getItem' | 'setItem'> {
  const values = new Map<string, string>();
  return {
    getItem: (key) => values.get(key) ?? null,
    setItem: (key, value) => void values.set(key, value),
  };
}

describe('new since the last visit', () => {
  it('marks nothing on a first visit, then others’ posts newer than what was shown', () => {
    const kept = storage();
    const first = new VisitMarks(kept, 'me');
    expect(first.isNew({ createdAt: 5, author: 'ben' })).toBe(false);
    first.shown(10);
    first.shown(7); // an older post shown later does not move the mark back
    // Within the session the marks stay as they were.
    expect(first.isNew({ createdAt: 11, author: 'ben' })).toBe(false);

    const next = new VisitMarks(kept, 'me');
    expect(next.since).toBe(10);
    expect(next.isNew({ createdAt: 11, author: 'ben' })).toBe(true);
    expect(next.isNew({ createdAt: 10, author: 'ben' })).toBe(false);
    expect(next.isNew({ createdAt: 11, author: 'me' })).toBe(false);
  });

  it('treats a damaged record as a first visit', () => {
    const kept = storage();
    kept.setItem(visitKey('me'), '{oops');
    expect(new VisitMarks(kept, 'me').since).toBeNull();
    kept.setItem(visitKey('me'), '"12"');
    expect(new VisitMarks(kept, 'me').since).toBeNull();
  });
});
