/**
 * Accepting an invite, as pure messages. The flow (design section 5, "Invites while the inviter
 * is away"):
 *
 *   invitee                                  invite topic                     inviter's device
 *   opens the link, checks expiry
 *   makes a pairwise secret, seals it
 *   to the inviter's X25519 key
 *   publishes  {type:'accept'}  ───────────────▶  (repeats until answered; the inviter may be
 *                                                  offline for days: the acceptance is kept)
 *                                                 opens it, checks revocation, expiry,
 *                                                 single use (InviteBook), answers
 *              ◀────────────── {type:'answer'}    outcome: welcome | used | revoked | expired
 *   checks the inviter's signature; on
 *   welcome both now hold the pairwise
 *   secret and meet on its topic
 *
 * Both messages travel as `SignalingCipher` envelopes under the invite's key (HKDF of the
 * one-time secret), so the server sees neither. Every holder of a multi-use link holds that key
 * too, which is why the pairwise secret is sealed to the inviter, and why both messages are
 * signed (by the invitee's and the inviter's identity keys): a co-invitee can neither read
 * another's pairwise secret nor forge an answer.
 *
 * Accept body: version u8 | invite id 16 | invitee identity key 32 | invitee X25519 key record
 *   varbytes | sealed pairwise secret varbytes | sentAt varuint | signature 64
 *   (invitee identity key over "kith/invite-accept/v1" 0x00 body).
 * Answer body: version u8 | invite id 16 | invitee identity key 32 | outcome u8 (0 welcome,
 *   1 used, 2 revoked, 3 expired) | SHA-256 of the accept 32 | sentAt varuint | signature 64
 *   (inviter identity key over "kith/invite-answer/v1" 0x00 body).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import * as encoding from 'lib0/encoding';
import {
  ByteReadError,
  ByteReader,
  bytesEqual,
  fromBase64Url,
  randomBytes,
  utf8,
  type RandomBytes,
} from '../bytes.ts';
import { DecryptError } from '../crypto/aead.ts';
import { domain, hkdf } from '../crypto/kdf.ts';
import { openSealed, sealTo, type X25519KeyPair } from '../crypto/seal.ts';
import { personIdFromKey, type PersonId } from '../ids.ts';
import { ED25519_SIGNATURE_BYTES } from '../identity/ed25519-checks.ts';
import {
  verifyEncryptionKeyRecord,
  type EncryptionKeyRecord,
} from '../identity/encryption-key-record.ts';
import type { Identity } from '../identity/keys.ts';
import { RecordError, signRecord, signingInput } from '../identity/signed-record.ts';
import type { Ed25519Verifier } from '../identity/verifier.ts';
import { SignalingCipher, type SignalDirection } from '../net/signaling-crypto.ts';
import { deriveTopic } from '../net/topics.ts';
import { MAX_KEY_RECORD_BYTES, type Invite } from './invite-codec.ts';

/** Domain string of accept signatures. */
export const DOMAIN_INVITE_ACCEPT = 'kith/invite-accept/v1';
/** Domain string of answer signatures. */
export const DOMAIN_INVITE_ANSWER = 'kith/invite-answer/v1';
/** Length of the pairwise rendezvous secret the invitee makes. */
export const PAIRWISE_SECRET_BYTES = 32;
/** Length of an invite id. */
export const INVITE_ID_BYTES = 16;
const MESSAGE_VERSION = 1;
const SEAL_CONTEXT = 'kith/invite-pairwise/v1';
/** Sealed pairwise secret: ephemeral key 32 + AES-GCM box (1 + 12 + 32 + 16). */
const MAX_SEALED_BYTES = 128;
/** Largest accept or answer accepted, in base64url characters. */
export const MAX_INVITE_MESSAGE_CHARS = 1024;

/** How the inviter answers an accept. */
export type InviteOutcome = 'welcome' | 'used' | 'revoked' | 'expired';
const OUTCOMES: readonly InviteOutcome[] = ['welcome', 'used', 'revoked', 'expired'];

/** Direction tags of the invite topic (the invitee is not known until it speaks). */
export const INVITEE_TO_INVITER: SignalDirection = {
  from: utf8('kith/invitee'),
  to: utf8('kith/inviter'),
};
/** The answer's direction. */
export const INVITER_TO_INVITEE: SignalDirection = {
  from: INVITEE_TO_INVITER.to,
  to: INVITEE_TO_INVITER.from,
};

/** Why an accept or an answer was refused. */
export type InviteExchangeReason =
  | 'malformed'
  | 'unsupported-version'
  | 'wrong-invite'
  | 'bad-signature'
  | 'bad-key-record'
  | 'not-sealed-to-inviter'
  | 'not-for-me';

/** Thrown for an accept or answer that cannot be used. */
export class InviteExchangeError extends Error {
  override readonly name = 'InviteExchangeError';
  constructor(
    readonly reason: InviteExchangeReason,
    readonly detail?: string,
  ) {
    super(`invite message refused: ${reason}${detail ? ` (${detail})` : ''}`);
  }
}

