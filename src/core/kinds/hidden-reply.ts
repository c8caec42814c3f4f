/**
 * Who still sees a reply its post's author hid: the reply's writer (it is theirs; they see it
 * marked hidden rather than wonder where it went) and the post's author (who may show it again).
 * Everyone else sees nothing of it.
 */
import type { PersonId } from '../ids.ts';

/** Whether `me` sees a hidden reply by `writer` on a post by `postAuthor`. */
export function seesHiddenReply(me: PersonId, postAuthor: PersonId, writer: PersonId): boolean {
  return me === writer || me === postAuthor;
}
