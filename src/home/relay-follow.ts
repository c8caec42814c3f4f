/**
 * The home peer's end of the relay channel (`core/pairing/relay-channel.ts`): a newer handover
 * from its person's device replaces the friend list it meets and serves (a friend made after
 * pairing is met, one removed is no longer served) and is saved in `relay.json`, so a restart
 * keeps it; it reports what it holds, which Settings → Home peer shows; and it hears that its
 * person unpaired it (`unpaired.ts`).
 */
import { systemClock, type Clock } from '../core/clock.ts';
import type { DeviceRevocation } from '../core/identity/revocation.ts';
import { openRelayEnd, type RelayReport } from '../core/pairing/relay-channel.ts';
import type { Signaling } from '../core/net/signaling-client.ts';
import { handoverFriends, type RelayHandover } from '../core/relay-handover.ts';
import type { OpenedRelay } from './relay-run.ts';
import { saveRelayHandover, type RelayState } from './relay-state.ts';

/**
 * Follows the person's device while the relay runs; returns the stop, which settles once a
 * handover being saved in `relay.json` is saved (so the folder can be closed or removed).
 */
export async function followPerson(options: {
  readonly folder: string;
  readonly state: RelayState & { readonly channel: Uint8Array };
  readonly relay: OpenedRelay;
  readonly signaling: Signaling;
  /** Its person unpaired it: their revocation of its device, verified. */
  readonly onUnpaired: (revocation: DeviceRevocation) => void;
  readonly clock?: Clock;
}): Promise<() => Promise<void>> {
  const { folder, relay } = options;
  let current = options.state.handover;
  const end = await openRelayEnd({
    secret: options.state.channel,
    signaling: options.signaling,
    clock: options.clock ?? systemClock,
    device: relay.node.device.key.deviceId,
    revocations: relay.node.revocations,
    current: () => current,
    onHandover: async (handover: RelayHandover) => {
      await saveRelayHandover(folder, handover);
      current = handover;
      relay.node.friends.replace(handoverFriends(handover));
    },
    onUnpaired: options.onUnpaired,
    report: () => report(relay, current),
  });
  const stops = [
    relay.node.ingestor.onStored(() => end.changed()),
    relay.node.blobs.onChange(() => end.changed()),
  ];
  return () => {
    for (const stop of stops) stop();
    return end.stop();
  };
}

/** What the relay holds now, for its person's device. */
async function report(
  relay: OpenedRelay,
  handover: RelayHandover,
): Promise<Omit<RelayReport, 'handover'>> {
  const logs = await relay.store.listLogs();
  return {
    entries: logs.reduce((sum, log) => sum + log.entries, 0),
    diskBytes: await relay.store.diskBytes(),
    own: logs
      .filter((log) => log.author === handover.person)
      .map((log) => [log.device, log.ranges.at(-1)?.end ?? 0] as const),
    blobsWaiting: relay.node.blobs.waitingCount,
  };
}
