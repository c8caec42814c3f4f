/**
 * The line above a friend of a friend's public post on the timeline, saying which friends brought
 * it there ("Alice commented"), as other social apps do: the post is there because they answered
 * it, not because its author is a friend (`core/kinds/reach.ts`).
 */
import type { PersonId } from '../core/ids.ts';
import type { Answerer } from '../core/store/storage-adapter.ts';

/** Names in a sentence: "A", "A and B", "A, B and 2 others". */
function namesOf(names: readonly string[]): string {
  if (names.length <= 2) return names.join(' and ');
  const rest = names.length - 2;
  return `${names.slice(0, 2).join(', ')} and ${rest === 1 ? '1 other' : `${rest} others`}`;
}

/**
 * Who answered the post, the commenters first: "Alice commented", "Alice and Dave reacted",
 * "You and Alice commented; Dave reacted" (`me` is "You"). Empty for no one.
 */
export function answeredLine(
  via: readonly Answerer[],
  me: PersonId,
  nameOf: (person: PersonId) => string,
): string {
  // "You" leads, as "You and Alice commented".
  const named = (kind: Answerer['kind']) => {
    const people = via.filter((a) => a.kind === kind).map((a) => a.person);
    const others = people.filter((p) => p !== me).map(nameOf);
    return people.includes(me) ? ['You', ...others] : others;
  };
  const parts = [
    [named('comment'), 'commented'],
    [named('reaction'), 'reacted'],
  ] as const;
  return parts
    .filter(([names]) => names.length > 0)
    .map(([names, verb]) => `${namesOf(names)} ${verb}`)
    .join('; ');
}
