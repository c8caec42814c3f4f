/**
 * Issuing, revoking and accepting invites from any tab: each only changes the invite records in
 * the store. The tab holding the network (`mesh.ts`) listens on the invites' topics and carries
 * the acceptances to the inviter, reading the same records.
 */
import type { Clock } from '../clock.ts';
import type { Identity } from '../identity/keys.ts';
import type { Ed25519Verifier } from '../identity/verifier.ts';
import { InviteBook } from '../invite/invite-book.ts';
import {
  createInvite,
  decodeInvite,
  encodeInvite,
  inviteLink,
  type Invite,
} from '../invite/invite-codec.ts';
import { createAccept, inviteChannel } from '../invite/invite-exchange.ts';
import type { InviteKeys } from '../invite/invite-keys.ts';
import type { AcceptanceRecord, InviteRecords } from './invite-records.ts';

/** How long a new invite stays valid unless said otherwise: a week. */
export const DEFAULT_INVITE_LIFETIME_MS = 7 * 24 * 3_600_000;

/** Issues an invite and records it; returns the link to share. */
export async function issueInvite(options: {
  identity: Identity;
  /** The person's current keys: the invite hands out their current generation. */
  keys: InviteKeys;
  records: InviteRecords;
  clock: Clock;
  origin: string;
  signalingUrls: readonly string[];
  expiresInMs?: number;
  multiUse?: boolean;
  /** The inviter's name, signed into the link so the invite screen can say who invites. */
  inviterName?: string;
}): Promise<{ link: string; inviteId: string; expiresAt: number }> {
  const now = options.clock.now();
  const invite = await createInvite({
    identity: options.identity,
    inviterName: options.inviterName,
    keyRecord: await options.keys.record(now),
    expiresAt: now + (options.expiresInMs ?? DEFAULT_INVITE_LIFETIME_MS),
    multiUse: options.multiUse ?? false,
    signalingUrls: [...options.signalingUrls],
  });
  const { inviteId } = await inviteChannel(invite.secret);
  const book = new InviteBook(await options.records.issued());
  book.issue({
    inviteId,
    secret: invite.secret,
    expiresAt: invite.expiresAt,
    multiUse: invite.multiUse,
  });
  await options.records.saveIssued(book.entries());
  return { link: inviteLink(options.origin, invite), inviteId, expiresAt: invite.expiresAt };
}

/** Revokes an issued invite; later accepts get "revoked". */
export async function revokeInvite(records: InviteRecords, inviteId: string): Promise<void> {
  const book = new InviteBook(await records.issued());
  if (book.revoke(inviteId)) await records.saveIssued(book.entries());
}

/**
 * Reads an invite link (throws `InviteError`: malformed, expired, bad signature ...), makes the
 * signed acceptance and records it as waiting for the inviter. Accepting the same invite twice
 * keeps the first acceptance.
 */
export async function acceptInvite(options: {
  link: string;
  identity: Identity;
  /** The person's current keys: the accept hands out their current generation. */
  keys: InviteKeys;
  records: InviteRecords;
  clock: Clock;
  verifier: Ed25519Verifier;
}): Promise<{ invite: Invite; record: AcceptanceRecord }> {
  const invite = await decodeInvite(options.link, options.clock, options.verifier);
  if (invite.inviter === options.identity.personId) {
    throw new SelfInviteError('this is your own invite');
  }
  const payload = encodeInvite(invite);
  const existing = (await options.records.accepted()).find((a) => a.payload === payload);
  if (existing) return { invite, record: existing };
  const now = options.clock.now();
  const pending = await createAccept({
    invite,
    channel: await inviteChannel(invite.secret),
    identity: options.identity,
    keyRecord: await options.keys.record(now),
    now,
  });
  const record: AcceptanceRecord = {
    payload,
    inviter: invite.inviter,
    accept: pending.accept,
    pairwiseSecret: pending.pairwiseSecret,
    startedAt: now,
  };
  await options.records.saveAcceptance(record);
  return { invite, record };
}

/** Opening one's own invite link. */
export class SelfInviteError extends Error {
  override readonly name = 'SelfInviteError';
}
