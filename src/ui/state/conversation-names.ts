/**
 * What a conversation is called on screen: its title when its starter gave one, else the
 * names of the others in it ("Ana, Ben and 3 others").
 */
import type { PersonId } from '../../core/ids.ts';

/** The part of a conversation view a name is made from. */
export interface Named {
  readonly title: string;
  readonly members: readonly PersonId[];
}

/** Whether it is a group: more than two people, or a name its starter gave it. */
export function isGroup(conversation: Named): boolean {
  return conversation.members.length > 2 || conversation.title !== '';
}

/** The name shown for a conversation to `me`. */
export function conversationName(
  conversation: Named,
  me: PersonId,
  nameOf: (person: PersonId) => string,
): string {
  if (conversation.title) return conversation.title;
  const others = conversation.members.filter((m) => m !== me).map(nameOf);
  if (others.length === 0) return 'Only you';
  if (others.length <= 2) return others.join(' and ');
  const more = others.length - 2;
  return `${others.slice(0, 2).join(', ')} and ${more} other${more === 1 ? '' : 's'}`;
}
