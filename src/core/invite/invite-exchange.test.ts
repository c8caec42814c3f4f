import { beforeAll, describe, expect, it } from 'vitest';
import { toBase64Url } from '../bytes.ts';
import { ManualClock } from '../clock.ts';
import {
  publishEncryptionKey,
  type EncryptionKeyRecord,
} from '../identity/encryption-key-record.ts';
import { identityFromSeed, type Identity } from '../identity/keys.ts';
import { Ed25519Verifier } from '../identity/verifier.ts';
import { SignalingCryptoError } from '../net/signaling-crypto.ts';
import { InviteBook } from './invite-book.ts';
import { createInvite, decodeInvite, encodeInvite, type Invite } from './invite-codec.ts';
import {
  INVITEE_TO_INVITER,
  INVITER_TO_INVITEE,
  InviteExchangeError,
  createAccept,
  createAnswer,
  inviteChannel,
  isInviteWireMessage,
  openAccept,
  openAnswer,
  wireBytes,
  type InviteChannel,
  type InviteOutcome,
  type PendingAcceptance,
} from './invite-exchange.ts';
import { originalInviteKeys } from './test-invite-keys.ts';

const verifier = new Ed25519Verifier();
const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;

interface Someone {
  identity: Identity;
  record: EncryptionKeyRecord;
}

async function someone(seed: number): Promise<Someone> {
  const identity = await identityFromSeed(new Uint8Array(32).fill(seed));
  return { identity, record: await publishEncryptionKey(identity, NOW - HOUR) };
}

let alice: Someone;
let bob: Someone;
let carol: Someone;

beforeAll(async () => {
  [alice, bob, carol] = await Promise.all([someone(1), someone(2), someone(3)]);
});

async function issue(book: InviteBook, multiUse = false): Promise<Invite> {
  const made = await createInvite({
    identity: alice.identity,
    keyRecord: alice.record,
    expiresAt: NOW + HOUR,
    multiUse,
    signalingUrls: ['ws://127.0.0.1:1/signaling'],
  });
  const channel = await inviteChannel(made.secret);
  book.issue({
    inviteId: channel.inviteId,
    secret: made.secret,
    expiresAt: made.expiresAt,
    multiUse,
  });
  // The invitee gets it through the link.
  return decodeInvite(encodeInvite(made), new ManualClock(NOW), verifier);
}

/** The invitee's side up to publishing: returns what went on the wire and what it keeps. */
async function accept(invite: Invite, who: Someone, now = NOW) {
  const channel = await inviteChannel(invite.secret);
  const pending = await createAccept({
    invite,
    channel,
    identity: who.identity,
    keyRecord: who.record,
    now,
  });
  const wire = await channel.cipher.seal(
    channel.topic,
    INVITEE_TO_INVITER,
    { type: 'accept', accept: toBase64Url(pending.accept) },
    now,
  );
  return { channel, pending, wire };
}

/** The inviter's device handling what arrived on the invite topic. */
async function answer(book: InviteBook, channel: InviteChannel, wire: unknown, now = NOW) {
  const message = await channel.cipher.open(channel.topic, INVITEE_TO_INVITER, wire, now);
  if (!isInviteWireMessage(message) || message.type !== 'accept') throw new Error('not an accept');
  const acceptance = await openAccept({
    accept: wireBytes(message.accept),
    channel,
    opening: originalInviteKeys(alice.identity).opening(),
    verifier,
  });
  const outcome = book.decide(channel.inviteId, acceptance.invitee, now, acceptance.sentAt);
  const bytes = await createAnswer({ identity: alice.identity, channel, acceptance, outcome, now });
  const reply = await channel.cipher.seal(
    channel.topic,
    INVITER_TO_INVITEE,
    { type: 'answer', answer: toBase64Url(bytes) },
    now,
  );
  return { acceptance, outcome, bytes, reply };
}

async function outcomeFor(
  invite: Invite,
  channel: InviteChannel,
  who: Someone,
  pending: PendingAcceptance,
  reply: unknown,
): Promise<InviteOutcome> {
  const message = await channel.cipher.open(channel.topic, INVITER_TO_INVITEE, reply, NOW);
  if (!isInviteWireMessage(message) || message.type !== 'answer') throw new Error('not an answer');
  return openAnswer({
    answer: wireBytes(message.answer),
    invite,
    channel,
    identity: who.identity,
    pending,
    verifier,
  });
}

