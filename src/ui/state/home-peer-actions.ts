/**
 * Pairing and unpairing a home peer from the app (`core-api.ts` exports them, so they load with
 * the core, not with the first screen's JS). Both run in the tab that runs the network; pairing
 * only on the device that holds the identity key, unpairing on any device of the person (a linked
 * one takes the identity from the recovery phrase, as a device removal does).
 */
import type { Running } from '../../boot.ts';
import type { DeviceId } from '../../core/ids.ts';
import { identityFromPhraseOf } from '../../core/identity/recovery-phrase.ts';
import type { Pairing, RelayDesk } from '../../core/pairing/relay-desk.ts';

function relaysOf(running: Running): RelayDesk {
  const relays = running.network.relays;
  if (!relays) throw new Error('home peers are managed in the tab that runs the network');
  return relays;
}

/** Starts pairing: the link to give the home peer; `onCode` gets the code it shows. */
export function pairHomePeer(
  running: Running,
  onCode: (code: string) => void,
  notIdentityDevice: string,
): Promise<Pairing> {
  const relays = relaysOf(running);
  if (!relays.canPair) throw new Error(notIdentityDevice);
  return relays.pair(onCode);
}

/** Unpairs a home peer: its certificate is revoked, on every device of the person. */
export async function unpairHomePeer(
  running: Running,
  device: DeviceId,
  phrase: string | undefined,
  notIdentityDevice: string,
): Promise<void> {
  const relays = relaysOf(running);
  if (running.kind === 'person') return relays.unpair(device);
  if (phrase === undefined) throw new Error(notIdentityDevice);
  await relays.unpair(device, await identityFromPhraseOf(phrase, running.peer.me));
}
