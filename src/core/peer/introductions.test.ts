/**
 * Introductions between real peers (issue 29): Cal asks Ben to introduce him to Ada, records
 * carried through the verifying ingest as sync would carry them; what each of the three learns,
 * the refusals, and what a hostile introducer can and cannot do.
 */
import { describe, expect, it } from 'vitest';
import { PairKeys } from '../crypto/pair-keys.ts';
import { docIdOf } from '../kinds/registry.ts';
import { decodeEntry } from '../feed/entry-codec.ts';
import {
  ANSWER_BOX_BYTES,
  answerKey,
  encodeIntroRecord,
  sealAnswer,
  type IntroId,
  type IntroRecord,
} from '../kinds/intro-record.ts';
import { sealedUnder } from '../kinds/payload.ts';
import { newPostId } from '../ids.ts';
import { acceptInvite, issueInvite } from '../mesh/invites.ts';
import { InviteRecords } from '../mesh/invite-records.ts';
import { invitePayloadFromLink } from '../invite/invite-codec.ts';
import { defaultVerifier } from '../identity/verifier.ts';
import { ConversationKeys } from './conversation-keys.ts';
import { IntroductionError } from './introductions.ts';
import {
  befriend,
  handOver,
  holdsPlaintext,
  makePeople,
  signOnNewDevice,
  testClock,
  type HandWrittenEntry,
  type TestPerson,
} from './test-people.ts';

/** Cal and Ben are friends, Ben and Ada are friends; Cal and Ada are not. */
async function threePeople() {
  const [cal, ben, ada] = await makePeople('cal', 'ben', 'ada');
  await befriend(cal, ben);
  await befriend(ben, ada);
  return { cal, ben, ada };
}

async function issued(person: TestPerson): Promise<string> {
  const { link } = await issueInvite({
    identity: person.identity,
    keys: person.peer.inviteKeys,
    records: new InviteRecords(person.store),
    clock: testClock,
    origin: 'http://127.0.0.1:8787',
    signalingUrls: ['ws://127.0.0.1:8787/signaling'],
  });
  return link;
}

/** Ben's device passes an answer on by itself once it holds it; waits for that. */
async function benRelays(ben: TestPerson): Promise<void> {
  await ben.peer.introductions.relayReplies();
  await ben.peer.settled();
}

async function status(person: TestPerson, intro: IntroId) {
  return (await person.peer.introductions.list()).find((i) => i.intro === intro)?.status;
}

/** The introduction notifications `person` holds, oldest first, as their summaries. */
async function introNotes(person: TestPerson): Promise<unknown[]> {
  const page = await person.peer.notificationsPage({ limit: 50 });
  return page.items
    .filter((n) => n.kind === 'introduction')
    .reverse()
    .map((n) => n.summary);
}

