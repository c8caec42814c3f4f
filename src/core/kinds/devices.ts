/**
 * `devices`: the names a person gives their devices (`docs/device-names.ts`), readable by their
 * own devices only, like the friend list: sealed under the self key, in the person's own logs
 * (so only entries signed by one of their certified, unrevoked devices are taken). A plain one
 * is refused rather than shown, and another person's is never opened.
 */
import { DEVICE_NAMES_ROOT } from '../docs/device-names.ts';
import { parseDocId } from '../ids.ts';
import { expectFields, type DocKind } from './kind.ts';
import { ownDevicesOnly } from './payload.ts';

/** The device-names doc (one per person). */
export interface DevicesRef {
  readonly kind: 'devices';
}

/** The `devices` kind. */
export const devicesKind: DocKind<DevicesRef> = {
  kind: 'devices',
  shape: 'doc',
  rank: 1,
  // Keyed by device id: the cap on bytes and entries bounds it.
  caps: { maxBytes: 64 * 1024, maxEntries: 1_000, root: DEVICE_NAMES_ROOT, fields: 'any' },
  format: () => parseDocId('devices'),
  parse(fields) {
    expectFields('devices', fields, 0);
    return { kind: 'devices' };
  },
  ...ownDevicesOnly((ref: DevicesRef) => devicesKind.format(ref), 'device names'),
  // Read when Settings asks (`Peer.deviceNames`): no view.
  async view() {},
};
