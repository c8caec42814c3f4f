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
  return `${others.slice(0, 2).join(', ')} and ${others.length - 2} others`;
}