describe('introductions', () => {
  it('Ben and Ada agree: Cal holds Ada’s single-use invite, Ben carries it without reading it', async () => {
    const { cal, ben, ada } = await threePeople();
    const intro = await cal.peer.introductions.ask(ada.id, ben.id);
    expect(await status(cal, intro)).toBe('waiting');
    await handOver(cal, ben);
    const asked = (await ben.peer.introductions.list())[0];
    expect(asked).toMatchObject({ role: 'introducer', asker: cal.id, other: ada.id });
    await ben.peer.introductions.pass(intro, true);
    await handOver(ben, ada);
    const offered = (await ada.peer.introductions.list())[0];
    expect(offered).toMatchObject({ role: 'other', asker: cal.id, introducer: ben.id });
    const link = await issued(ada);
    await ada.peer.introductions.answer(intro, { agree: true, invite: link });
    expect(await status(ada, intro)).toBe('agreed');
    await handOver(ada, ben);
    await benRelays(ben);
    expect(await status(ben, intro)).toBe('passed');
    // Ben held Ada's invite in transit, sealed to Cal: its payload appears nowhere in clear.
    const payload = invitePayloadFromLink(link);
    expect(await holdsPlaintext(ada, payload.slice(0, 40))).toBe(false);
    expect(await holdsPlaintext(ben, payload.slice(0, 40))).toBe(false);
    await handOver(ben, cal);
    expect(await status(cal, intro)).toBe('agreed');
    const invite = await cal.peer.introductions.inviteOf(intro);
    expect(invite).toBe(payload);
    // The ordinary invite path takes it from here: Cal's acceptance names Ada as the inviter.
    const { record } = await acceptInvite({
      link: invite,
      identity: cal.identity,
      keys: cal.peer.inviteKeys,
      records: new InviteRecords(cal.store),
      clock: testClock,
      verifier: defaultVerifier,
    });
    expect(record.inviter).toBe(ada.id);
    // Each heard of what asked something of them, or of how their ask went, and nothing more.
    expect(await introNotes(ben)).toEqual([{ from: cal.id, about: ada.id, step: 'ask' }]);
    expect(await introNotes(ada)).toEqual([{ from: ben.id, about: cal.id, step: 'offer' }]);
    expect(await introNotes(cal)).toEqual([{ from: ben.id, about: ada.id, step: 'answered' }]);
  });

  it('Ben declines: Cal learns it, Ada learns nothing', async () => {
    const { cal, ben, ada } = await threePeople();
    const intro = await cal.peer.introductions.ask(ada.id, ben.id);
    await handOver(cal, ben);
    await ben.peer.introductions.pass(intro, false);
    await handOver(ben, cal);
    await handOver(ben, ada);
    expect(await status(cal, intro)).toBe('declined');
    expect(await status(ben, intro)).toBe('declined');
    expect(await ada.peer.introductions.list()).toEqual([]);
    expect(await introNotes(ada)).toEqual([]);
    expect(await introNotes(cal)).toEqual([{ from: ben.id, about: ada.id, step: 'declined' }]);
    await expect(ben.peer.introductions.pass(intro, true)).rejects.toThrow(IntroductionError);
  });

  it('Ada declines: Cal learns it; Ben, who carried the answer, cannot tell', async () => {
    const { cal, ben, ada } = await threePeople();
    const intro = await cal.peer.introductions.ask(ada.id, ben.id);
    await handOver(cal, ben);
    await ben.peer.introductions.pass(intro, true);
    await handOver(ben, ada);
    await ada.peer.introductions.answer(intro, { agree: false });
    await handOver(ada, ben);
    await benRelays(ben);
    expect(await status(ben, intro)).toBe('passed');
    await handOver(ben, cal);
    expect(await status(cal, intro)).toBe('declined');
    expect(await status(ada, intro)).toBe('declined');
    await expect(cal.peer.introductions.inviteOf(intro)).rejects.toThrow(IntroductionError);
  });

  it('refuses what cannot be asked: a stranger as introducer, a friend, oneself, twice', async () => {
    const { cal, ben, ada } = await threePeople();
    await expect(cal.peer.introductions.ask(ada.id, ada.id)).rejects.toThrow(IntroductionError);
    await expect(cal.peer.introductions.ask(ben.id, ada.id)).rejects.toThrow(/already friends/);
    await expect(cal.peer.introductions.ask(cal.id, ben.id)).rejects.toThrow(IntroductionError);
    await expect(ada.peer.introductions.ask(cal.id, ada.id)).rejects.toThrow(IntroductionError);
    const [dan] = await makePeople('dan');
    await expect(cal.peer.introductions.ask(ada.id, dan.id)).rejects.toThrow(/friends only/);
    await cal.peer.introductions.ask(ada.id, ben.id);
    await expect(cal.peer.introductions.ask(ada.id, ben.id)).rejects.toThrow(/already asked/);
  });

  it('a record copied into another log, or out of turn, changes nothing', async () => {
    const { cal, ben, ada } = await threePeople();
    const intro = await cal.peer.introductions.ask(ada.id, ben.id);
    await handOver(cal, ben);
    const hostile = await benWriter(ben, cal);
    // Cal's own ask, its sealed payload copied whole into Ben's log: the seal binds its writer.
    const [calsAsk] = await cal.store.getLatestEntries(cal.id, cal.device.key.deviceId, 1);
    const copied = { kind: 'intro' as const, tag: hostile.tag, recordId: newPostId() };
    const forged = await signOnNewDevice(ben, [
      {
        docId: docIdOf(copied),
        payloadKind: 'encrypted',
        payload: decodeEntry(calsAsk!.bytes).payload,
      },
      // An ask back to Cal about the introduction Cal asked for; a relay before Ada answered
      // is fine in turn, but a second relay is a replay.
      await hostile.record({ type: 'ask', intro, other: ada.id }),
      await hostile.record({ type: 'decline', intro }),
      await hostile.record({
        type: 'relay',
        intro,
        otherKey: ada.identity.encryptionPublicKey,
        box: new Uint8Array(ANSWER_BOX_BYTES),
      }),
    ]);
    expect((await cal.ingestor.ingest(forged.map((e) => e.bytes))).rejected).toEqual([]);
    await cal.peer.settled();
    // Only the decline applied (it was in turn); the ask copied, the ask back and the relay
    // after it changed nothing.
    expect(await cal.peer.introductions.list()).toMatchObject([
      { intro, role: 'asker', state: 'declined', status: 'declined' },
    ]);
  });

  it('a hostile Ben who passes Cal an invite of his own gets it refused before any tap', async () => {
    const { cal, ben, ada } = await threePeople();
    const intro = await cal.peer.introductions.ask(ada.id, ben.id);
    await handOver(cal, ben);
    const hostile = await benWriter(ben, cal);
    // Ben seals an "Ada agrees" to Cal under his own X25519 key, with his own invite.
    const pairs = new PairKeys({
      publicKey: ben.identity.encryptionPublicKey,
      privateKey: ben.identity.encryptionPrivateKey,
    });
    const key = await answerKey(await pairs.pairKey(cal.identity.encryptionPublicKey));
    const invite = invitePayloadFromLink(await issued(ben));
    const box = await sealAnswer(key, intro, { agree: true, invite });
    const forged = await signOnNewDevice(ben, [
      await hostile.record({
        type: 'relay',
        intro,
        otherKey: ben.identity.encryptionPublicKey,
        box,
      }),
    ]);
    await cal.ingestor.ingest(forged.map((e) => e.bytes));
    await cal.peer.settled();
    expect(await status(cal, intro)).toBe('agreed');
    await expect(cal.peer.introductions.inviteOf(intro)).rejects.toThrow(
      /not from the person you asked about/,
    );
  });
});

/** Writes records as Ben's hostile client would: sealed under his tag with `friend`, by hand. */
async function benWriter(ben: TestPerson, friend: TestPerson) {
  const conversation = await ben.peer.messaging.direct(friend.id);
  const keys = new ConversationKeys(ben.store, ben.id, undefined as never, () => null);
  const tag = (await ben.peer.messaging.ownTag(conversation))!;
  const { key } = (await keys.ofTag(tag))!;
  await handOver(ben, friend);
  return {
    tag,
    async record(record: IntroRecord): Promise<HandWrittenEntry> {
      const ref = { kind: 'intro' as const, tag, recordId: newPostId() };
      const sealed = await sealedUnder(key, ben.id, docIdOf(ref), encodeIntroRecord(record));
      return { docId: docIdOf(ref), payloadKind: 'encrypted', payload: sealed.payload };
    },
  };
}
