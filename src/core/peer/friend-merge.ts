/**
 * A friend list merged from two devices of one person can lose the newer of two records of the
 * same friend. A person restored from their phrase re-invites a friend (a new rendezvous secret)
 * before their old friend list arrives; Yjs then keeps one of the two concurrent records by
 * client id, not by date, and half the time the old secret would win, on a topic the friend no
 * longer listens on. The device that wrote the newer record notices and writes it again, now
 * after the old one.
 */
import type { FriendRecord } from '../docs/small-docs.ts';

/**
 * The records of `before` that `after` replaced with an older friendship of the same person:
 * those to keep and write again.
 */
export function newerLostInMerge(
  before: ReadonlyMap<string, FriendRecord>,
  after: ReadonlyMap<string, FriendRecord>,
): Map<string, FriendRecord> {
  const lost = new Map<string, FriendRecord>();
  for (const [person, record] of before) {
    const merged = after.get(person);
    if (merged && merged.since < record.since) lost.set(person, record);
  }
  return lost;
}
