/**
 * Who holds a conversation's keys (issue 27): the one member who seals its next epoch, to
 * remove someone, drop a leaver or follow a member's new encryption key. The starter holds them
 * until they leave; then the role passes, with no message of its own, to the first member of the
 * epoch's sealed roster (the holder first, then the roster's order) who has not left. Every
 * device decides it from the same signed facts (the epoch's roster, each leaver's own `member`
 * statement: `member.ts`), so a receiver accepts a hand-over record only from the member this
 * rule names, and only once it holds the leaves that name them: until then the record waits for
 * them ({@link holderWait}). A member the rule does not name cannot forge an epoch, however they
 * write it.
 *
 * A holder's record cannot grow the conversation: its members must all be in the epoch before
 * (a hand-over drops whoever left), so it stays within the 50 the starter's epochs were capped
 * to. Its boxes are sealed through the holder's pair keys, so a member who is not a friend of
 * the new holder cannot open it and drops out at the hand-over (`docs/security.md`).
 */
import type { PersonId } from '../ids.ts';
import type { HeldConversation } from './conversation-port.ts';
import type { ConversationKey } from './conversation-views.ts';

/**
 * The member who seals the epoch after `held`, given who of it left: its holder, or when they
 * left, the first member after them (in the epoch's order) who did not; `null` when all left.
 */
export function nextHolder(
  held: Pick<HeldConversation, 'members'>,
  left: readonly PersonId[],
): PersonId | null {
  return held.members.find((member) => !left.includes(member)) ?? null;
}

/**
 * Why `writer` may not seal the epoch after `held` with `members` (everyone of it but the
 * writer), or `null` when they may: they are its next holder and add no one, and, taking over,
 * keep no one who left.
 */
export function holderRecordProblem(
  held: Pick<HeldConversation, 'members' | 'holder'>,
  left: readonly PersonId[],
  writer: PersonId,
  members: readonly PersonId[],
): string | null {
  if (nextHolder(held, left) !== writer) return 'not the holder of this conversation';
  if (members.some((member) => !held.members.includes(member))) return 'a holder adds no one';
  if (writer !== held.holder && members.some((member) => left.includes(member))) {
    return 'a hand-over keeps someone who left';
  }
  return null;
}

/** Name of the key a hand-over record waits for: a leave of the conversation `key`. */
export function holderWait(key: ConversationKey): string {
  return `conversation-holder:${key}`;
}
