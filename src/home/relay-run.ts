/**
 * The FOLDER run: the home peer as its person's relay device. It opens the folder store (the
 * lock: one process per FOLDER), the relay's saved state (`relay-state.ts`), the node
 * (`openNode`, relay kind) and its network: signaling over `ws` (Node 20 has no global
 * WebSocket), WebRTC over werift, ICE from the settings it paired with. It reports a status line
 * as it works and stops cleanly when `stopped` settles.
 */
import { WebSocket } from 'ws';
import { systemClock, type Clock } from '../core/clock.ts';
import type { PersonId } from '../core/ids.ts';
import type { WebSocketConstructor } from '../core/net/signaling-client.ts';
import { SignalingClient } from '../core/net/signaling-client.ts';
import { openNode, type NodeNetwork, type RelayNode } from '../core/node.ts';
import type { RelayHandover } from '../core/relay-handover.ts';
import { FsLogStore, type LogRole } from './fs-log-store.ts';
import { followPerson } from './relay-follow.ts';
import { loadRelayState, type RelayState } from './relay-state.ts';
import { weriftPeers } from './werift-peer.ts';

/** How often a status line is shown while running. */
const STATUS_EVERY_MS = 60_000;

/** Whose log it is for a relay: its person's own, their friends', or friends of friends'. */
export function relayRoleOf(handover: RelayHandover): (author: PersonId) => LogRole {
  const friends = new Set(handover.friends.map((f) => f.person));
  return (author) =>
    author === handover.person ? 'own' : friends.has(author) ? 'friend' : 'other';
}

/** A relay opened over its folder, not yet on the network. */
export interface OpenedRelay {
  readonly store: FsLogStore;
  readonly node: RelayNode;
  /** Closes the node, then the store (its lock released). Stop the network first. */
  close(): Promise<void>;
}

/** Opens the relay of `state` over the store in `folder` (`FolderLockedError` when in use). */
export async function openRelay(
  folder: string,
  state: RelayState,
  clock: Clock = systemClock,
): Promise<OpenedRelay> {
  let roleOf = relayRoleOf(state.handover);
  const store = await FsLogStore.open({ folder, roleOf: (author) => roleOf(author) });
  try {
    const node = await openNode({ store, device: state.device, handover: state.handover, clock });
    // A newer handover replaces the friend list (`relay-follow.ts`): the roles follow it.
    roleOf = (author) =>
      author === state.handover.person
        ? 'own'
        : node.friends.persons().includes(author)
          ? 'friend'
          : 'other';
    return {
      store,
      node,
      close: async () => {
        node.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** What a status line says. */
export interface RelayStatus {
  readonly signaling: boolean;
  readonly friendsOnline: number;
  readonly friends: number;
  readonly entries: number;
  readonly diskBytes: number;
}

/** The relay's status now. */
export async function relayStatus(store: FsLogStore, network: NodeNetwork): Promise<RelayStatus> {
  const status = network.mesh.status();
  const states = [...status.friends.values()];
  const logs = await store.listLogs();
  return {
    signaling: status.signaling,
    friendsOnline: states.filter((s) => s !== 'offline').length,
    friends: states.length,
    entries: logs.reduce((sum, log) => sum + log.entries, 0),
    diskBytes: await store.diskBytes(),
  };
}

/** One status line: for people, or a JSON object per line for scripts (`--json`). */
export function statusLine(status: RelayStatus, json: boolean): string {
  if (json) return JSON.stringify({ status: 'running', ...status });
  const mb = (status.diskBytes / 1_000_000).toFixed(1);
  return (
    `paired, signaling ${status.signaling ? 'connected' : 'unreachable'}, ` +
    `friends online ${status.friendsOnline}/${status.friends}, ` +
    `entries held ${status.entries}, disk used ${mb} MB`
  );
}

/** What `runRelay` reports: status lines, and the one line of why it could not start. */
export interface RelayRunOutput {
  out(line: string): void;
}

/** The outcome of a run that could start: it ran until `stopped`, or it was never paired. */
export type RelayRunResult = 'stopped' | 'not-paired';

/**
 * Runs the relay in `folder` until `stopped` settles, then stops the network, closes the store
 * and releases the folder. Throws `FolderLockedError` or `RelayStateError` before starting.
 */
export async function runRelay(
  folder: string,
  output: RelayRunOutput,
  options: { readonly json: boolean; readonly stopped: Promise<void> },
): Promise<RelayRunResult> {
  const state = await loadRelayState(folder);
  if (state === null) return 'not-paired';
  const relay = await openRelay(folder, state);
  const signaling = new SignalingClient({
    url: state.signalingUrl,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
  });
  let network: NodeNetwork | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let unfollow: (() => void) | undefined;
  try {
    signaling.start();
    const started = await relay.node.startNetwork({
      signaling,
      SimplePeer: weriftPeers(),
      iceServers: () => [...state.iceServers],
    });
    network = started;
    // Newer handovers from its person's device, and reports back (pairing gives the channel).
    const { channel } = state;
    if (channel) {
      unfollow = await followPerson({
        folder,
        state: { ...state, channel },
        relay,
        signaling,
      });
    }
    const report = async () =>
      output.out(statusLine(await relayStatus(relay.store, started), options.json));
    await report();
    timer = setInterval(() => void report(), STATUS_EVERY_MS);
    await options.stopped;
  } finally {
    clearInterval(timer);
    unfollow?.();
    network?.stop();
    signaling.stop();
    await relay.close();
  }
  output.out(options.json ? JSON.stringify({ status: 'stopped' }) : 'stopped');
  return 'stopped';
}
