/**
 * The relay's saved state in FOLDER (`relay.json`, mode 0600): what pairing leaves behind and a
 * later run resumes from. Its device key as the 32-byte Ed25519 seed (a file cannot hold a
 * CryptoKey), its certificate, its person's handover, and the signaling server and ICE servers
 * of the app it paired with; once its person unpaired it, their revocation of its device. JSON
 * with base64url bytes, so a person can read what their home peer keeps; `parseRelayState`
 * refuses anything else with a message saying what is wrong.
 */
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { fromBase64Url, toBase64Url } from '../core/bytes.ts';
import { decodeDeviceCertificate } from '../core/identity/device-certificate.ts';
import type { DeviceSession } from '../core/identity/device-setup.ts';
import { deviceKeyFromSeed, ed25519SeedOf, SEED_BYTES } from '../core/identity/keys.ts';
import { verifyDeviceRevocation, type DeviceRevocation } from '../core/identity/revocation.ts';
import { defaultVerifier } from '../core/identity/verifier.ts';
import { parsePersonId } from '../core/ids.ts';
import { parseIceServers, type IceServer } from '../core/net/ice-servers.ts';
import type { RelayHandover } from '../core/relay-handover.ts';

/** The file's name in FOLDER. */
export const RELAY_STATE_FILE = 'relay.json';
const VERSION = 1;

/** What a paired relay keeps. */
export interface RelayState {
  readonly device: DeviceSession;
  readonly handover: RelayHandover;
  /** `ws:`/`wss:` URL of the signaling server it paired through. */
  readonly signalingUrl: string;
  readonly iceServers: readonly IceServer[];
  /**
   * The relay channel's secret (`core/pairing/relay-channel.ts`): newer handovers come, and
   * reports go, on it. Pairing always writes one; a state without it follows no newer handover.
   */
  readonly channel?: Uint8Array;
  /** Its person unpaired it (`unpaired.ts`): their revocation of its device. */
  readonly unpaired?: DeviceRevocation;
}

/** The saved state is there but unusable; the message is the one line shown. */
export class RelayStateError extends Error {
  override readonly name = 'RelayStateError';
}

/** The state as written: the device key must be extractable (its seed is what is kept). */
export async function encodeRelayState(state: RelayState): Promise<string> {
  const { device, handover } = state;
  return JSON.stringify({
    version: VERSION,
    keySeed: toBase64Url(await ed25519SeedOf(device.key.keyPair.privateKey)),
    certificate: toBase64Url(device.certificate.bytes),
    yjsClientId: device.yjsClientId,
    handover: handoverJson(handover),
    signalingUrl: state.signalingUrl,
    iceServers: state.iceServers,
    ...(state.channel ? { channel: toBase64Url(state.channel) } : {}),
    ...(state.unpaired ? { unpaired: toBase64Url(state.unpaired.bytes) } : {}),
  });
}

/** Parses `text` as saved by {@link encodeRelayState}; throws {@link RelayStateError}. */
export async function parseRelayState(text: string): Promise<RelayState> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new RelayStateError('the saved relay state is not JSON');
  }
  const v = record(raw, 'the saved relay state');
  if (v.version !== VERSION) {
    throw new RelayStateError(
      `the saved relay state is version ${String(v.version)}, not ${VERSION}`,
    );
  }
  const keySeed = bytes(v.keySeed, 'keySeed', SEED_BYTES);
  const certificateBytes = bytes(v.certificate, 'certificate');
  if (!Number.isInteger(v.yjsClientId)) throw missing('yjsClientId');
  const h = record(v.handover, 'handover');
  if (!Array.isArray(h.friends)) throw missing('handover.friends');
  const handover: RelayHandover = {
    person: personId(h.person, 'handover.person'),
    ownDevices: bytes(h.ownDevices, 'handover.ownDevices', 32),
    friends: h.friends.map((item, i) => {
      const f = record(item, `handover.friends[${i}]`);
      return {
        person: personId(f.person, `handover.friends[${i}].person`),
        pairwiseSecret: bytes(f.pairwiseSecret, `handover.friends[${i}].pairwiseSecret`, 32),
      };
    }),
  };
  if (typeof v.signalingUrl !== 'string' || !/^wss?:\/\/\S+$/.test(v.signalingUrl)) {
    throw new RelayStateError('the saved relay state has no ws: or wss: signalingUrl');
  }
  const channel = v.channel === undefined ? undefined : bytes(v.channel, 'channel', 32);
  const iceServers = parseIceServers(v.iceServers);
  if (iceServers === undefined) throw new RelayStateError('the saved iceServers are malformed');

  let certificate;
  try {
    certificate = decodeDeviceCertificate(certificateBytes).certificate;
  } catch {
    throw new RelayStateError('the saved certificate is malformed');
  }
  const key = await deviceKeyFromSeed(keySeed);
  if (certificate.device !== key.deviceId) {
    throw new RelayStateError('the saved certificate is for another device key');
  }
  if (certificate.role !== 'relay')
    throw new RelayStateError('the saved certificate is not a relay’s');
  if (certificate.person !== handover.person) {
    throw new RelayStateError('the saved certificate is for another person than the handover');
  }
  const unpaired =
    v.unpaired === undefined ? undefined : await revocationOf(bytes(v.unpaired, 'unpaired'));
  if (unpaired && (unpaired.person !== handover.person || unpaired.device !== key.deviceId)) {
    throw new RelayStateError('the saved revocation is not of this relay by its person');
  }
  return {
    device: { key, certificate, yjsClientId: v.yjsClientId as number },
    handover,
    signalingUrl: v.signalingUrl,
    iceServers,
    ...(channel ? { channel } : {}),
    ...(unpaired ? { unpaired } : {}),
  };
}

