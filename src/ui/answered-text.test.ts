import { describe, expect, it } from 'vitest';
import type { PersonId } from '../core/ids.ts';
import { answeredLine } from './answered-text.ts';

const [me, alice, dave, erin, finn] = ['me', 'alice', 'dave', 'erin', 'finn'] as [
  PersonId,
  PersonId,
  PersonId,
  PersonId,
  PersonId,
];
const names: Record<string, string> = { alice: 'Alice', dave: 'Dave', erin: 'Erin', finn: 'Finn' };
const nameOf = (person: PersonId) => names[person] ?? '…';

describe('answeredLine', () => {
  it('names who commented, then who reacted', () => {
    expect(answeredLine([{ person: alice, kind: 'comment' }], me, nameOf)).toBe('Alice commented');
    expect(
      answeredLine(
        [
          { person: dave, kind: 'reaction' },
          { person: alice, kind: 'comment' },
          { person: me, kind: 'comment' },
        ],
        me,
        nameOf,
      ),
    ).toBe('You and Alice commented; Dave reacted');
  });

  it('counts the others past two names, and says nothing for no one', () => {
    const four = [alice, dave, erin, finn].map((person) => ({ person, kind: 'reaction' as const }));
    expect(answeredLine(four, me, nameOf)).toBe('Alice, Dave and 2 others reacted');
    expect(answeredLine(four.slice(0, 3), me, nameOf)).toBe('Alice, Dave and 1 other reacted');
    expect(answeredLine([], me, nameOf)).toBe('');
  });
});
