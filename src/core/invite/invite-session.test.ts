import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startServer } from '../../../signaling/server.ts';
import { ManualClock, systemClock } from '../clock.ts';
import {
  publishEncryptionKey,
  type EncryptionKeyRecord,
} from '../identity/encryption-key-record.ts';
import { identityFromSeed, type Identity } from '../identity/keys.ts';
import { Ed25519Verifier } from '../identity/verifier.ts';
import { consoleSink, setLogSink, type LogRecord } from '../log.ts';
import { SignalingClient, type Signaling } from '../net/signaling-client.ts';
import { MemorySignaling } from '../net/test-helpers.ts';
import { InviteBook } from './invite-book.ts';
import { createInvite, decodeInvite, encodeInvite, type Invite } from './invite-codec.ts';
import { INVITER_TO_INVITEE, inviteChannel } from './invite-exchange.ts';
import {
  InviteeSession,
  InviterDesk,
  type InviteeOptions,
  type NewFriend,
} from './invite-session.ts';
import { originalInviteKeys } from './test-invite-keys.ts';

const verifier = new Ed25519Verifier();
const HOUR = 3_600_000;
const WAIT_MS = 10_000;

interface Someone {
  identity: Identity;
  record: EncryptionKeyRecord;
}
let alice: Someone;
let bob: Someone;
let carol: Someone;

beforeAll(async () => {
  const make = async (seed: number) => {
    const identity = await identityFromSeed(new Uint8Array(32).fill(seed));
    return { identity, record: await publishEncryptionKey(identity, Date.now() - HOUR) };
  };
  [alice, bob, carol] = await Promise.all([make(11), make(12), make(13)]);
});

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function issue(book: InviteBook, multiUse = false): Promise<Invite> {
  const made = await createInvite({
    identity: alice.identity,
    keyRecord: alice.record,
    expiresAt: Date.now() + HOUR,
    multiUse,
    signalingUrls: ['ws://127.0.0.1:1/signaling'],
  });
  const { inviteId } = await inviteChannel(made.secret);
  book.issue({ inviteId, secret: made.secret, expiresAt: made.expiresAt, multiUse });
  return decodeInvite(encodeInvite(made), systemClock, verifier);
}

function desk(signaling: Signaling, book: InviteBook, friends: NewFriend[]): InviterDesk {
  const d = new InviterDesk({
    identity: alice.identity,
    keys: originalInviteKeys(alice.identity),
    book,
    signaling,
    clock: systemClock,
    verifier,
    onFriend: (f) => {
      friends.push(f);
    },
  });
  cleanups.push(() => d.stop());
  return d;
}

async function accept(
  signaling: Signaling,
  invite: Invite,
  who: Someone,
  options: Partial<Pick<InviteeOptions, 'retryMs' | 'maxRetryMs' | 'pending'>> = {},
): Promise<InviteeSession> {
  const s = await InviteeSession.start({
    invite,
    identity: who.identity,
    keyRecord: who.record,
    signaling,
    clock: systemClock,
    verifier,
    retryMs: 50,
    ...options,
  });
  cleanups.push(() => s.stop());
  return s;
}

function within<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), WAIT_MS)),
  ]);
}

