/**
 * The three messages of linking a device (docs/protocol.md "Linking a device"), their layouts and
 * their refusals. Each is all-or-nothing: a malformed message is refused with a typed reason
 * before anything in it is used.
 *
 *   link (first device → new device, in a QR code or a URL fragment `#link=<base64url>`):
 *     version u8 (= 1) | person's identity key 32 | secret 32 | offer X25519 key 32
 *     | expiresAt varuint ms
 *   request (new device → first device):
 *     version u8 (= 1) | answer X25519 key 32 | new device's Ed25519 key 32 | tag 32
 *   bundle (first device → new device, sealed with the session key, `link-session.ts`):
 *     version u8 (= 2) | certificate varbytes (<= 147) | X25519 private seed 32 | self key 32
 *     | key generation varuint | device secret 32
 *     | earlier count varuint (<= 64) | each: X25519 seed 32 of an earlier generation, oldest first
 *     | own-devices secret 32 | epoch flag u8 [+ epoch varuint | epoch key 32]
 *     | friend count varuint (<= 5000) | each: person key 32 | X25519 key 32 | rendezvous 32
 *       | since varuint ms
 *     (version 1, still read: without the key generation, 0, the device secret and earlier seeds.)
 */
import * as encoding from 'lib0/encoding';
import { ByteReadError, ByteReader, fromBase64Url, toBase64Url } from '../bytes.ts';
import { MAX_FRIENDS } from '../docs/small-docs.ts';
import { MAX_DEVICE_CERTIFICATE_BYTES } from '../identity/device-certificate.ts';
import { MAX_KEY_GENERATION } from '../identity/keys.ts';
import { personIdFromKey, personIdToKey, type PersonId } from '../ids.ts';
import type { FriendsAndEpoch } from '../peer/backup.ts';

const VERSION = 1;
/** The bundle's version: 2 carries the key generation and the device secret. */
const BUNDLE_VERSION = 2;
const KEY_BYTES = 32;
/** Most earlier key generations a bundle carries (the most recent ones). */
export const MAX_EARLIER_GENERATIONS = 64;
/** Most friends a bundle carries: as many as a person keeps. */
export const MAX_LINK_FRIENDS = MAX_FRIENDS;
/** The URL fragment parameter that carries a link. */
export const LINK_FRAGMENT_KEY = 'link';
/** Longest link text accepted, in characters (bounds work before any parsing). */
const MAX_LINK_TEXT_CHARS = 1024;

/** Why a link step was refused; the UI shows one clear message per reason. */
export type LinkErrorReason =
  /** Not a link or message of this format (or cut short). */
  | 'malformed'
  /** Made by a newer Kith. */
  | 'unknown-version'
  /** Past its expiry (minutes after it was made). */
  | 'expired'
  /** Answered already: a link links one device, once. */
  | 'used'
  /** The person said the two codes differ: nothing was sent. */
  | 'refused'
  /** A message altered on the way, or answered by someone without the link. */
  | 'tampered'
  /** The bundle's certificate is not for this device or not from the link's person. */
  | 'bad-certificate';

/** A refused link step (see `LinkErrorReason`). */
export class LinkError extends Error {
  override readonly name = 'LinkError';

  constructor(
    readonly reason: LinkErrorReason,
    detail?: string,
  ) {
    super(`link refused: ${reason}${detail ? ` (${detail})` : ''}`);
  }
}

/** What a link says. */
export interface LinkPayload {
  readonly person: PersonId;
  readonly secret: Uint8Array;
  /** The first device's one-time X25519 public key. */
  readonly offerKey: Uint8Array;
  readonly expiresAt: number;
}

/** The new device's answer. */
export interface LinkRequest {
  /** The new device's one-time X25519 public key. */
  readonly answerKey: Uint8Array;
  /** The new device's own Ed25519 public key, to be certified. */
  readonly deviceKey: Uint8Array;
  /** Proof that whoever answers holds the link's secret (`link-session.ts`). */
  readonly tag: Uint8Array;
}

/** What the first device hands the new one (never the identity seed). */
export interface LinkBundle extends FriendsAndEpoch {
  /** The identity key's certificate for the new device's key. */
  readonly certificate: Uint8Array;
  /** The person's current X25519 private key, as its 32-byte seed. */
  readonly encryptionSeed: Uint8Array;
  /** The person's current raw self key. */
  readonly selfKey: Uint8Array;
  /** Which generation the two keys are. */
  readonly generation: number;
  /** The secret later generations are handed to the device with (`null`: a version 1 bundle). */
  readonly deviceSecret: Uint8Array | null;
  /** X25519 seeds of the generations before (what was sealed to them still opens). */
  readonly earlier: readonly Uint8Array[];
  /** The secret the person's own devices meet by. */
  readonly ownDevices: Uint8Array;
}

/**
 * Runs a decoder over the whole of `bytes` after its version byte (1 to `newest`), turning every
 * malformation into `LinkError('malformed')` (pairing's messages, `core/pairing/pair-codec.ts`,
 * too).
 */
export function decodeVersioned<T>(
  bytes: Uint8Array,
  read: (reader: ByteReader, version: number) => T,
  newest = VERSION,
): T {
  const reader = new ByteReader(bytes);
  try {
    const version = reader.u8();
    if (version < 1 || version > newest) throw new LinkError('unknown-version');
    const value = read(reader, version);
    reader.end();
    return value;
  } catch (error) {
    if (error instanceof ByteReadError) throw new LinkError('malformed', error.reason);
    throw error;
  }
}

