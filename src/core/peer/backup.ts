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

/** The backup of `identity` as `peer` holds it now. */
export async function backupOf(identity: Identity, peer: Peer): Promise<Backup> {
  const friends = [...peer.friends()].map(([person, record]) => ({
    person: person as PersonId,
    encryptionKey: fromBase64Url(record.encryptionKey),
    rendezvous: fromBase64Url(record.rendezvous),
    since: record.since,
  }));
  return { seed: identity.seed, friends, epoch: await peer.currentEpoch() };
}

/**
 * Puts a backup's friends and epoch into a restored person's new device (its identity came
 * from the backup's seed): the epoch first, so the friend list is sealed with the key friends
 * already hold.
 */
export async function restoreBackup(peer: Peer, backup: Backup): Promise<void> {
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
