/**
 * Invite links. The inviter's device makes an invite, signs it with the identity key and puts it
 * in a link's URL fragment, `https://origin/#invite=<base64url payload>`: browsers never send a
 * fragment to any server. Whoever opens the link learns who invites them (the whole identity key,
 * and the signed X25519 key to seal things to them), where to meet them (signaling URLs), until
 * when, and a one-time secret from which the meeting topic and its encryption key derive.
 *
 * Payload layout (lib0 encoding; see docs/protocol.md "Mesh"):
 *
 *   version u8 (1 or 2) | inviter identity key 32 | X25519 key record varbytes (<= 160)
 *   | secret 32 | expiresAt varuint ms | flags u8 (bit 0 multi-use; others zero)
 *   | url count u8 (1..4) | urls: varstring (<= 256 bytes, ws: or wss:) each
 *   | version 2 only: inviter's name varstring (<= 320 bytes)
 *   | signature 64 (identity key over "kith/invite/v1" 0x00 body)
 *
 * Version 2 adds the inviter's name, signed with the rest, so the invite screen can say who
 * invites before anything is exchanged; version 1 links (no name) are still accepted. No photo:
 * the link must stay short enough for a scannable QR code.
 *
 * Decoding is all-or-nothing with a typed reason for each refusal; expiry is checked against the
 * caller's clock as soon as the signature holds.
 */
import * as encoding from 'lib0/encoding';
import { ByteReadError, ByteReader, fromBase64Url, randomBytes, toBase64Url } from '../bytes.ts';
import type { RandomBytes } from '../bytes.ts';
import type { Clock } from '../clock.ts';
import { personIdFromKey, type PersonId } from '../ids.ts';
import { ED25519_SIGNATURE_BYTES } from '../identity/ed25519-checks.ts';
import {
  verifyEncryptionKeyRecord,
  type EncryptionKeyRecord,
} from '../identity/encryption-key-record.ts';
import type { Identity } from '../identity/keys.ts';
import { RecordError, signRecord, signingInput } from '../identity/signed-record.ts';
import type { Ed25519Verifier } from '../identity/verifier.ts';

/** Domain string of invite signatures. */
export const DOMAIN_INVITE = 'kith/invite/v1';
/** Current payload version (2: with the inviter's name). */
export const INVITE_VERSION = 2;
/** The first version, without the inviter's name: still accepted. */
const INVITE_VERSION_UNNAMED = 1;
/** Longest inviter name, in UTF-8 bytes (a profile name's 80 characters, 4 bytes each). */
export const MAX_INVITE_NAME_BYTES = 320;
/** Length of the one-time secret. */
export const INVITE_SECRET_BYTES = 32;
/** Most signaling URLs an invite carries. */
export const MAX_INVITE_URLS = 4;
/** Longest signaling URL, in UTF-8 bytes. */
export const MAX_INVITE_URL_BYTES = 256;
/** Longest embedded X25519 key record. */
export const MAX_KEY_RECORD_BYTES = 160;
/** Longest payload accepted, in base64url characters (bounds work before any parsing). */
export const MAX_INVITE_PAYLOAD_CHARS = 2048;
/** The fragment parameter that carries the payload. */
export const INVITE_FRAGMENT_KEY = 'invite';

const FLAG_MULTI_USE = 1;
const KEY_BYTES = 32;

/** Why an invite was refused; the UI shows one clear message per reason. */
export type InviteErrorReason =
  | 'empty'
  | 'too-large'
  | 'malformed'
  | 'unsupported-version'
  | 'bad-url'
  | 'too-many-urls'
  | 'bad-signature'
  | 'bad-key-record'
  | 'expired';

/** Thrown for any invite or invite link that cannot be used. */
export class InviteError extends Error {
  override readonly name = 'InviteError';
  constructor(
    readonly reason: InviteErrorReason,
    readonly detail?: string,
  ) {
    super(`invite refused: ${reason}${detail ? ` (${detail})` : ''}`);
  }
}

