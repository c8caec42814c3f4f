/**
 * The person's devices as this device knows them, for Settings (docs/devices.md): every device
 * of the person with a log held here, not revoked, each with when it last wrote, when its
 * certificate ends (the newest one seen: the identity device renews them), and whether it holds
 * the identity key (it wrote a certificate: only the identity key's device certifies).
 *
 * Read from what replicates (the person's logs and their certificate records), so every device
 * of the person lists the same devices once it has synced; their names replicate the same way
 * (`kinds/devices.ts`).
 */
import {
  certificateExpiry,
  decodeDeviceCertificate,
  type DeviceCertificate,
} from '../identity/device-certificate.ts';
import type { RevocationLookup } from '../identity/revocation.ts';
import { decodeEntry, entryHasPayload } from '../feed/entry-codec.ts';
import type { DeviceId, PersonId } from '../ids.ts';
import { docIdOf } from '../kinds/registry.ts';
import type { LogStore } from '../store/storage-adapter.ts';

/** One device of the person. */
export interface OwnDevice {
  readonly device: DeviceId;
  /** This device, the one the list is read on. */
  readonly thisOne: boolean;
  /** It holds the identity key (it certifies, renews and removes devices). */
  readonly holdsIdentity: boolean;
  /** When its newest entry held here was written, ms since epoch. */
  readonly lastWrote: number;
  /** When its newest certificate seen here ends, ms since epoch. */
  readonly certificateEnds: number;
}

/** Lists `me`'s devices held in `store` (module doc), this one first. */
export async function listOwnDevices(options: {
  readonly store: LogStore;
  readonly me: PersonId;
  readonly thisDevice: DeviceId;
  /** Whether this device holds the identity key. */
  readonly holdsIdentity: boolean;
  readonly revocations: RevocationLookup;
}): Promise<OwnDevice[]> {
  const { store, me, thisDevice, revocations } = options;
  const logs = (await store.listLogs()).filter(
    (log) => log.author === me && !revocations.revocationOf(me, log.device),
  );
  const listed = await Promise.all(
    logs.map(async ({ device }): Promise<OwnDevice | null> => {
      const [latest] = await store.getLatestEntries(me, device, 1);
      if (!latest) return null;
      const entry = decodeEntry(latest.bytes);
      return {
        device,
        thisOne: device === thisDevice,
        holdsIdentity: device === thisDevice && options.holdsIdentity,
        lastWrote: entry.timestamp,
        certificateEnds: certificateExpiry(
          newest(entry.certificate, await renewals(store, me, device)),
        ),
      };
    }),
  );
  const devices = listed.filter((d): d is OwnDevice => d !== null);
  // Who certified a device holds the identity key: every entry of a certificate record is
  // written by the identity device.
  const certifiers = new Set<DeviceId>();
  for (const { device } of devices) {
    const records = await store.getDocEntries(me, docIdOf({ kind: 'certificate', device }));
    for (const record of records) certifiers.add(record.device);
  }
  return devices
    .map((d) => (certifiers.has(d.device) ? { ...d, holdsIdentity: true } : d))
    .sort((a, b) => Number(b.thisOne) - Number(a.thisOne) || b.lastWrote - a.lastWrote);
}

/** The certificates of `device` renewed in its person's logs (verified as they were stored). */
async function renewals(
  store: LogStore,
  me: PersonId,
  device: DeviceId,
): Promise<DeviceCertificate[]> {
  const records = await store.getDocEntries(me, docIdOf({ kind: 'certificate', device }));
  const found: DeviceCertificate[] = [];
  for (const record of records) {
    if (!entryHasPayload(record.bytes)) continue;
    const entry = decodeEntry(record.bytes);
    if (entry.payloadKind !== 'key-record') continue;
    found.push(decodeDeviceCertificate(entry.payload).certificate);
  }
  return found.filter((c) => c.device === device && c.person === me);
}

function newest(first: DeviceCertificate, others: readonly DeviceCertificate[]): DeviceCertificate {
  return others.reduce((a, b) => (certificateExpiry(b) > certificateExpiry(a) ? b : a), first);
}
