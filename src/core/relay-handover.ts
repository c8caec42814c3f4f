/**
 * What a relay device is handed by its person's devices: the one thing a relay knows
 * besides its own certified device key. It names whose logs to replicate and serve, the secret
 * the person's own devices meet by, and the person's friends with the pairwise secrets their
 * devices meet on. No identity secret and no content key: a relay reads nothing it holds.
 * (How it is sealed to the relay and delivered is the pairing's work, issue 25.)
 */
import { toBase64Url } from './bytes.ts';
import type { PersonId } from './ids.ts';
import type { FriendLink } from './net/connection-manager.ts';
import type { FriendBook, FriendEntry } from './peer/friend-book.ts';

/** A relay's handover (module doc). */
export interface RelayHandover {
  /** The person whose logs the relay replicates and serves. */
  readonly person: PersonId;
  /** The secret the person's own devices meet by (`identity/own-devices.ts`). */
  readonly ownDevices: Uint8Array;
  /** The person's friends, each with the pairwise rendezvous secret of their invite. */
  readonly friends: readonly FriendLink[];
}

/** What a reading device of the person (theirs, or linked) makes a handover from. */
export interface HandoverSource {
  readonly peer: { readonly me: PersonId };
  /** A linked device holds the own-devices secret too, handed at the link. */
  readonly ownDevices: Uint8Array;
  readonly friends: FriendBook;
}

/** The handover of `node`'s person's relay, with their friends as they are now. */
export function relayHandover(node: HandoverSource): RelayHandover {
  return { person: node.peer.me, ownDevices: node.ownDevices, friends: node.friends.links() };
}

/** The friend list a relay keeps: the handover's friends, by their rendezvous secrets. */
export function handoverFriends(handover: RelayHandover): Map<string, FriendEntry> {
  return new Map(
    handover.friends.map((link) => [link.person, { rendezvous: toBase64Url(link.pairwiseSecret) }]),
  );
}
