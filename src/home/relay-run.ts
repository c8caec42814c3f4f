/**
 * The FOLDER run: the home peer as its person's relay device. It opens the folder store (the
 * lock: one process per FOLDER), the relay's saved state (`relay-state.ts`), the node
 * (`openNode`, relay kind) and its network: signaling over `ws` (Node 20 has no global
 * WebSocket), WebRTC over werift, ICE from the settings it paired with. It reports a status line
 * as it works and stops cleanly when `stopped` settles, or when its person unpaired it
 * (`unpaired.ts`: saved, so a later run in FOLDER says so and serves nothing).
 */
import { WebSocket } from 'ws';
import { systemClock, type Clock } from '../core/clock.ts';
import type { DeviceRevocation } from '../core/identity/revocation.ts';
import type { PersonId } from '../core/ids.ts';
import type { WebSocketConstructor } from '../core/net/signaling-client.ts';
import { SignalingClient } from '../core/net/signaling-client.ts';
import { openNode, type NodeNetwork, type RelayNode } from '../core/node.ts';
import type { RelayHandover } from '../core/relay-handover.ts';
import type { RelayCaps } from './caps.ts';
import { FsLogStore, type LogRole } from './fs-log-store.ts';
import { followPerson } from './relay-follow.ts';
import { loadRelayState, saveRelayUnpaired, type RelayState } from './relay-state.ts';
import { relayStatus, StatusReporter, stoppedLine } from './status-line.ts';
import { unpairedLine, watchRevocation } from './unpaired.ts';
import { weriftPeers, type WeriftNetwork } from './werift-peer.ts';

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

/**
 * Opens the relay of `state` over the store in `folder` (`FolderLockedError` when in use), its
 * data within `quotaBytes` if given.
 */
export async function openRelay(
  folder: string,
  state: RelayState,
  options: { readonly clock?: Clock; readonly quotaBytes?: number } = {},
): Promise<OpenedRelay> {
  const { clock = systemClock, quotaBytes } = options;
  let roleOf = relayRoleOf(state.handover);
  const store = await FsLogStore.open({ folder, roleOf: (author) => roleOf(author), quotaBytes });
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

/** What `runRelay` reports: status lines, and the one line of why it could not start. */
export interface RelayRunOutput {
  out(line: string): void;
}

/**
 * The outcome of a run that could start: it ran until `stopped`, it was never paired, or its
 * person unpaired it (before this run, or during it).
 */
export type RelayRunResult = 'stopped' | 'not-paired' | 'unpaired';

/** How to run the relay. */
export interface RelayRunOptions {
  /** Status lines as JSON objects. */
  readonly json: boolean;
  /** Settles when the run is to stop (SIGTERM, SIGINT). */
  readonly stopped: Promise<void>;
  readonly caps?: RelayCaps;
  /** Where ICE looks for addresses (tests: loopback only). */
  readonly ice?: WeriftNetwork;
}

/**
 * Runs the relay in `folder` until `stopped` settles, then stops the network (its connections
 * closed), closes the store and releases the folder. Throws `FolderLockedError` or
 * `RelayStateError` before starting.
 */
export async function runRelay(
  folder: string,
  output: RelayRunOutput,
  options: RelayRunOptions,
): Promise<RelayRunResult> {
  const { quotaBytes, maxConnections } = options.caps ?? {};
  const state = await loadRelayState(folder);
  if (state === null) return 'not-paired';
  const person = state.handover.person;
  if (state.unpaired) {
    output.out(unpairedLine(person, options.json));
    return 'unpaired';
  }
  const relay = await openRelay(folder, state, { quotaBytes });
  let onUnpaired: (revocation: DeviceRevocation) => void = () => undefined;
  const unpaired = new Promise<DeviceRevocation>((resolve) => (onUnpaired = resolve));
  const unwatch = watchRevocation(relay.node, person, onUnpaired);
  const signaling = new SignalingClient({
    url: state.signalingUrl,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
  });
  let network: NodeNetwork | undefined;
  let reporter: StatusReporter | undefined;
  let unfollow: (() => Promise<void>) | undefined;
  let revocation: DeviceRevocation | undefined;
  try {
    signaling.start();
    const started = await relay.node.startNetwork({
      signaling,
      SimplePeer: weriftPeers(options.ice),
      iceServers: () => [...state.iceServers],
      maxConnections,
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
        onUnpaired,
      });
    }
    reporter = new StatusReporter(
      () => relayStatus(relay.store, started, quotaBytes),
      (line) => output.out(line),
      options.json,
    );
    await reporter.start();
    revocation = await Promise.race([options.stopped.then(() => undefined), unpaired]);
    // Saved before the network stops: a run killed while stopping still never serves again.
    if (revocation) await saveRelayUnpaired(folder, revocation);
  } finally {
    unwatch();
    await unfollow?.();
    await reporter?.stop();
    network?.stop();
    signaling.stop();
    await relay.close();
  }
  if (revocation) {
    output.out(unpairedLine(person, options.json));
    return 'unpaired';
  }
  output.out(stoppedLine(options.json));
  return 'stopped';
}