/** A decoded, verified invite. */
export interface Invite {
  /** The inviter. */
  readonly inviter: PersonId;
  /** The name the inviter signed into the link; `null` in a version 1 link. */
  readonly inviterName: string | null;
  /** Their 32-byte identity public key. */
  readonly inviterKey: Uint8Array;
  /** Their verified X25519 key record (to seal the pairwise secret to them). */
  readonly keyRecord: EncryptionKeyRecord;
  /** The 32-byte one-time secret: the invite topic and its key derive from it. */
  readonly secret: Uint8Array;
  /** After this instant (ms since epoch) the invite is refused. */
  readonly expiresAt: number;
  /** Whether several people may accept it (single use by default). */
  readonly multiUse: boolean;
  /** Where to meet the inviter (ws: or wss:). */
  readonly signalingUrls: readonly string[];
  /** The encoded, signed payload. */
  readonly bytes: Uint8Array;
}

/** What the inviter chooses for a new invite. */
export interface InviteOptions {
  readonly identity: Identity;
  /** The inviter's display name, signed into the link (a version 2 link); none: version 1. */
  readonly inviterName?: string;
  /** The inviter's published X25519 key record (`publishEncryptionKey`). */
  readonly keyRecord: EncryptionKeyRecord;
  readonly expiresAt: number;
  readonly multiUse?: boolean;
  readonly signalingUrls: readonly string[];
  readonly random?: RandomBytes;
}

/** Checks one signaling URL; returns the reason it is unusable, if it is. */
export function checkSignalingUrl(url: string): string | undefined {
  if (new TextEncoder().encode(url).length > MAX_INVITE_URL_BYTES) return 'too long';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') return 'not ws: or wss:';
  if (parsed.username !== '' || parsed.password !== '') return 'carries credentials';
  if (parsed.hash !== '') return 'carries a fragment';
  return undefined;
}

function checkUrls(urls: readonly string[]): void {
  if (urls.length > MAX_INVITE_URLS) throw new InviteError('too-many-urls');
  if (urls.length === 0) throw new InviteError('bad-url', 'no signaling URL');
  for (const url of urls) {
    const problem = checkSignalingUrl(url);
    if (problem) throw new InviteError('bad-url', problem);
  }
}

/** Makes and signs a new invite. Throws `InviteError` for unusable URLs, `RangeError` for bugs. */
export async function createInvite(options: InviteOptions): Promise<Invite> {
  const { identity, keyRecord } = options;
  if (keyRecord.person !== identity.personId) throw new RangeError('key record of someone else');
  if (!Number.isSafeInteger(options.expiresAt) || options.expiresAt < 0) {
    throw new RangeError('bad expiresAt');
  }
  checkUrls(options.signalingUrls);
  const name = options.inviterName;
  if (name !== undefined && new TextEncoder().encode(name).length > MAX_INVITE_NAME_BYTES) {
    throw new RangeError('inviter name too long');
  }
  const secret = (options.random ?? randomBytes)(INVITE_SECRET_BYTES);
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, name === undefined ? INVITE_VERSION_UNNAMED : INVITE_VERSION);
  encoding.writeUint8Array(encoder, identity.publicKey);
  encoding.writeVarUint8Array(encoder, keyRecord.bytes);
  encoding.writeUint8Array(encoder, secret);
  encoding.writeVarUint(encoder, options.expiresAt);
  encoding.writeUint8(encoder, options.multiUse ? FLAG_MULTI_USE : 0);
  encoding.writeUint8(encoder, options.signalingUrls.length);
  for (const url of options.signalingUrls) encoding.writeVarString(encoder, url);
  if (name !== undefined) encoding.writeVarString(encoder, name);
  const bytes = await signRecord(
    DOMAIN_INVITE,
    encoding.toUint8Array(encoder),
    identity.signingKey,
  );
  return {
    inviter: identity.personId,
    inviterName: name ?? null,
    inviterKey: identity.publicKey.slice(),
    keyRecord,
    secret,
    expiresAt: options.expiresAt,
    multiUse: options.multiUse ?? false,
    signalingUrls: [...options.signalingUrls],
    bytes,
  };
}

/** The payload text of an invite (what follows `#invite=`). */
export function encodeInvite(invite: Invite): string {
  return toBase64Url(invite.bytes);
}

/** The shareable link: `origin` (e.g. `https://kith.example`) with the payload in its fragment. */
export function inviteLink(origin: string, invite: Invite): string {
  return `${origin.replace(/\/+$/, '')}/#${INVITE_FRAGMENT_KEY}=${encodeInvite(invite)}`;
}

