/**
 * The words for the network's state, in one place, so the status line and the Friends screen
 * never disagree. The states and how fast each changes are defined in docs/ui.md ("Status"):
 *
 * - a friend is **connected** or **syncing** while a WebRTC data channel to one of their devices
 *   is open (syncing: entries or blobs are moving); the signaling server plays no part in it;
 * - **connecting** while a connection to them is being set up;
 * - **online** when one of their devices announced itself through the server within the
 *   presence timeout, with no connection yet;
 * - **offline** otherwise;
 * - this device is **offline** when it reaches neither a server nor any friend;
 * - a change is **pending** while no friend's device has taken it yet.
 */
import type { PersonId } from '../../core/ids.ts';
import type { MeshStatus } from '../../core/mesh/mesh.ts';
import type { FriendNetState } from '../../core/net/connection-manager.ts';

/** What the Friends screen says of one friend. */
export const FRIEND_STATE_TEXT: Record<FriendNetState, string> = {
  offline: 'offline',
  online: 'online, no connection yet',
  connecting: 'connecting…',
  connected: 'connected',
  syncing: 'syncing…',
};

/** Whether a data channel to the friend is open. */
export function isConnected(state: FriendNetState): boolean {
  return state === 'connected' || state === 'syncing';
}

/** A friend's state as this tab knows it; `null` while another tab holds the network. */
export function friendState(net: MeshStatus | null, person: PersonId): FriendNetState | null {
  if (!net) return null;
  return net.friends.get(person) ?? 'offline';
}

/** The status line shown above every screen. */
export function statusLine(net: MeshStatus | null): string {
  if (!net) return 'Kith is connected through another open tab';
  const states = [...net.friends.values()];
  const connected = states.filter(isConnected).length;
  const parts: string[] = [];
  if (states.length === 0) {
    parts.push(net.signaling ? 'online' : 'offline');
  } else {
    if (!net.signaling && connected === 0) parts.push('offline');
    parts.push(
      `${connected} of ${states.length} friend${states.length === 1 ? '' : 's'} connected`,
    );
    // The server only introduces devices: open connections go on without it.
    if (!net.signaling && connected > 0) parts.push('server unreachable');
  }
  if (states.some((s) => s === 'syncing')) parts.push('syncing…');
  // With no friend there is nobody to deliver to: nothing is "waiting".
  if (states.length > 0 && net.undelivered > 0) {
    parts.push(
      `${net.undelivered} change${net.undelivered === 1 ? '' : 's'} waiting to be delivered`,
    );
  }
  return parts.join(' · ');
}

/** Whether the status line's dot is lit: something (a server or a friend) is reachable. */
export function reachable(net: MeshStatus | null): boolean {
  return net !== null && (net.signaling || [...net.friends.values()].some(isConnected));
}

/** What "Not delivered yet" means, said next to it (shown only to someone with friends). */
export const PENDING_REASON = 'no friend’s device has it yet';