describe('the invite flow over signaling', () => {
  it('waits while the inviter is away, and completes when she comes back', async () => {
    const hub = new MemorySignaling();
    const book = new InviteBook();
    const invite = await issue(book);
    const session = await accept(hub.client(), invite, bob);
    await new Promise((r) => setTimeout(r, 200));
    expect(session.answer).toBeUndefined();
    // Alice opens the app: her desk listens on her invites.
    const friends: NewFriend[] = [];
    await desk(hub.client(), book, friends).refresh();
    expect(await within(session.outcome)).toBe('welcome');
    expect(friends).toHaveLength(1);
    expect(friends[0]!.person).toBe(bob.identity.personId);
    expect(friends[0]!.pairwiseSecret).toEqual(session.pending.pairwiseSecret);
  });

  it('republishes a waiting accept less and less often, within its longest interval', async () => {
    const hub = new MemorySignaling();
    const invite = await issue(new InviteBook());
    const s = await accept(hub.client(), invite, bob, { retryMs: 20, maxRetryMs: 160 });
    await new Promise((r) => setTimeout(r, 1_000));
    s.stop();
    // Every 20 ms would be ~50 publishes; doubling up to 160 ms is at most 9 in a second.
    const published = hub.relayed.length;
    expect(published).toBeGreaterThanOrEqual(3);
    expect(published).toBeLessThanOrEqual(9);
    await new Promise((r) => setTimeout(r, 300));
    expect(hub.relayed.length).toBe(published);
  });

  it('answers a long-waiting invitee as soon as the inviter comes back, not at its next retry', async () => {
    const hub = new MemorySignaling();
    const book = new InviteBook();
    const invite = await issue(book);
    const s = await accept(hub.client(), invite, bob, { retryMs: 3_600_000 });
    // Bob's first publish went out while Alice was away; his next retry is an hour later.
    await new Promise((r) => setTimeout(r, 100));
    const friends: NewFriend[] = [];
    await desk(hub.client(), book, friends).refresh();
    expect(await within(s.outcome)).toBe('welcome');
    expect(friends.map((f) => f.person)).toEqual([bob.identity.personId]);
  });

  it('publishes at most once a second however often someone says "here"', async () => {
    const hub = new MemorySignaling();
    const invite = await issue(new InviteBook());
    await accept(hub.client(), invite, bob, { retryMs: 3_600_000 });
    const channel = await inviteChannel(invite.secret);
    const flood = hub.client();
    for (let i = 0; i < 50; i++) {
      const here = await channel.cipher.seal(
        channel.topic,
        INVITER_TO_INVITEE,
        { type: 'here' },
        Date.now(),
      );
      flood.publish(channel.topic, here);
    }
    await new Promise((r) => setTimeout(r, 1_500));
    const accepts = hub.relayed.length - 50;
    // The first publish, then at most one more per second of flooding (50 without the bound).
    expect(accepts).toBeGreaterThanOrEqual(1);
    expect(accepts).toBeLessThanOrEqual(3);
  });

  it('resumes after a reload with the stored acceptance, and a second person gets "used"', async () => {
    const hub = new MemorySignaling();
    const book = new InviteBook();
    const invite = await issue(book);
    const first = await accept(hub.client(), invite, bob);
    first.stop();
    const resumed = await accept(hub.client(), invite, bob, {
      pending: first.pending,
      retryMs: 50,
    });
    const friends: NewFriend[] = [];
    await desk(hub.client(), book, friends).refresh();
    expect(await within(resumed.outcome)).toBe('welcome');
    expect(friends[0]!.pairwiseSecret).toEqual(first.pending.pairwiseSecret);
    const byCarol = await accept(hub.client(), invite, carol);
    expect(await within(byCarol.outcome)).toBe('used');
    expect(friends).toHaveLength(1);
  });

  it('refuses a revoked invite, and an expired one, each with its reason', async () => {
    const hub = new MemorySignaling();
    const book = new InviteBook();
    const revoked = await issue(book);
    const { inviteId } = await inviteChannel(revoked.secret);
    book.revoke(inviteId);
    const expiring = await issue(book);
    const friends: NewFriend[] = [];
    const d = new InviterDesk({
      identity: alice.identity,
      keys: originalInviteKeys(alice.identity),
      book,
      signaling: hub.client(),
      // Alice's clock says the invites expired an hour ago: accepts still get their answer.
      clock: new ManualClock(Date.now() + 2 * HOUR),
      verifier,
      onFriend: (f) => {
        friends.push(f);
      },
    });
    cleanups.push(() => d.stop());
    await d.refresh();
    // Fresh envelopes are refused as stale by a clock two hours ahead, so Bob's clock agrees.
    const skewed = { now: () => Date.now() + 2 * HOUR };
    const start = (invite: Invite) =>
      InviteeSession.start({
        invite,
        identity: bob.identity,
        keyRecord: bob.record,
        signaling: hub.client(),
        clock: skewed,
        verifier,
        retryMs: 50,
      });
    const r = await start(revoked);
    const e = await start(expiring);
    cleanups.push(
      () => r.stop(),
      () => e.stop(),
    );
    expect(await within(r.outcome)).toBe('revoked');
    expect(await within(e.outcome)).toBe('expired');
    expect(friends).toEqual([]);
  });

  it('does not record the use when storing the friend fails, so the retry succeeds', async () => {
    const hub = new MemorySignaling();
    const book = new InviteBook();
    const invite = await issue(book);
    let failures = 1;
    const stored: NewFriend[] = [];
    const records: LogRecord[] = [];
    setLogSink((r) => records.push(r));
    cleanups.push(() => setLogSink(consoleSink));
    const d = new InviterDesk({
      identity: alice.identity,
      keys: originalInviteKeys(alice.identity),
      book,
      signaling: hub.client(),
      clock: systemClock,
      verifier,
      onFriend: (f) => {
        if (failures-- > 0) throw new Error('quota');
        stored.push(f);
      },
    });
    cleanups.push(() => d.stop());
    await d.refresh();
    const session = await accept(hub.client(), invite, bob);
    expect(await within(session.outcome)).toBe('welcome');
    expect(stored).toHaveLength(1);
    expect(
      records.some((r) => r.level === 'error' && String(r.data?.error).includes('quota')),
    ).toBe(true);
  });

  it('runs through the real signaling server', async () => {
    const server = await startServer({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => server.close());
    const client = () => {
      const c = new SignalingClient({ url: `ws://127.0.0.1:${server.port}/signaling`, WebSocket });
      c.start();
      cleanups.push(() => c.stop());
      return c;
    };
    const book = new InviteBook();
    const invite = await issue(book, true);
    const friends: NewFriend[] = [];
    await desk(client(), book, friends).refresh();
    const [b, c] = [await accept(client(), invite, bob), await accept(client(), invite, carol)];
    expect(await within(b.outcome)).toBe('welcome');
    expect(await within(c.outcome)).toBe('welcome');
    expect(friends.map((f) => f.person).sort()).toEqual(
      [bob.identity.personId, carol.identity.personId].sort(),
    );
  });
});
