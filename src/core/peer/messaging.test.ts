/**
 * Direct messages between real peers (issue 27): conversations among friends, delivered through
 * the verifying ingest as sync would deliver them, carried by a friend who is not in the
 * conversation, and the refusals a person or a hostile member meets.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { bytesEqual, utf8 } from '../bytes.ts';
import { writerTag } from '../crypto/conversation-tag.ts';
import { writeMessage } from '../docs/message-doc.ts';
import { decodeEntry } from '../feed/entry-codec.ts';
import { newPostId, type PersonId } from '../ids.ts';
import { conversationKeys } from '../kinds/conversation-views.ts';
import { docIdOf } from '../kinds/registry.ts';
import { encodeMemberState } from '../kinds/member.ts';
import { sealedUnder } from '../kinds/payload.ts';
import { MessageInputError, type ConversationKey } from './messaging.ts';
import {
  befriend,
  entriesOf,
  handOver,
  heldBy,
  holdsPlaintext,
  makePeople,
  makePerson,
  signOnNewDevice,
  testClock,
  type TestPerson,
} from './test-people.ts';

async function texts(person: TestPerson, key: ConversationKey): Promise<string[]> {
  return (await person.peer.messaging.messages(key)).map((m) => m.text);
}

describe('direct messages', () => {
  it('Alice and Bob exchange messages; each sees the other’s as unread until read', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    const key = await alice.peer.messaging.direct(bob.id);
    expect(await alice.peer.messaging.direct(bob.id)).toBe(key);
    testClock.advance(1_000);
    await alice.peer.messaging.send(key, 'hi Bob');
    await handOver(alice, bob);
    const [seen] = await bob.peer.messaging.list();
    expect(seen).toMatchObject({ key, members: [alice.id, bob.id], unread: 1, lastText: 'hi Bob' });
    expect(await bob.peer.messaging.direct(alice.id)).toBe(key);
    testClock.advance(1_000);
    await bob.peer.messaging.send(key, 'hi Alice');
    await bob.peer.messaging.markRead(key);
    expect((await bob.peer.messaging.conversation(key))?.unread).toBe(0);
    await handOver(bob, alice);
    expect(await texts(alice, key)).toEqual(['hi Bob', 'hi Alice']);
    expect(await texts(bob, key)).toEqual(['hi Bob', 'hi Alice']);
    expect(await alice.peer.messaging.unreadCount()).toBe(1);
  });

  it('Alice and Bob press “Message” at once: two conversations, and once each holds both, both pick the same one, ever after', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    const hers = await alice.peer.messaging.direct(bob.id);
    const his = await bob.peer.messaging.direct(alice.id);
    expect(hers).not.toBe(his);
    await handOver(alice, bob);
    await handOver(bob, alice);
    const picked = await alice.peer.messaging.direct(bob.id);
    expect(await bob.peer.messaging.direct(alice.id)).toBe(picked);
    expect([hers, his]).toContain(picked);
    // A message in the other one, newer, does not move them: the pick is the same ever after.
    testClock.advance(1_000);
    await bob.peer.messaging.send(picked === hers ? his : hers, 'here?');
    await handOver(bob, alice);
    expect(await alice.peer.messaging.direct(bob.id)).toBe(picked);
    expect(await bob.peer.messaging.direct(alice.id)).toBe(picked);
  });

  it('a new message from someone else is a notification, read when its conversation is read', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    const key = await alice.peer.messaging.direct(bob.id);
    testClock.advance(1_000);
    await alice.peer.messaging.send(key, 'are you there?');
    await handOver(alice, bob);
    const notes = async (person: TestPerson) =>
      (await person.store.notificationsPage({ limit: 50 })).items.filter(
        (n) => n.kind === 'message',
      );
    const [note] = await notes(bob);
    expect(note).toMatchObject({
      read: false,
      summary: { from: alice.id, conversation: key, text: 'are you there?' },
    });
    // One's own messages notify nobody on one's own devices.
    expect(await notes(alice)).toEqual([]);
    await bob.peer.messaging.markRead(key);
    expect((await notes(bob)).map((n) => n.read)).toEqual([true]);
    // Taken again (a re-sync), a message read stays read and makes no second notification.
    await handOver(alice, bob);
    expect((await notes(bob)).map((n) => n.read)).toEqual([true]);
  });

  it('Carol, a friend of both and not in it, carries Alice’s message to Bob and reads none of it', async () => {
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    await befriend(alice, bob);
    await befriend(alice, carol);
    await befriend(bob, carol);
    const key = await alice.peer.messaging.direct(bob.id);
    await alice.peer.messaging.send(key, 'carried by Carol');
    await handOver(alice, carol, [alice.id]);
    // Carol holds the ciphertext (the test carries something), shows no conversation, and no
    // entry of hers holds the text or the conversation's id in clear... but for the record's doc id.
    expect((await entriesOf(carol, [alice.id])).length).toBeGreaterThan(0);
    expect(await carol.peer.messaging.list()).toEqual([]);
    expect(await conversationKeys(carol.store)).toEqual([]);
    expect(await holdsPlaintext(carol, 'carried by Carol')).toBe(false);
    expect(await holdsPlaintext(carol, bob.id)).toBe(false);
    await handOver(carol, bob, [alice.id]);
    expect(await texts(bob, key)).toEqual(['carried by Carol']);
  });

  it('Carol carries the photos of Alice’s message too: its entry lists their ciphertext, which she fetches and serves', async () => {
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    await befriend(alice, bob);
    await befriend(alice, carol);
    await befriend(bob, carol);
    const key = await alice.peer.messaging.direct(bob.id);
    const photo = {
      image: utf8('a photo for Bob alone'),
      thumb: utf8('its thumbnail'),
      width: 4,
      height: 3,
      mime: 'image/jpeg' as const,
    };
    await alice.peer.messaging.send(key, 'look', [photo]);
    await handOver(alice, carol, [alice.id]);
    const [message] = await alice.peer.messaging.messages(key);
    const ids = [message!.photos[0]!.blob, message!.photos[0]!.thumb];
    // Carol reads no message, yet wants the photos the entry lists, to carry them.
    expect(await carol.peer.messaging.list()).toEqual([]);
    expect(carol.peer.blobs.wanted().sort()).toEqual([...ids].sort());
    for (const id of ids) await carol.peer.blobs.receive(id, (await alice.store.getBlob(id))!);
    for (const id of ids) {
      const held = new TextDecoder().decode(await carol.store.getBlob(id));
      expect(held).not.toContain('a photo for Bob alone');
    }
    // Alice away: Bob gets the message and its photo from Carol alone.
    await handOver(carol, bob, [alice.id]);
    const [got] = await bob.peer.messaging.messages(key);
    const ref = got!.photos[0]!;
    expect(await bob.peer.messaging.photo(got!, ref, 'image')).toBeNull();
    await bob.peer.blobs.receive(ref.blob, (await carol.store.getBlob(ref.blob))!);
    expect(await bob.peer.messaging.photo(got!, ref, 'image')).toEqual(photo.image);
  });

  it('a group of Alice’s friends all read; a member removed reads nothing written after', async () => {
    const [alice, bob, dan] = await makePeople('alice', 'bob', 'dan');
    await befriend(alice, bob);
    await befriend(alice, dan);
    const key = await alice.peer.messaging.start([bob.id, dan.id], 'Trip');
    await alice.peer.messaging.send(key, 'before');
    for (const member of [bob, dan]) await handOver(alice, member, [alice.id]);
    expect((await dan.peer.messaging.conversation(key))?.title).toBe('Trip');
    expect(await texts(dan, key)).toEqual(['before']);
    await alice.peer.messaging.remove(key, dan.id);
    testClock.advance(1_000);
    await alice.peer.messaging.send(key, 'after');
    for (const member of [bob, dan]) await handOver(alice, member, [alice.id]);
    expect(await texts(bob, key)).toEqual(['before', 'after']);
    expect((await bob.peer.messaging.conversation(key))?.members).toEqual([alice.id, bob.id]);
    expect(await texts(dan, key)).toEqual(['before']);
    expect((await heldBy(dan, key)).epoch).toBe(0);
    // Dan still holds the old epoch's key and writes under it: nobody shows it any more.
    testClock.advance(1_000);
    await dan.peer.messaging.send(key, 'still here?');
    for (const member of [alice, bob]) await handOver(dan, member, [dan.id]);
    expect(await texts(bob, key)).toEqual(['before', 'after']);
    expect(await texts(alice, key)).toEqual(['before', 'after']);
    await expect(bob.peer.messaging.remove(key, alice.id)).rejects.toThrow(MessageInputError);
  });

  it('refuses a message too long or empty, a non-friend, and more than 50 people, saying why', async () => {
    const [alice, bob, stranger] = await makePeople('alice', 'bob', 'stranger');
    await befriend(alice, bob);
    const key = await alice.peer.messaging.direct(bob.id);
    await expect(alice.peer.messaging.send(key, 'x'.repeat(4_001))).rejects.toThrow(
      /at most 4000 characters/,
    );
    await expect(alice.peer.messaging.send(key, '  ')).rejects.toThrow(/cannot be empty/);
    await expect(alice.peer.messaging.start([stranger.id])).rejects.toThrow(/not a friend/);
    const crowd = await Promise.all(Array.from({ length: 50 }, () => makePerson('x')));
    const ids: PersonId[] = crowd.map((p) => p.id);
    await expect(alice.peer.messaging.start(ids)).rejects.toThrow(/at most 50 members, not 51/);
    await expect(bob.peer.messaging.send('nonsense' as ConversationKey, 'hi')).rejects.toThrow(
      MessageInputError,
    );
  });

  it('a member cannot pass a message off as another member’s', async () => {
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    await befriend(alice, bob);
    await befriend(alice, carol);
    const key = await alice.peer.messaging.start([bob.id, carol.id]);
    for (const member of [bob, carol]) await handOver(alice, member, [alice.id]);
    await carol.peer.messaging.send(key, 'real, from Carol');
    await handOver(carol, alice, [carol.id]);
    // Bob, a member, holds the epoch key, so he can compute Carol's tag and seal under it.
    const held = await heldBy(bob, key);
    const carolsTag = await writerTag(held, carol.id, held.key);
    const ref = { kind: 'message' as const, tag: carolsTag, messageId: newPostId() };
    const doc = new Y.Doc();
    writeMessage(doc, 'forged, "from Carol"', testClock.now());
    const update = Y.encodeStateAsUpdate(doc);
    // Sealed as if Carol wrote it, then signed by Bob's device: the log names Bob.
    const asCarol = await sealedUnder(held.key, carol.id, docIdOf(ref), update);
    const other = { ...ref, messageId: newPostId() };
    const asBob = await sealedUnder(held.key, bob.id, docIdOf(other), update);
    // And Carol's own message entry, its payload copied whole into Bob's log.
    const [carolsEntry] = await carol.store.getLatestEntries(
      carol.id,
      carol.device.key.deviceId,
      1,
    );
    const forged = await signOnNewDevice(bob, [
      { docId: docIdOf(ref), payloadKind: 'encrypted', payload: asCarol.payload },
      { docId: docIdOf(other), payloadKind: 'encrypted', payload: asBob.payload },
      {
        docId: carolsEntry!.docId,
        payloadKind: 'encrypted',
        payload: decodeEntry(carolsEntry!.bytes).payload,
      },
    ]);
    const report = await alice.ingestor.ingest(forged.map((e) => e.bytes));
    expect(report.rejected).toEqual([]);
    await alice.peer.settled();
    const shown = await alice.peer.messaging.messages(key);
    expect(shown.map((m) => [m.author, m.text])).toEqual([[carol.id, 'real, from Carol']]);
  });

  it('Alice sends Bob a photo: sealed under the conversation’s key, opened on Bob’s device once its blob arrives', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    const key = await alice.peer.messaging.direct(bob.id);
    const photo = {
      image: utf8('the image bytes, in clear'),
      thumb: utf8('the thumbnail bytes'),
      width: 4,
      height: 3,
      mime: 'image/jpeg' as const,
    };
    await alice.peer.messaging.send(key, '', [photo]);
    await handOver(alice, bob);
    const [message] = await bob.peer.messaging.messages(key);
    expect(message?.photos).toHaveLength(1);
    expect((await bob.peer.messaging.list())[0]?.lastText).toBe('A photo');
    const ref = message!.photos[0]!;
    // Not here yet: wanted, as a post's photo is.
    expect(await bob.peer.messaging.photo(message!, ref, 'thumb')).toBeNull();
    expect(bob.peer.blobs.wanted()).toContain(ref.thumb);
    const stored = await alice.store.getBlob(ref.thumb);
    expect(bytesEqual(stored!, photo.thumb)).toBe(false);
    await bob.peer.blobs.receive(ref.thumb, stored!);
    expect(await bob.peer.messaging.photo(message!, ref, 'thumb')).toEqual(photo.thumb);
    await expect(
      alice.peer.messaging.send(key, 'big', [{ ...photo, image: new Uint8Array(9 * 2 ** 20) }]),
    ).rejects.toThrow(/photo 1 is too big to send: 9\.0 MB, at most 8\.0 MB/);
    const five = Array.from({ length: 5 }, () => photo);
    await expect(alice.peer.messaging.send(key, 'many', five)).rejects.toThrow(
      /at most 4 photos, not 5/,
    );
  });

  it('Bob’s read receipt tells Alice how far he read; none while he turned them off', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    const key = await alice.peer.messaging.direct(bob.id);
    testClock.advance(1_000);
    await alice.peer.messaging.send(key, 'first');
    const [first] = await alice.peer.messaging.messages(key);
    await handOver(alice, bob);
    expect(await bob.peer.messaging.readReceipts()).toBe(true);
    await bob.peer.messaging.markRead(key);
    await handOver(bob, alice);
    const read = (await alice.peer.messaging.conversation(key))!.readBy[bob.id];
    expect(read).toBe(first!.createdAt);

    await bob.peer.messaging.setReadReceipts(false);
    testClock.advance(1_000);
    await alice.peer.messaging.send(key, 'second');
    await handOver(alice, bob);
    await bob.peer.messaging.markRead(key);
    expect((await bob.peer.messaging.conversation(key))?.unread).toBe(0);
    await handOver(bob, alice);
    expect((await alice.peer.messaging.conversation(key))!.readBy[bob.id]).toBe(read);
  });

  it('Dan leaves the group: Alice’s device seals a new epoch without him; he reads nothing after', async () => {
    const [alice, bob, dan] = await makePeople('alice', 'bob', 'dan');
    await befriend(alice, bob);
    await befriend(alice, dan);
    const key = await alice.peer.messaging.start([bob.id, dan.id], 'Trip');
    for (const member of [bob, dan]) await handOver(alice, member, [alice.id]);
    await dan.peer.messaging.leave(key);
    await expect(dan.peer.messaging.send(key, 'hi')).rejects.toThrow(/you left/);
    expect((await dan.peer.messaging.conversation(key))?.left).toEqual([dan.id]);
    expect((await dan.peer.messaging.fellows()).size).toBe(0);
    await handOver(dan, alice, [dan.id]);
    await alice.peer.messaging.rotateForLeavers();
    expect((await heldBy(alice, key)).members).toEqual([alice.id, bob.id]);
    // Once is enough: Dan's record read again rotates nothing more.
    await alice.peer.messaging.rotateForLeavers();
    expect((await heldBy(alice, key)).epoch).toBe(1);
    await alice.peer.messaging.rename(key, 'Trip, without Dan');
    testClock.advance(1_000);
    await alice.peer.messaging.send(key, 'after Dan left');
    for (const member of [bob, dan]) await handOver(alice, member, [alice.id]);
    expect(await texts(bob, key)).toEqual(['after Dan left']);
    expect((await bob.peer.messaging.conversation(key))?.title).toBe('Trip, without Dan');
    expect(await texts(dan, key)).toEqual([]);
    await expect(dan.peer.messaging.rename(key, 'mine now')).rejects.toThrow(/not in this/);
  });

  it('any member renames the group: the newest name shows on every device; one removed renames nothing', async () => {
    const [alice, bob, carol, dan] = await makePeople('alice', 'bob', 'carol', 'dan');
    for (const other of [bob, carol, dan]) await befriend(alice, other);
    const key = await alice.peer.messaging.start([bob.id, carol.id, dan.id], 'Trip');
    for (const member of [bob, carol, dan]) await handOver(alice, member, [alice.id]);
    testClock.advance(1_000);
    await bob.peer.messaging.rename(key, 'Ski trip');
    testClock.advance(1_000);
    await carol.peer.messaging.rename(key, 'Ski trip 2027');
    // Carol's name reaches Alice before Bob's older one: the newer stays.
    await handOver(carol, alice, [carol.id]);
    await handOver(bob, alice, [bob.id]);
    const seen = await alice.peer.messaging.conversation(key);
    expect(seen).toMatchObject({ title: 'Ski trip 2027', titledBy: carol.id });
    // Alice removes Dan; his rename afterwards changes nothing for the others, and the new
    // epoch keeps the members' name.
    await alice.peer.messaging.remove(key, dan.id);
    testClock.advance(1_000);
    await dan.peer.messaging.rename(key, 'Dan’s party');
    await handOver(dan, alice, [dan.id]);
    for (const member of [bob, carol]) await handOver(alice, member, [alice.id, bob.id, carol.id]);
    for (const person of [alice, bob, carol]) {
      expect((await person.peer.messaging.conversation(key))?.title).toBe('Ski trip 2027');
    }
    expect((await heldBy(bob, key)).title).toBe('Ski trip 2027');
    await expect(bob.peer.messaging.rename(key, 'x'.repeat(81))).rejects.toThrow(/at most 80/);
  });

  it('a member cannot make another leave, nor read for them', async () => {
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    await befriend(alice, bob);
    await befriend(alice, carol);
    const key = await alice.peer.messaging.start([bob.id, carol.id]);
    for (const member of [bob, carol]) await handOver(alice, member, [alice.id]);
    const held = await heldBy(bob, key);
    const ref = { kind: 'member' as const, tag: await writerTag(held, carol.id, held.key) };
    const asCarol = await sealedUnder(
      held.key,
      carol.id,
      docIdOf(ref),
      encodeMemberState({ readThrough: testClock.now(), left: true }),
    );
    const forged = await signOnNewDevice(bob, [{ docId: docIdOf(ref), ...asCarol }]);
    expect((await alice.ingestor.ingest(forged.map((e) => e.bytes))).rejected).toEqual([]);
    await alice.peer.settled();
    await alice.peer.messaging.rotateForLeavers();
    const view = await alice.peer.messaging.conversation(key);
    expect(view?.left).toEqual([]);
    expect(view?.readBy).toEqual({});
    expect((await heldBy(alice, key)).epoch).toBe(0);
  });
});