describe('accepting an invite', () => {
  it('welcomes Bob: both end with the same pairwise secret and each other’s keys', async () => {
    const book = new InviteBook();
    const invite = await issue(book);
    const { channel, pending, wire } = await accept(invite, bob);
    const { acceptance, outcome, reply } = await answer(book, channel, wire);
    expect(outcome).toBe('welcome');
    expect(acceptance.invitee).toBe(bob.identity.personId);
    expect(acceptance.keyRecord.encryptionKey).toEqual(bob.identity.encryptionPublicKey);
    expect(acceptance.pairwiseSecret).toEqual(pending.pairwiseSecret);
    expect(await outcomeFor(invite, channel, bob, pending, reply)).toBe('welcome');
    expect(book.get(channel.inviteId)?.usedBy).toEqual([bob.identity.personId]);
    expect(book.open(NOW)).toEqual([]);
  });

  it('refuses Carol on a used single-use invite, and welcomes Bob again when he retries', async () => {
    const book = new InviteBook();
    const invite = await issue(book);
    const first = await accept(invite, bob);
    await answer(book, first.channel, first.wire);
    const byCarol = await accept(invite, carol);
    const refused = await answer(book, byCarol.channel, byCarol.wire);
    expect(refused.outcome).toBe('used');
    expect(await outcomeFor(invite, byCarol.channel, carol, byCarol.pending, refused.reply)).toBe(
      'used',
    );
    const again = await accept(invite, bob);
    expect((await answer(book, again.channel, again.wire)).outcome).toBe('welcome');
  });

  it('refuses revoked and expired invites, and lets a multi-use invite welcome several', async () => {
    const book = new InviteBook();
    const revoked = await issue(book);
    const r = await accept(revoked, bob);
    expect(book.revoke(r.channel.inviteId)).toBe(true);
    expect((await answer(book, r.channel, r.wire)).outcome).toBe('revoked');

    const expiring = await issue(book);
    // Accepted (signed sentAt) after the expiry: refused.
    const e = await accept(expiring, bob, NOW + HOUR + 1);
    expect((await answer(book, e.channel, e.wire, NOW + HOUR + 1)).outcome).toBe('expired');

    const multi = await issue(book, true);
    for (const who of [bob, carol]) {
      const m = await accept(multi, who);
      expect((await answer(book, m.channel, m.wire)).outcome).toBe('welcome');
    }
    expect(new InviteBook(book.entries()).get(r.channel.inviteId)?.revoked).toBe(true);
  });

  it('keeps a co-invitee of a multi-use invite from reading or answering another’s accept', async () => {
    const book = new InviteBook();
    const multi = await issue(book, true);
    const byBob = await accept(multi, bob);
    // Carol holds the same link, so she opens the envelope; the pairwise secret is sealed to Alice.
    const seen = await byBob.channel.cipher.open(
      byBob.channel.topic,
      INVITEE_TO_INVITER,
      byBob.wire,
      NOW,
    );
    expect(isInviteWireMessage(seen)).toBe(true);
    const asCarol = openAccept({
      accept: byBob.pending.accept,
      channel: byBob.channel,
      opening: originalInviteKeys(carol.identity).opening(),
      verifier,
    });
    await expect(asCarol).rejects.toMatchObject({ reason: 'not-sealed-to-inviter' });
    // An answer Carol signs herself is not Alice's.
    const acceptance = await openAccept({
      accept: byBob.pending.accept,
      channel: byBob.channel,
      opening: originalInviteKeys(alice.identity).opening(),
      verifier,
    });
    const forged = await createAnswer({
      identity: carol.identity,
      channel: byBob.channel,
      acceptance,
      outcome: 'revoked',
      now: NOW,
    });
    const opened = openAnswer({
      answer: forged,
      invite: multi,
      channel: byBob.channel,
      identity: bob.identity,
      pending: byBob.pending,
      verifier,
    });
    await expect(opened).rejects.toMatchObject({ reason: 'bad-signature' });
    // Alice's answer to Bob is not an answer to Carol.
    const byCarol = await accept(multi, carol);
    const toBob = await answer(book, byBob.channel, byBob.wire);
    await expect(
      outcomeFor(multi, byCarol.channel, carol, byCarol.pending, toBob.reply),
    ).rejects.toMatchObject({ reason: 'not-for-me' });
  });

  it('refuses tampered, truncated, misdirected and foreign-invite messages with typed reasons', async () => {
    const book = new InviteBook();
    const invite = await issue(book);
    const other = await issue(book);
    const { channel, pending, wire } = await accept(invite, bob);
    const open = (bytes: Uint8Array, on: InviteChannel = channel) =>
      openAccept({
        accept: bytes,
        channel: on,
        opening: originalInviteKeys(alice.identity).opening(),
        verifier,
      });
    const reason = async (p: Promise<unknown>) => {
      const error = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InviteExchangeError);
      return (error as InviteExchangeError).reason;
    };
    const tampered = pending.accept.slice();
    tampered[40]! ^= 1;
    expect(await reason(open(tampered))).toBe('bad-signature');
    expect(await reason(open(pending.accept.subarray(0, 100)))).toBe('malformed');
    expect(await reason(open(new Uint8Array([2, ...pending.accept.subarray(1)])))).toBe(
      'unsupported-version',
    );
    expect(await reason(open(pending.accept, await inviteChannel(other.secret)))).toBe(
      'wrong-invite',
    );
    expect(() => wireBytes('*')).toThrow(InviteExchangeError);
    // The accept sealed for the inviter does not open as the inviter's own answer.
    await expect(
      channel.cipher.open(channel.topic, INVITER_TO_INVITEE, wire, NOW),
    ).rejects.toBeInstanceOf(SignalingCryptoError);
    expect(isInviteWireMessage({ type: 'accept', accept: 'A'.repeat(5000) })).toBe(false);
    expect(isInviteWireMessage({ type: 'welcome' })).toBe(false);
  });
});
