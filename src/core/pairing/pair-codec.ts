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
 *     | ICE servers varstring (JSON, <= 4 KiB) | friends
 *   handover (person's device → relay, on the relay channel, `relay-channel.ts`):
 *     version u8 (= 1) | own-devices secret 32 | friends
 *   friends: count varuint (<= MAX_PAIR_FRIENDS) | each: person key 32 | pairwise secret 32
 *
 * Both travel in parts (`net/parts.ts`), so neither is bounded by one signaling message: a
 * relay follows as many friends as a person's device links (`MAX_LINK_FRIENDS`).
 *
 * No identity seed, no encryption key, no self key: a relay reads nothing it holds.
 */
import * as encoding from 'lib0/encoding';
import { fromBase64Url, toBase64Url, type ByteReader } from '../bytes.ts';
import { MAX_DEVICE_CERTIFICATE_BYTES } from '../identity/device-certificate.ts';
import { personIdFromKey, personIdToKey, type PersonId } from '../ids.ts';
import { decodeVersioned, LinkError, MAX_LINK_FRIENDS } from '../link/link-codec.ts';
import type { FriendLink } from '../net/connection-manager.ts';
import { parseIceServers, type IceServer } from '../net/ice-servers.ts';
import type { RelayHandover } from '../relay-handover.ts';

const VERSION = 1;
const KEY_BYTES = 32;
/** The URL fragment parameter that carries a pairing link. */
export const PAIR_FRAGMENT_KEY = 'pair';
/** Longest pairing text accepted, in characters (bounds work before any parsing). */
const MAX_PAIR_TEXT_CHARS = 2048;
/** Longest ICE server list carried, as JSON bytes. */
const MAX_ICE_JSON_BYTES = 4096;
/**
 * Most friends a bundle or handover carries: as many as a device link hands a new device, Kith's
 * declared bound of a person's friends (`MAX_EPOCH_RECIPIENTS` too). Refused past it on both
 * sides.
 */
export const MAX_PAIR_FRIENDS = MAX_LINK_FRIENDS;

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
  checkFriendCount(bundle.friends);
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, VERSION);
  encoding.writeVarUint8Array(encoder, bundle.certificate);
  encoding.writeUint8Array(encoder, bundle.ownDevices);
  encoding.writeUint8Array(encoder, bundle.channel);
  encoding.writeVarString(encoder, JSON.stringify(bundle.iceServers));
  writeFriends(encoder, bundle.friends);
  return encoding.toUint8Array(encoder);
}

/** Decodes an opened bundle; throws `LinkError` (`malformed`, `unknown-version`). */
export function decodePairBundle(bytes: Uint8Array): PairBundle {
  return decodeVersioned(bytes, (reader) => ({
    certificate: reader.varBytes(MAX_DEVICE_CERTIFICATE_BYTES),
    ownDevices: reader.bytes(KEY_BYTES),
    channel: reader.bytes(KEY_BYTES),
    iceServers: iceFrom(reader.varString(MAX_ICE_JSON_BYTES)),
    friends: readFriends(reader),
  }));
}

/** Encodes a handover for the relay channel (its person is the channel's, so not sent). */
export function encodeHandover(handover: Omit<RelayHandover, 'person'>): Uint8Array {
  checkFriendCount(handover.friends);
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, VERSION);
  encoding.writeUint8Array(encoder, handover.ownDevices);
  writeFriends(encoder, handover.friends);
  return encoding.toUint8Array(encoder);
}

/** Decodes a handover of `person`'s; throws `LinkError` (`malformed`, `unknown-version`). */
export function decodeHandover(bytes: Uint8Array, person: PersonId): RelayHandover {
  return decodeVersioned(bytes, (reader) => ({
    person,
    ownDevices: reader.bytes(KEY_BYTES),
    friends: readFriends(reader),
  }));
}

function checkFriendCount(friends: readonly FriendLink[]): void {
  if (friends.length > MAX_PAIR_FRIENDS) {
    throw new RangeError(`${friends.length} friends, past the ${MAX_PAIR_FRIENDS} a relay follows`);
  }
}

function writeFriends(encoder: encoding.Encoder, friends: readonly FriendLink[]): void {
  encoding.writeVarUint(encoder, friends.length);
  for (const friend of friends) {
    encoding.writeUint8Array(encoder, personIdToKey(friend.person));
    encoding.writeUint8Array(encoder, friend.pairwiseSecret);
  }
}

function readFriends(reader: ByteReader): FriendLink[] {
  const count = reader.varUint(MAX_PAIR_FRIENDS);
  return Array.from({ length: count }, () => ({
    person: personIdFromKey(reader.bytes(KEY_BYTES)),
    pairwiseSecret: reader.bytes(KEY_BYTES),
  }));
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
