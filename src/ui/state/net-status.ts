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
 * - a change is **pending** while no friend's device has taken it yet, or while some friends
 *   lack it (then they are named);
 * - a friend **needs to update Kith** while a device of theirs runs an older sync protocol.
 */
import type { PersonId } from '../../core/ids.ts';
import type { Delivery } from '../../core/mesh/delivery.ts';
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

/**
 * The note on a friend a device of whom runs an older Kith, which cannot sync with this one
 * (`MeshStatus.outdated`); `null` otherwise or while another tab holds the network.
 */
export function outdatedNote(
  net: MeshStatus | null,
  person: PersonId,
  name: string,
): string | null {
  return net?.outdated.has(person) ? `${name} needs to update Kith` : null;
}

/**
 * The status line shown above every screen; `elsewhere`: with no network in this tab, whether
 * another tab holds it (else this tab is starting it).
 */
export function statusLine(net: MeshStatus | null, elsewhere: boolean): string {
  if (!net) return elsewhere ? 'Kith is connected through another open tab' : 'Connecting…';
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

/** Names in a sentence: "Ben", "Ben and Carol", "Ben, Carol and Dan", "Ben, Carol and 3 others". */
export function nameList(names: readonly string[]): string {
  const MAX_NAMED = 3;
  if (names.length <= 1) return names[0] ?? '';
  if (names.length > MAX_NAMED) {
    const rest = names.length - (MAX_NAMED - 1);
    return `${names.slice(0, MAX_NAMED - 1).join(', ')} and ${rest} others`;
  }
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/**
 * What a mark on something this person wrote says while it is pending (shown only to someone
 * with friends): that no friend has it yet, or which friends lack it.
 */
export function pendingText(delivery: Delivery, nameOf: (person: PersonId) => string): string {
  if (delivery.reached === 'nobody') return 'Not delivered yet: no friend has it yet';
  return `Not yet with ${nameList(delivery.lacking.map(nameOf))}`;
}
