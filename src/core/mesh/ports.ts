/**
 * What the mesh needs of the device it runs on, as small ports rather than a whole `Peer`: a
 * device that cannot read (a relay, holding only its certified device key) runs the mesh too.
 * `core/node.ts` fills them from the peer on a reading device, from the relay handover on a relay.
 */
import type { Identity } from '../identity/keys.ts';
import type { InviteKeys } from '../invite/invite-keys.ts';
import type { PersonId } from '../ids.ts';
import type { FriendLinkSource } from '../net/connection-manager.ts';
import type { NewFriend } from '../peer/peer.ts';

/** Where friends come from: who they are, the secret each is met by, news of a change. */
export interface MeshFriends extends FriendLinkSource {
  persons(): readonly PersonId[];
}

/** Photos this device wants (sync fetches them) and where fetched ones go. */
export interface BlobPort {
  /** Blobs wanted now. */
  wanted(): string[];
  /** Calls `listener` with each blob newly wanted; returns the unsubscribe. */
  onWant(listener: (id: string) => void): () => void;
  /** Stores a fetched blob, already checked against its id. */
  receive(id: string, bytes: Uint8Array): Promise<unknown>;
}

/**
 * Invites in both directions, on a device that holds the identity key (an invite is signed by
 * it): the friendships they make are added to the friend list through `addFriend`, which also
 * tells the person (a notification), since only a reading device has notifications.
 */
export interface MeshInvites {
  readonly identity: Identity;
  /** The person's current keys: invites and accepts hand out their current generation. */
  readonly keys: InviteKeys;
  addFriend(friend: NewFriend): Promise<void>;
}
