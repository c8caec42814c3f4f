/**
 * The names a person gives their devices ("Pocket phone"), one Yjs map of device id to name in
 * the `devices` doc (`kinds/devices.ts`), so a rename on one device shows on the others.
 */
import type * as Y from 'yjs';
import { captureChange } from './yjs-change.ts';

/** Longest device name, in UTF-16 units. */
export const MAX_DEVICE_NAME = 60;

/** The map's name, the doc's one root. */
export const DEVICE_NAMES_ROOT = 'devices';

/**
 * Names `device` (trimmed, cut to {@link MAX_DEVICE_NAME}); an empty name forgets it. Returns
 * the update, or `null` when nothing changed.
 */
export function writeDeviceName(doc: Y.Doc, device: string, name: string): Uint8Array | null {
  const trimmed = name.trim().slice(0, MAX_DEVICE_NAME);
  return captureChange(doc, () => {
    const map = doc.getMap(DEVICE_NAMES_ROOT);
    if (!trimmed) map.delete(device);
    else if (map.get(device) !== trimmed) map.set(device, trimmed);
  });
}

/** Every device name the doc holds, skipping what is not a name. */
export function readDeviceNames(doc: Y.Doc): Record<string, string> {
  const out: Record<string, string> = {};
  doc.getMap(DEVICE_NAMES_ROOT).forEach((value, device) => {
    if (typeof value === 'string' && value.length <= MAX_DEVICE_NAME) out[device] = value;
  });
  return out;
}
