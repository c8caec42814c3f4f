/**
 * What a backup file takes from a running person and gives back to a restored one: the seed,
 * the friend list with the rendezvous secrets (random, so not derivable from the seed), and
 * the current friends epoch. The file format and its encryption are `identity/secret-export.ts`.
 */
import { fromBase64Url } from '../bytes.ts';
import type { Identity } from '../identity/keys.ts';
import type { Backup } from '../identity/secret-export.ts';
import type { PersonId } from '../ids.ts';
import type { Peer } from './peer.ts';

/** A person's friends and current epoch: what a backup and a newly linked device carry. */
export type FriendsAndEpoch = Omit<Backup, 'seed'>;

/** The friends and the current epoch as `peer` holds them now. */
export async function friendsAndEpochOf(peer: Peer): Promise<FriendsAndEpoch> {
  const friends = [...peer.friends()].map(([person, record]) => ({
    person: person as PersonId,
    encryptionKey: fromBase64Url(record.encryptionKey),
    rendezvous: fromBase64Url(record.rendezvous),
    since: record.since,
  }));
  return { friends, epoch: await peer.currentEpoch() };
}

/** The backup of `identity` as `peer` holds it now. */
export async function backupOf(identity: Identity, peer: Peer): Promise<Backup> {
  return { seed: identity.seed, ...(await friendsAndEpochOf(peer)) };
}

/**
 * Puts a backup's friends and epoch into a restored person's new device (its identity came
 * from the backup's seed), or a linked device's: the epoch first, so the friend list is sealed
 * with the key friends already hold.
 */
export async function restoreBackup(peer: Peer, backup: FriendsAndEpoch): Promise<void> {
  if (backup.epoch) await peer.resumeEpoch(backup.epoch.epoch, backup.epoch.key);
  if (backup.friends.length === 0) return;
  await peer.addFriends(
    backup.friends.map((f) => ({
      personId: f.person,
      encryptionKey: f.encryptionKey,
      rendezvous: f.rendezvous,
    })),
  );
}
