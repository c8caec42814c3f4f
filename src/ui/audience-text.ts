/**
 * What each audience of a post means, in words the composer and the post card show (issue 28:
 * "Public" must not read like "Friends").
 */
import { listOf, type Audience } from '../core/docs/audience.ts';
import type { FriendList } from '../core/peer/audiences.ts';

/** The short label of an audience (`lists`: this person's own, to name one of theirs). */
export function audienceLabel(audience: Audience, lists: readonly FriendList[] = []): string {
  if (audience === 'public') return 'Public';
  if (audience === 'friends') return 'Friends';
  const list = listOf(audience);
  return lists.find((l) => l.id === list)?.name ?? 'A list';
}

/** What choosing `audience` means for who reads the post, said before it is posted. */
export function audienceMeaning(audience: Audience, lists: readonly FriendList[]): string {
  if (audience === 'public') {
    return (
      'Public: anyone whose device holds this post can read it, its photos and comments — your ' +
      'friends, their friends (Kith passes posts on), and anyone they show it to. It is signed, ' +
      'not encrypted.'
    );
  }
  if (audience === 'friends') {
    return (
      'Friends: only your friends can read it, its photos, comments and reactions. It is ' +
      'encrypted; friends you remove later read nothing you post after that.'
    );
  }
  const list = lists.find((l) => l.id === listOf(audience));
  const count = list?.members.length ?? 0;
  return (
    `${list?.name ?? 'This list'}: only the ${count === 1 ? 'one person' : `${count} people`} in ` +
    'this list can read it, its photos, comments and reactions. Your other friends can see that ' +
    'you posted something they cannot open; they cannot tell who it is for.'
  );
}