/** Encodes a link's payload. */
export function encodeLinkPayload(payload: LinkPayload): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, VERSION);
  encoding.writeUint8Array(encoder, personIdToKey(payload.person));
  encoding.writeUint8Array(encoder, payload.secret);
  encoding.writeUint8Array(encoder, payload.offerKey);
  encoding.writeVarUint(encoder, payload.expiresAt);
  return encoding.toUint8Array(encoder);
}

/** Decodes a link's payload (its expiry is the session's to check). */
export function decodeLinkPayload(bytes: Uint8Array): LinkPayload {
  return decodeVersioned(bytes, (r) => ({
    person: personIdFromKey(r.bytes(KEY_BYTES)),
    secret: r.bytes(KEY_BYTES),
    offerKey: r.bytes(KEY_BYTES),
    expiresAt: r.varUint(),
  }));
}

/** The link as a URL on `origin`, the payload in its fragment (never sent to a server). */
export function linkUrl(origin: string, payload: Uint8Array): string {
  return `${origin}/#${LINK_FRAGMENT_KEY}=${toBase64Url(payload)}`;
}

/** The payload of a link pasted as a URL or as its bare base64url text. */
export function linkPayloadFromText(text: string): Uint8Array {
  const trimmed = text.trim();
  if (trimmed.length > MAX_LINK_TEXT_CHARS) throw new LinkError('malformed', 'too long');
  const marker = `#${LINK_FRAGMENT_KEY}=`;
  const at = trimmed.indexOf(marker);
  const encoded = at === -1 ? trimmed : trimmed.slice(at + marker.length);
  try {
    return fromBase64Url(encoded);
  } catch {
    throw new LinkError('malformed', 'not base64url');
  }
}

/** Encodes the new device's request. */
export function encodeLinkRequest(request: LinkRequest): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, VERSION);
  encoding.writeUint8Array(encoder, request.answerKey);
  encoding.writeUint8Array(encoder, request.deviceKey);
  encoding.writeUint8Array(encoder, request.tag);
  return encoding.toUint8Array(encoder);
}

/** Decodes a request (its tag is the session's to check). */
export function decodeLinkRequest(bytes: Uint8Array): LinkRequest {
  return decodeVersioned(bytes, (r) => ({
    answerKey: r.bytes(KEY_BYTES),
    deviceKey: r.bytes(KEY_BYTES),
    tag: r.bytes(KEY_BYTES),
  }));
}

/** Encodes a bundle (before it is sealed). */
export function encodeLinkBundle(bundle: LinkBundle): Uint8Array {
  if (bundle.friends.length > MAX_LINK_FRIENDS) throw new RangeError('too many friends to link');
  if (!bundle.deviceSecret) throw new RangeError('a bundle carries a device secret');
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, BUNDLE_VERSION);
  encoding.writeVarUint8Array(encoder, bundle.certificate);
  encoding.writeUint8Array(encoder, bundle.encryptionSeed);
  encoding.writeUint8Array(encoder, bundle.selfKey);
  encoding.writeVarUint(encoder, bundle.generation);
  encoding.writeUint8Array(encoder, bundle.deviceSecret);
  if (bundle.earlier.length > MAX_EARLIER_GENERATIONS) throw new RangeError('too many generations');
  encoding.writeVarUint(encoder, bundle.earlier.length);
  for (const seed of bundle.earlier) encoding.writeUint8Array(encoder, seed);
  encoding.writeUint8Array(encoder, bundle.ownDevices);
  encoding.writeUint8(encoder, bundle.epoch ? 1 : 0);
  if (bundle.epoch) {
    encoding.writeVarUint(encoder, bundle.epoch.epoch);
    encoding.writeUint8Array(encoder, bundle.epoch.key);
  }
  encoding.writeVarUint(encoder, bundle.friends.length);
  for (const friend of bundle.friends) {
    encoding.writeUint8Array(encoder, personIdToKey(friend.person));
    encoding.writeUint8Array(encoder, friend.encryptionKey);
    encoding.writeUint8Array(encoder, friend.rendezvous);
    encoding.writeVarUint(encoder, friend.since);
  }
  return encoding.toUint8Array(encoder);
}

/** Decodes an opened bundle. */
export function decodeLinkBundle(bytes: Uint8Array): LinkBundle {
  return decodeVersioned(
    bytes,
    (r, version) => {
      const certificate = r.varBytes(MAX_DEVICE_CERTIFICATE_BYTES);
      const encryptionSeed = r.bytes(KEY_BYTES);
      const selfKey = r.bytes(KEY_BYTES);
      const generation = version === 1 ? 0 : r.varUint(MAX_KEY_GENERATION);
      const deviceSecret = version === 1 ? null : r.bytes(KEY_BYTES);
      const generations = version === 1 ? 0 : r.varUint(MAX_EARLIER_GENERATIONS);
      const earlier = Array.from({ length: generations }, () => r.bytes(KEY_BYTES));
      const ownDevices = r.bytes(KEY_BYTES);
      const flag = r.u8();
      if (flag > 1) throw new LinkError('malformed', 'epoch flag');
      const epoch = flag === 1 ? { epoch: r.varUint(), key: r.bytes(KEY_BYTES) } : null;
      const count = r.varUint(MAX_LINK_FRIENDS);
      const friends = Array.from({ length: count }, () => ({
        person: personIdFromKey(r.bytes(KEY_BYTES)),
        encryptionKey: r.bytes(KEY_BYTES),
        rendezvous: r.bytes(KEY_BYTES),
        since: r.varUint(),
      }));
      return {
        certificate,
        encryptionSeed,
        selfKey,
        generation,
        deviceSecret,
        earlier,
        ownDevices,
        epoch,
        friends,
      };
    },
    BUNDLE_VERSION,
  );
}
