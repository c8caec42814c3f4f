/**
 * `friends`: a person's friend list (and block marks), readable by their own devices only
 * (`own-devices-doc.ts`): sealed under the self key (derived from the identity seed).
 */
import { readFriends } from '../docs/small-docs.ts';
import { ownDevicesDoc } from './own-devices-doc.ts';

/** The friend-list doc (one per person). */
export interface FriendsRef {
  readonly kind: 'friends';
}

/** The `friends` kind. Keyed by person id, so any key: the cap on bytes and entries bounds it. */
export const friendsKind = ownDevicesDoc({
  kind: 'friends',
  what: 'friend list',
  root: 'friends',
  maxBytes: 4096 * 1024,
  maxEntries: 100_000,
  // Read only by the person's own devices, which replicate the whole log; the whole list of a
  // person with 2,000 friends would not fit in one entry.
  writes: 'change',
  async view({ entry, doc }, views) {
    if (entry.author === views.me) views.onFriends(readFriends(doc));
  },
});
