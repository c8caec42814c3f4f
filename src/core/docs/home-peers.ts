/**
 * The home peers a person paired, one Yjs map of relay device id to what any of their devices
 * needs to follow it (`kinds/home-peers.ts`): the relay channel's secret, when it was paired, and,
 * once unpaired, the identity key's revocation of it, so any of their devices can tell it.
 * Pairing on one device and unpairing on another merge (one map; the revocation is written last).
 */
import type * as Y from 'yjs';
import { fromBase64Url, toBase64Url } from '../bytes.ts';
import { parseDeviceId, type DeviceId } from '../ids.ts';
import { captureChange } from './yjs-change.ts';

/** The map's name, the doc's one root. */
export const HOME_PEERS_ROOT = 'home-peers';

/** Length of a relay channel's secret (`pairing/relay-channel.ts`). */
const CHANNEL_BYTES = 32;
/** Longest revocation kept, in base64url characters (a revocation is at most 146 bytes). */
const MAX_REVOCATION_CHARS = 200;

/** A home peer as every device of its person knows it. */
export interface HomePeer {
  readonly device: DeviceId;
  /** The relay channel's secret. */
  readonly channel: Uint8Array;
  /** When it was paired, ms since epoch. */
  readonly pairedAt: number;
  /** Once unpaired: the identity key's signed revocation of its device. */
  readonly revocation?: Uint8Array;
}

/** Records `peer` (paired, or unpaired with its revocation). Returns the update, or `null`. */
export function writeHomePeer(doc: Y.Doc, peer: HomePeer): Uint8Array | null {
  const value: Record<string, string | number> = {
    channel: toBase64Url(peer.channel),
    pairedAt: peer.pairedAt,
  };
  if (peer.revocation) value.revocation = toBase64Url(peer.revocation);
  return captureChange(doc, () => {
    const map = doc.getMap(HOME_PEERS_ROOT);
    const now = map.get(peer.device) as Record<string, unknown> | undefined;
    // An unpaired home peer stays unpaired: a pairing record arriving later never revives it.
    if (now && typeof now.revocation === 'string' && !peer.revocation) return;
    if (JSON.stringify(now) !== JSON.stringify(value)) map.set(peer.device, value);
  });
}

/** Every home peer the doc holds, skipping what is malformed. */
export function readHomePeers(doc: Y.Doc): HomePeer[] {
  const out: HomePeer[] = [];
  doc.getMap(HOME_PEERS_ROOT).forEach((value, key) => {
    const peer = parseHomePeer(key, value);
    if (peer) out.push(peer);
  });
  return out.sort((a, b) => a.pairedAt - b.pairedAt);
}

function parseHomePeer(key: string, value: unknown): HomePeer | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  try {
    const device = parseDeviceId(key);
    if (typeof v.channel !== 'string' || typeof v.pairedAt !== 'number') return null;
    const channel = fromBase64Url(v.channel);
    if (channel.length !== CHANNEL_BYTES) return null;
    if (v.revocation === undefined) return { device, channel, pairedAt: v.pairedAt };
    if (typeof v.revocation !== 'string' || v.revocation.length > MAX_REVOCATION_CHARS) return null;
    return { device, channel, pairedAt: v.pairedAt, revocation: fromBase64Url(v.revocation) };
  } catch {
    return null;
  }
}
