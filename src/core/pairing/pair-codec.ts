/**
 * Pairing a home peer (docs/protocol.md "Pairing a home peer"): the link's text and the bundle a
 * person's device seals to its new relay. The exchange itself is the device link's
 * (`link/link-session.ts`: the same payload, request, short code and sealing), so only what
 * differs is here:
 *
 *   pairing text: `<origin>/#pair=<base64url of the link payload>` — the origin names the server
 *     whose signaling the exchange, and the relay after it, use; `pair` (not `link`) so that a
 *     browser opening it never takes it for a device's link.
 *   bundle (person's device → relay, sealed with the session key):
 *     version u8 (= 1) | certificate varbytes (<= 147) | own-devices secret 32 | channel secret 32
 *     | ICE servers varstring (JSON, <= 4 KiB) | friend count varuint (<= MAX_PAIR_FRIENDS)
 *     | each: person key 32 | pairwise secret 32
 *
 * No identity seed, no encryption key, no self key: a relay reads nothing it holds.
 */
import * as encoding from 'lib0/encoding';
import { ByteReadError, ByteReader, fromBase64Url, toBase64Url } from '../bytes.ts';
import { MAX_DEVICE_CERTIFICATE_BYTES } from '../identity/device-certificate.ts';
import { personIdFromKey, personIdToKey } from '../ids.ts';
import { LinkError } from '../link/link-codec.ts';
import type { FriendLink } from '../net/connection-manager.ts';
import { parseIceServers, type IceServer } from '../net/ice-servers.ts';

const VERSION = 1;
const KEY_BYTES = 32;
/** The URL fragment parameter that carries a pairing link. */
export const PAIR_FRAGMENT_KEY = 'pair';
/** Longest pairing text accepted, in characters (bounds work before any parsing). */
const MAX_PAIR_TEXT_CHARS = 2048;
/** Longest ICE server list carried, as JSON bytes. */
const MAX_ICE_JSON_BYTES = 4096;
/**
 * Most friends a bundle carries: a sealed bundle must fit one signaling message
 * (`MAX_SIGNAL_BOX_CHARS`), as the relay channel's handover does (`relay-channel.ts`).
 */
export const MAX_PAIR_FRIENDS = 300;

/** A pairing link as the home peer reads it. */
export interface PairingText {
  /** The app's origin (`https://host`): its signaling server is where both sides meet. */
  readonly origin: string;
  /** The link payload (`link/link-codec.ts`). */
  readonly payload: Uint8Array;
}

/** What the person's device hands its relay. */
export interface PairBundle {
  /** The identity key's certificate for the relay's key, role `relay`. */
  readonly certificate: Uint8Array;
  /** The secret the person's own devices meet by. */
  readonly ownDevices: Uint8Array;
  /** The secret of the relay channel (`relay-channel.ts`): later handovers and the relay's status. */
  readonly channel: Uint8Array;
  /** The STUN/TURN servers the person's device uses with that server. */
  readonly iceServers: readonly IceServer[];
  /** The person's friends, each with the pairwise secret their devices meet on. */
  readonly friends: readonly FriendLink[];
}

/** The pairing link for `payload` on `origin`. */
export function pairingText(origin: string, payload: Uint8Array): string {
  return `${origin}/#${PAIR_FRAGMENT_KEY}=${toBase64Url(payload)}`;
}

/** Reads a pairing link; throws `LinkError('malformed')` for anything else. */
export function parsePairingText(text: string): PairingText {
  const trimmed = text.trim();
  if (trimmed.length > MAX_PAIR_TEXT_CHARS) throw new LinkError('malformed', 'too long');
  const marker = `/#${PAIR_FRAGMENT_KEY}=`;
  const at = trimmed.indexOf(marker);
  if (at === -1) throw new LinkError('malformed', 'not a pairing link');
  let origin: string;
  try {
    const url = new URL(trimmed.slice(0, at));
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(url.protocol);
    origin = url.origin;
  } catch {
    throw new LinkError('malformed', 'not a pairing link');
  }
  try {
    return { origin, payload: fromBase64Url(trimmed.slice(at + marker.length)) };
  } catch {
    throw new LinkError('malformed', 'not base64url');
  }
}

/** Encodes a bundle (before it is sealed). */
export function encodePairBundle(bundle: PairBundle): Uint8Array {
  if (bundle.friends.length > MAX_PAIR_FRIENDS) throw new RangeError('too many friends to pair');
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, VERSION);
  encoding.writeVarUint8Array(encoder, bundle.certificate);
  encoding.writeUint8Array(encoder, bundle.ownDevices);
  encoding.writeUint8Array(encoder, bundle.channel);
  encoding.writeVarString(encoder, JSON.stringify(bundle.iceServers));
  encoding.writeVarUint(encoder, bundle.friends.length);
  for (const friend of bundle.friends) {
    encoding.writeUint8Array(encoder, personIdToKey(friend.person));
    encoding.writeUint8Array(encoder, friend.pairwiseSecret);
  }
  return encoding.toUint8Array(encoder);
}

/** Decodes an opened bundle; throws `LinkError` (`malformed`, `unknown-version`). */
export function decodePairBundle(bytes: Uint8Array): PairBundle {
  const reader = new ByteReader(bytes);
  try {
    if (reader.u8() !== VERSION) throw new LinkError('unknown-version');
    const certificate = reader.varBytes(MAX_DEVICE_CERTIFICATE_BYTES);
    const ownDevices = reader.bytes(KEY_BYTES);
    const channel = reader.bytes(KEY_BYTES);
    const iceServers = iceFrom(reader.varString(MAX_ICE_JSON_BYTES));
    const count = reader.varUint(MAX_PAIR_FRIENDS);
    const friends = Array.from({ length: count }, () => ({
      person: personIdFromKey(reader.bytes(KEY_BYTES)),
      pairwiseSecret: reader.bytes(KEY_BYTES),
    }));
    reader.end();
    return { certificate, ownDevices, channel, iceServers, friends };
  } catch (error) {
    if (error instanceof ByteReadError) throw new LinkError('malformed', error.reason);
    throw error;
  }
}

function iceFrom(text: string): IceServer[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new LinkError('malformed', 'ICE servers');
  }
  const servers = parseIceServers(parsed);
  if (servers === undefined) throw new LinkError('malformed', 'ICE servers');
  return servers;
}