/**
 * The payload text of a link (or of a bare fragment `#invite=...`, or of the payload itself).
 * Throws `InviteError('empty' | 'malformed' | 'too-large')`.
 */
export function invitePayloadFromLink(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') throw new InviteError('empty');
  const hash = trimmed.indexOf('#');
  if (hash === -1) return trimmed;
  const params = new URLSearchParams(trimmed.slice(hash + 1));
  const payload = params.get(INVITE_FRAGMENT_KEY);
  if (payload === null) throw new InviteError('malformed', 'no invite in the link');
  if (payload === '') throw new InviteError('empty');
  return payload;
}

interface RawInvite {
  inviterKey: Uint8Array;
  keyRecordBytes: Uint8Array;
  secret: Uint8Array;
  expiresAt: number;
  multiUse: boolean;
  signalingUrls: string[];
  inviterName: string | null;
}

function readBody(reader: ByteReader): RawInvite {
  const version = reader.u8();
  if (version !== INVITE_VERSION && version !== INVITE_VERSION_UNNAMED) {
    throw new InviteError('unsupported-version', `v${version}`);
  }
  const inviterKey = reader.bytes(KEY_BYTES);
  const keyRecordBytes = reader.varBytes(MAX_KEY_RECORD_BYTES);
  const secret = reader.bytes(INVITE_SECRET_BYTES);
  const expiresAt = reader.varUint();
  const flags = reader.u8();
  if ((flags & ~FLAG_MULTI_USE) !== 0) throw new InviteError('malformed', 'unknown flags');
  const count = reader.u8();
  if (count > MAX_INVITE_URLS) throw new InviteError('too-many-urls');
  const signalingUrls: string[] = [];
  for (let i = 0; i < count; i++) signalingUrls.push(reader.varString(MAX_INVITE_URL_BYTES));
  const inviterName =
    version === INVITE_VERSION_UNNAMED ? null : reader.varString(MAX_INVITE_NAME_BYTES);
  return {
    inviterName,
    inviterKey,
    keyRecordBytes,
    secret,
    expiresAt,
    multiUse: (flags & FLAG_MULTI_USE) !== 0,
    signalingUrls,
  };
}

/**
 * Decodes and verifies an invite payload or link at `clock.now()`. Every refusal is an
 * {@link InviteError}; nothing else is thrown for any input.
 */
export async function decodeInvite(
  text: string,
  clock: Clock,
  verifier: Ed25519Verifier,
): Promise<Invite> {
  const payload = invitePayloadFromLink(text);
  if (payload.length > MAX_INVITE_PAYLOAD_CHARS) throw new InviteError('too-large');
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(payload);
  } catch {
    throw new InviteError('malformed', 'not base64url');
  }
  if (bytes.length === 0) throw new InviteError('empty');
  const reader = new ByteReader(bytes);
  let raw: RawInvite;
  let signature: Uint8Array;
  try {
    raw = readBody(reader);
    signature = reader.bytes(ED25519_SIGNATURE_BYTES);
    reader.end();
  } catch (error) {
    if (error instanceof ByteReadError) throw new InviteError('malformed', error.reason);
    throw error;
  }
  checkUrls(raw.signalingUrls);
  const body = bytes.subarray(0, bytes.length - ED25519_SIGNATURE_BYTES);
  const verdict = await verifier.verify({
    publicKey: raw.inviterKey,
    message: signingInput(DOMAIN_INVITE, body),
    signature,
  });
  if (!verdict.ok) throw new InviteError('bad-signature', verdict.reason);
  const inviter = personIdFromKey(raw.inviterKey);
  let keyRecord: EncryptionKeyRecord;
  try {
    keyRecord = await verifyEncryptionKeyRecord(raw.keyRecordBytes, verifier, inviter);
  } catch (error) {
    if (error instanceof RecordError) throw new InviteError('bad-key-record', error.reason);
    throw error;
  }
  if (clock.now() > raw.expiresAt) throw new InviteError('expired');
  return {
    inviter,
    inviterName: raw.inviterName,
    inviterKey: raw.inviterKey,
    keyRecord,
    secret: raw.secret,
    expiresAt: raw.expiresAt,
    multiUse: raw.multiUse,
    signalingUrls: raw.signalingUrls,
    bytes: bytes.slice(),
  };
}
