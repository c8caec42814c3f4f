import { describe, expect, it } from 'vitest';
import type { PersonId } from '../../core/ids.ts';
import type { NotificationView } from '../../core/store/storage-adapter.ts';
import { ALL_ON, notifies, parseChoices, withChoice } from './notification-choices.ts';

function n(kind: string, from = 'bob'): NotificationView {
  return { id: `${kind}/x`, kind, createdAt: 1, read: false, summary: { from, post: 'me/p' } };
}

const nobody: ReadonlySet<PersonId> = new Set();

describe('notification choices', () => {
  it('everything reaches a person who never chose', () => {
    for (const kind of ['message', 'comment', 'reaction', 'mention', 'friend']) {
      expect(notifies(n(kind), 'app', ALL_ON, nobody)).toBe(true);
      expect(notifies(n(kind), 'system', ALL_ON, nobody)).toBe(true);
    }
  });

  it('a kind turned off in one place stays on in the other', () => {
    const choices = withChoice(ALL_ON, 'reaction', 'app', false);
    expect(notifies(n('reaction'), 'app', choices, nobody)).toBe(false);
    expect(notifies(n('reaction'), 'system', choices, nobody)).toBe(true);
    expect(notifies(n('comment'), 'app', choices, nobody)).toBe(true);
    const quiet = withChoice(choices, 'comment', 'system', false);
    expect(notifies(n('comment'), 'system', quiet, nobody)).toBe(false);
    expect(notifies(n('comment'), 'app', quiet, nobody)).toBe(true);
  });

  it('nothing from a muted person, of any kind, anywhere', () => {
    const muted = new Set(['bob' as PersonId]);
    for (const kind of ['message', 'comment', 'reaction', 'mention', 'friend']) {
      expect(notifies(n(kind), 'app', ALL_ON, muted)).toBe(false);
      expect(notifies(n(kind), 'system', ALL_ON, muted)).toBe(false);
      expect(notifies(n(kind, 'carol'), 'app', ALL_ON, muted)).toBe(true);
    }
  });

  it('a kind Kith does not know shows in the list but never interrupts', () => {
    expect(notifies(n('sync-report'), 'app', ALL_ON, nobody)).toBe(true);
    expect(notifies(n('sync-report'), 'system', ALL_ON, nobody)).toBe(false);
  });

  it('saved choices read back; anything damaged leaves the switch on', () => {
    const saved = withChoice(
      withChoice(ALL_ON, 'friend', 'app', false),
      'mention',
      'system',
      false,
    );
    expect(parseChoices(JSON.stringify(saved))).toEqual(saved);
    for (const raw of [null, '', '{', '[]', '42', '{"friend":"off"}', '{"friend":{"app":0}}']) {
      expect(parseChoices(raw)).toEqual(ALL_ON);
    }
    expect(parseChoices('{"comment":{"app":false},"other":{"app":false}}')).toEqual(
      withChoice(ALL_ON, 'comment', 'app', false),
    );
  });
});
