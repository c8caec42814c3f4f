/**
 * `friends`: a person's friend list, readable by their own devices only: sealed under the self
 * key (derived from the identity seed). A plain one is refused rather than shown, and another
 * person's is never opened.
 */
import { readFriends } from '../docs/small-docs.ts';
import { parseDocId } from '../ids.ts';
import { expectFields, type DocKind } from './kind.ts';
import { ownDevicesOnly } from './payload.ts';

/** The friend-list doc (one per person). */
export interface FriendsRef {
  readonly kind: 'friends';
}

/** The `friends` kind. */
export const friendsKind: DocKind<FriendsRef> = {
  kind: 'friends',
  shape: 'doc',
  rank: 1,
  // Keyed by person id, so any key: the cap on bytes and entries bounds it.
  caps: { maxBytes: 4096 * 1024, maxEntries: 100_000, root: 'friends', fields: 'any' },
  // Read only by the person's own devices, which replicate the whole log; the whole list of a
  // person with 2,000 friends would not fit in one entry.
  writes: 'change',
  format: () => parseDocId('friends'),
  parse(fields) {
    expectFields('friends', fields, 0);
    return { kind: 'friends' };
  },
  ...ownDevicesOnly((ref: FriendsRef) => friendsKind.format(ref), 'friend list'),
  async view({ entry, doc }, views) {
    if (entry.author === views.me) views.onFriends(readFriends(doc));
  },
};
