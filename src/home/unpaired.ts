/**
 * How a home peer learns that its person unpaired it: their identity key's revocation of its
 * device, told on the relay channel (`relay-follow.ts`), or found in its person's log as it
 * replicates it (from a device that had not heard of the revocation yet). The FOLDER run then
 * saves it in `relay.json`, so no later run in FOLDER serves again, says so and ends
 * (`relay-run.ts`).
 */
import type { DeviceRevocation } from '../core/identity/revocation.ts';
import type { PersonId } from '../core/ids.ts';
import type { RelayNode } from '../core/node.ts';

/** Calls `onRevoked` once `person`'s revocation of the relay's device is held; returns the stop. */
export function watchRevocation(
  node: Pick<RelayNode, 'revocations' | 'ingestor' | 'device'>,
  person: PersonId,
  onRevoked: (revocation: DeviceRevocation) => void,
): () => void {
  const device = node.device.key.deviceId;
  const look = () => {
    const revocation = node.revocations.revocationOf(person, device);
    if (revocation) onRevoked(revocation);
  };
  // Entries from the network are verified (their revocations learnt) before they are stored.
  const stop = node.ingestor.onStored(look);
  look();
  return stop;
}

/** The line a run ends with, and a later run says at once, once its person unpaired it. */
export function unpairedLine(person: PersonId, json: boolean): string {
  return json
    ? JSON.stringify({ status: 'unpaired', person })
    : `unpaired by ${person}: this folder can be deleted or paired again`;
}
