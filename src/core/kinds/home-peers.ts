/**
 * `home-peers`: the home peers a person paired (`docs/home-peers.ts`), readable by their own
 * devices only, like the friend list (`own-devices-doc.ts`), so every device of theirs follows
 * them, not only the one that paired. Its relays replicate its ciphertext and cannot open it.
 * Read by each device's relay desk (`Peer.homePeers`): no view.
 */
import { HOME_PEERS_ROOT } from '../docs/home-peers.ts';
import { ownDevicesDoc } from './own-devices-doc.ts';

/** The home-peers doc (one per person). */
export interface HomePeersRef {
  readonly kind: 'home-peers';
}

/** The `home-peers` kind. Keyed by relay device id: the cap on bytes and entries bounds it. */
export const homePeersKind = ownDevicesDoc({
  kind: 'home-peers',
  what: 'home peer list',
  root: HOME_PEERS_ROOT,
  maxBytes: 64 * 1024,
  maxEntries: 1_000,
});