/** Where and how the two sides of one invite talk. */
export interface InviteChannel {
  /** Names the invite in the inviter's `InviteBook` (derived: it reveals nothing new). */
  readonly inviteId: string;
  /** The signaling topic both subscribe to. */
  readonly topic: string;
  /** Seals and opens the messages on it. */
  readonly cipher: SignalingCipher;
}

/** The channel of an invite's one-time secret. */
export async function inviteChannel(secret: Uint8Array): Promise<InviteChannel> {
  const id = await hkdf(
    secret,
    utf8('kith/invite-id/v1'),
    domain('kith/invite-id'),
    INVITE_ID_BYTES,
  );
  return {
    inviteId: Array.from(id, (b) => b.toString(16).padStart(2, '0')).join(''),
    topic: await deriveTopic(secret, 'invite'),
    cipher: await SignalingCipher.fromSecret(secret, 'invite'),
  };
}

function idBytes(inviteId: string): Uint8Array {
  return Uint8Array.from(inviteId.match(/../g) ?? [], (h) => parseInt(h, 16));
}

/**
 * What travels on the invite topic, inside the cipher's envelope. `here` is the inviter's device
 * saying it listens now (when it starts listening), so that a waiting invitee republishes at once
 * rather than at its next, ever rarer, retry.
 */
export type InviteWireMessage =
  | { readonly type: 'accept'; readonly accept: string }
  | { readonly type: 'answer'; readonly answer: string }
  | { readonly type: 'here' };

/** Type guard for {@link InviteWireMessage} (sizes bounded). */
export function isInviteWireMessage(value: unknown): value is InviteWireMessage {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (v.type === 'here') return true;
  const field = v.type === 'accept' ? v.accept : v.type === 'answer' ? v.answer : undefined;
  return typeof field === 'string' && field.length <= MAX_INVITE_MESSAGE_CHARS;
}

/** Decodes a message's base64url field; throws {@link InviteExchangeError}. */
export function wireBytes(text: string): Uint8Array {
  try {
    return fromBase64Url(text);
  } catch {
    throw new InviteExchangeError('malformed', 'not base64url');
  }
}

/** What the invitee made and must keep until answered (it is all they did, never lost). */
export interface PendingAcceptance {
  /** The signed accept, republished until an answer comes. */
  readonly accept: Uint8Array;
  /** The pairwise rendezvous secret, to keep once welcomed. */
  readonly pairwiseSecret: Uint8Array;
}

/** The invitee's accept of `invite`. */
export async function createAccept(options: {
  readonly invite: Invite;
  readonly channel: InviteChannel;
  readonly identity: Identity;
  readonly keyRecord: EncryptionKeyRecord;
  readonly now: number;
  readonly random?: RandomBytes;
}): Promise<PendingAcceptance> {
  const pairwiseSecret = (options.random ?? randomBytes)(PAIRWISE_SECRET_BYTES);
  const sealed = await sealTo(options.invite.keyRecord.encryptionKey, pairwiseSecret, SEAL_CONTEXT);
  const e = encoding.createEncoder();
  encoding.writeUint8(e, MESSAGE_VERSION);
  encoding.writeUint8Array(e, idBytes(options.channel.inviteId));
  encoding.writeUint8Array(e, options.identity.publicKey);
  encoding.writeVarUint8Array(e, options.keyRecord.bytes);
  encoding.writeVarUint8Array(e, sealed);
  encoding.writeVarUint(e, options.now);
  const accept = await signRecord(
    DOMAIN_INVITE_ACCEPT,
    encoding.toUint8Array(e),
    options.identity.signingKey,
  );
  return { accept, pairwiseSecret };
}

/** A verified accept, as the inviter sees it. */
export interface Acceptance {
  readonly invitee: PersonId;
  readonly inviteeKey: Uint8Array;
  readonly keyRecord: EncryptionKeyRecord;
  readonly pairwiseSecret: Uint8Array;
  readonly sentAt: number;
  /** SHA-256 of the accept, echoed in the answer. */
  readonly digest: Uint8Array;
}

function read<T>(
  bytes: Uint8Array,
  body: (r: ByteReader) => T,
): { value: T; body: Uint8Array; signature: Uint8Array } {
  const reader = new ByteReader(bytes);
  try {
    const version = reader.u8();
    if (version !== MESSAGE_VERSION) throw new InviteExchangeError('unsupported-version');
    const value = body(reader);
    const bodyLength = reader.position;
    const signature = reader.bytes(ED25519_SIGNATURE_BYTES);
    reader.end();
    return { value, body: bytes.subarray(0, bodyLength), signature };
  } catch (error) {
    if (error instanceof ByteReadError) throw new InviteExchangeError('malformed', error.reason);
    throw error;
  }
}

