import { describe, expect, it } from 'vitest';
import type { PersonId } from '../../core/ids.ts';
import { conversationName, isGroup } from './conversation-names.ts';

const [me, ana, ben, cy, dee] = ['me', 'ana', 'ben', 'cy', 'dee'] as PersonId[] as [
  PersonId,
  PersonId,
  PersonId,
  PersonId,
  PersonId,
];
const names: Record<string, string> = { ana: 'Ana', ben: 'Ben', cy: 'Cy' };
const nameOf = (p: PersonId) => names[p] ?? '?';

describe('conversation names', () => {
  it('names a chat of two by the other, a group by its title or its people', () => {
    expect(conversationName({ title: '', members: [me, ana] }, me, nameOf)).toBe('Ana');
    expect(conversationName({ title: '', members: [me, ana, ben] }, me, nameOf)).toBe(
      'Ana and Ben',
    );
    expect(conversationName({ title: '', members: [me, ana, ben, cy] }, me, nameOf)).toBe(
      'Ana, Ben and 1 other',
    );
    expect(conversationName({ title: '', members: [me, ana, ben, cy, dee] }, me, nameOf)).toBe(
      'Ana, Ben and 2 others',
    );
    expect(conversationName({ title: 'Picnic', members: [me, ana] }, me, nameOf)).toBe('Picnic');
  });

  it('calls a conversation a group past two people, or once it has a name', () => {
    expect(isGroup({ title: '', members: [me, ana] })).toBe(false);
    expect(isGroup({ title: '', members: [me, ana, ben] })).toBe(true);
    expect(isGroup({ title: 'Picnic', members: [me, ana] })).toBe(true);
  });
});
