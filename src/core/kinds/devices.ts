/**
 * `devices`: the names a person gives their devices (`docs/device-names.ts`), readable by their
 * own devices only, like the friend list (`own-devices-doc.ts`). Read when Settings asks
 * (`Peer.deviceNames`): no view.
 */
import { DEVICE_NAMES_ROOT } from '../docs/device-names.ts';
import { ownDevicesDoc } from './own-devices-doc.ts';

/** The device-names doc (one per person). */
export interface DevicesRef {
  readonly kind: 'devices';
}

/** The `devices` kind. Keyed by device id: the cap on bytes and entries bounds it. */
export const devicesKind = ownDevicesDoc({
  kind: 'devices',
  what: 'device names',
  root: DEVICE_NAMES_ROOT,
  maxBytes: 64 * 1024,
  maxEntries: 1_000,
});