async function checkSignature(
  verifier: Ed25519Verifier,
  domainName: string,
  publicKey: Uint8Array,
  body: Uint8Array,
  signature: Uint8Array,
): Promise<void> {
  const verdict = await verifier.verify({
    publicKey,
    message: signingInput(domainName, body),
    signature,
  });
  if (!verdict.ok) throw new InviteExchangeError('bad-signature', verdict.reason);
}

/** The inviter opens an accept received on `channel`. Throws {@link InviteExchangeError}. */
export async function openAccept(options: {
  readonly accept: Uint8Array;
  readonly channel: InviteChannel;
  /** The inviter's key pairs the accept may be sealed to (`InviteKeys.opening`). */
  readonly opening: readonly X25519KeyPair[];
  readonly verifier: Ed25519Verifier;
}): Promise<Acceptance> {
  const { value, body, signature } = read(options.accept, (r) => ({
    inviteId: r.bytes(INVITE_ID_BYTES),
    inviteeKey: r.bytes(32),
    keyRecord: r.varBytes(MAX_KEY_RECORD_BYTES),
    sealed: r.varBytes(MAX_SEALED_BYTES),
    sentAt: r.varUint(),
  }));
  if (!bytesEqual(value.inviteId, idBytes(options.channel.inviteId))) {
    throw new InviteExchangeError('wrong-invite');
  }
  await checkSignature(options.verifier, DOMAIN_INVITE_ACCEPT, value.inviteeKey, body, signature);
  const invitee = personIdFromKey(value.inviteeKey);
  let keyRecord: EncryptionKeyRecord;
  try {
    keyRecord = await verifyEncryptionKeyRecord(value.keyRecord, options.verifier, invitee);
  } catch (error) {
    if (error instanceof RecordError) throw new InviteExchangeError('bad-key-record', error.reason);
    throw error;
  }
  const pairwiseSecret = await openWithAny(options.opening, value.sealed);
  if (pairwiseSecret.length !== PAIRWISE_SECRET_BYTES) {
    throw new InviteExchangeError('malformed', 'pairwise secret length');
  }
  return {
    invitee,
    inviteeKey: value.inviteeKey,
    keyRecord,
    pairwiseSecret,
    sentAt: value.sentAt,
    digest: sha256(options.accept),
  };
}

/** Opens `sealed` with the first of `pairs` it was sealed to (the current generation's first). */
async function openWithAny(
  pairs: readonly X25519KeyPair[],
  sealed: Uint8Array,
): Promise<Uint8Array> {
  for (const pair of pairs) {
    try {
      return await openSealed(pair, sealed, SEAL_CONTEXT);
    } catch (error) {
      if (!(error instanceof DecryptError)) throw error;
    }
  }
  throw new InviteExchangeError('not-sealed-to-inviter');
}

/** The inviter's signed answer to `acceptance`. */
export async function createAnswer(options: {
  readonly identity: Identity;
  readonly channel: InviteChannel;
  readonly acceptance: Acceptance;
  readonly outcome: InviteOutcome;
  readonly now: number;
}): Promise<Uint8Array> {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, MESSAGE_VERSION);
  encoding.writeUint8Array(e, idBytes(options.channel.inviteId));
  encoding.writeUint8Array(e, options.acceptance.inviteeKey);
  encoding.writeUint8(e, OUTCOMES.indexOf(options.outcome));
  encoding.writeUint8Array(e, options.acceptance.digest);
  encoding.writeVarUint(e, options.now);
  return signRecord(DOMAIN_INVITE_ANSWER, encoding.toUint8Array(e), options.identity.signingKey);
}

/**
 * The invitee opens an answer: it must be signed by the inviter, about this invite, to this
 * invitee, and about this very accept. Returns the outcome; throws {@link InviteExchangeError}
 * (`not-for-me` for an answer to someone else on a shared multi-use topic).
 */
export async function openAnswer(options: {
  readonly answer: Uint8Array;
  readonly invite: Invite;
  readonly channel: InviteChannel;
  readonly identity: Identity;
  readonly pending: PendingAcceptance;
  readonly verifier: Ed25519Verifier;
}): Promise<InviteOutcome> {
  const { value, body, signature } = read(options.answer, (r) => ({
    inviteId: r.bytes(INVITE_ID_BYTES),
    inviteeKey: r.bytes(32),
    outcome: OUTCOMES[r.u8()],
    digest: r.bytes(32),
    sentAt: r.varUint(),
  }));
  if (value.outcome === undefined) throw new InviteExchangeError('malformed', 'unknown outcome');
  if (!bytesEqual(value.inviteId, idBytes(options.channel.inviteId))) {
    throw new InviteExchangeError('wrong-invite');
  }
  await checkSignature(
    options.verifier,
    DOMAIN_INVITE_ANSWER,
    options.invite.inviterKey,
    body,
    signature,
  );
  if (
    !bytesEqual(value.inviteeKey, options.identity.publicKey) ||
    !bytesEqual(value.digest, sha256(options.pending.accept))
  ) {
    throw new InviteExchangeError('not-for-me');
  }
  return value.outcome;
}