async function revocationOf(bytes: Uint8Array): Promise<DeviceRevocation> {
  try {
    return await verifyDeviceRevocation(bytes, defaultVerifier);
  } catch {
    throw new RelayStateError('the saved revocation is malformed or not signed by its person');
  }
}

/** The state saved in `folder`, or null when it was never paired. */
export async function loadRelayState(folder: string): Promise<RelayState | null> {
  let text: string;
  try {
    text = await readFile(join(folder, RELAY_STATE_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return parseRelayState(text);
}

/** Saves `state` in `folder`, readable by its owner only (pairing's last step). */
export async function saveRelayState(folder: string, state: RelayState): Promise<void> {
  await replaceFile(join(folder, RELAY_STATE_FILE), await encodeRelayState(state));
}

/**
 * Saves a newer handover in the state saved in `folder` (the relay channel's, while running: the
 * loaded key is not extractable, so the rest of the file is kept as it is).
 */
export async function saveRelayHandover(folder: string, handover: RelayHandover): Promise<void> {
  await patchRelayState(folder, (saved) => {
    if (saved.handover.person !== handover.person)
      throw new RangeError('a handover of another person');
    return { handover: handoverJson(handover) };
  });
}

/** Saves in `folder`'s state that its person unpaired it (the revocation is checked as read). */
export async function saveRelayUnpaired(
  folder: string,
  revocation: DeviceRevocation,
): Promise<void> {
  await patchRelayState(folder, () => ({ unpaired: toBase64Url(revocation.bytes) }));
}

/**
 * Replaces fields of the state saved in `folder` with those `patch` returns for it, the rest of
 * the file kept as it is (while running, the loaded key is not extractable), then reads the
 * result back: a patch that spoils the state throws and is not kept.
 */
async function patchRelayState(
  folder: string,
  patch: (saved: RelayState) => Record<string, unknown>,
): Promise<void> {
  const path = join(folder, RELAY_STATE_FILE);
  // One after another: two at once would each read the file before the other wrote it, and
  // the second to land would drop the first's change (being unpaired, say).
  const done = patching.catch(() => undefined).then(() => patchNow(path, patch));
  patching = done;
  await done;
}

/** The last patch asked for in this process (the folder lock keeps a folder to one process). */
let patching: Promise<void> = Promise.resolve();

async function patchNow(
  path: string,
  patch: (saved: RelayState) => Record<string, unknown>,
): Promise<void> {
  const text = await readFile(path, 'utf8');
  const raw = JSON.parse(text) as Record<string, unknown>;
  const patched = JSON.stringify({ ...raw, ...patch(await parseRelayState(text)) });
  await parseRelayState(patched);
  await replaceFile(path, patched);
}

function handoverJson(handover: RelayHandover) {
  return {
    person: handover.person,
    ownDevices: toBase64Url(handover.ownDevices),
    friends: handover.friends.map((f) => ({
      person: f.person,
      pairwiseSecret: toBase64Url(f.pairwiseSecret),
    })),
  };
}

/**
 * Writes `text` beside `path`, flushes it, then renames it over `path` (readable by its owner
 * only): a crash leaves the old file or the new one, never half of either.
 */
async function replaceFile(path: string, text: string): Promise<void> {
  const beside = `${path}.new`;
  const file = await open(beside, 'w', 0o600);
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(beside, path);
}

function missing(field: string): RelayStateError {
  return new RelayStateError(`the saved relay state lacks a valid ${field}`);
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw missing(field);
  return value as Record<string, unknown>;
}

function bytes(value: unknown, field: string, length?: number): Uint8Array {
  if (typeof value !== 'string') throw missing(field);
  let out: Uint8Array;
  try {
    out = fromBase64Url(value);
  } catch {
    throw missing(field);
  }
  if (length !== undefined && out.length !== length) throw missing(field);
  return out;
}

function personId(value: unknown, field: string) {
  if (typeof value !== 'string') throw missing(field);
  try {
    return parsePersonId(value);
  } catch {
    throw missing(field);
  }
}
