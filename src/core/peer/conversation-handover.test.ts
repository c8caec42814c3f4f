/**
 * The key-holding role of a conversation passing on when its holder leaves (issue 27,
 * `kinds/conversation-holder.ts`): the next member of the roster seals the next epoch, the one
 * who left reads nothing written after it, and a member the rule does not name cannot seal one,
 * however they write it.
 */
import { describe, expect, it } from 'vitest';
import { SymmetricKey } from '../crypto/aead.ts';
import { makeConversationRecord } from '../crypto/conversation-record.ts';
import { writerTag } from '../crypto/conversation-tag.ts';
import { PairKeys } from '../crypto/pair-keys.ts';
import type { PersonId } from '../ids.ts';
import { docIdOf } from '../kinds/registry.ts';
import type { ConversationKey } from './messaging.ts';
import {
  befriend,
  handOver,
  heldBy,
  makePeople,
  signOnNewDevice,
  testClock,
  type TestPerson,
} from './test-people.ts';

async function texts(person: TestPerson, key: ConversationKey): Promise<string[]> {
  return (await person.peer.messaging.messages(key)).map((m) => m.text);
}

/** Alice's group of Bob, Carol and Dan, all her friends, Bob a friend of Carol and Dan too. */
async function aliceGroup() {
  const people = await makePeople('alice', 'bob', 'carol', 'dan');
  const [alice, bob, carol, dan] = people;
  for (const other of [bob, carol, dan]) await befriend(alice, other);
  await befriend(bob, carol);
  await befriend(bob, dan);
  const key = await alice.peer.messaging.start([bob.id, carol.id, dan.id], 'Trip');
  for (const member of [bob, carol, dan]) await handOver(alice, member, [alice.id]);
  return { alice, bob, carol, dan, key };
}

/**
 * A record of the epoch after `key`'s newest, written as `writer` would write it by hand (a
 * modified client), sealed to `members`, named by the writer's tag in the epoch before.
 */
async function handWrittenEpoch(
  writer: TestPerson,
  key: ConversationKey,
  members: readonly TestPerson[],
) {
  const held = await heldBy(writer, key);
  const pairs = new PairKeys({
    publicKey: writer.identity.encryptionPublicKey,
    privateKey: writer.identity.encryptionPrivateKey,
  });
  const pairKeys = await Promise.all(
    [writer, ...members].map((m) => pairs.pairKey(m.identity.encryptionPublicKey)),
  );
  const at = { starter: held.starter, conversation: held.conversation, epoch: held.epoch + 1 };
  const roster = { title: 'mine now', members: members.map((m) => m.id) };
  const record = await makeConversationRecord(
    at,
    await SymmetricKey.generate(),
    roster,
    pairKeys,
    undefined,
    writer.id,
  );
  const tag = await writerTag(held, writer.id, held.key);
  return signOnNewDevice(writer, [
    { docId: docIdOf({ kind: 'conversation', tag }), payloadKind: 'key-record', payload: record },
  ]);
}

async function ingest(to: TestPerson, entries: readonly { bytes: Uint8Array }[]): Promise<void> {
  expect((await to.ingestor.ingest(entries.map((e) => e.bytes))).rejected).toEqual([]);
  await to.peer.settled();
}

describe('a conversation whose starter leaves', () => {
  it('Alice, who started it, leaves: Bob, next in its roster, seals the next epoch; Alice reads nothing written after; Bob removes and renames', async () => {
    const { alice, bob, carol, dan, key } = await aliceGroup();
    await alice.peer.messaging.send(key, 'before');
    await alice.peer.messaging.leave(key);
    await handOver(alice, bob, [alice.id]);
    await bob.peer.messaging.rotateForLeavers();
    const held = await heldBy(bob, key);
    expect(held).toMatchObject({ epoch: 1, holder: bob.id, members: [bob.id, carol.id, dan.id] });
    // Carol gets Bob's record before Alice's leave: it waits for the leave that makes Bob holder.
    await handOver(bob, carol, [bob.id]);
    expect((await heldBy(carol, key)).epoch).toBe(0);
    await handOver(alice, carol, [alice.id]);
    expect(await heldBy(carol, key)).toMatchObject({ epoch: 1, holder: bob.id });
    expect(await carol.peer.messaging.conversation(key)).toMatchObject({
      holder: bob.id,
      members: [bob.id, carol.id, dan.id],
      left: [],
    });
    testClock.advance(1_000);
    await bob.peer.messaging.send(key, 'after Alice left');
    for (const person of [alice, carol, dan]) {
      await handOver(alice, person, [alice.id]);
      await handOver(bob, person, [bob.id]);
    }
    expect(await texts(carol, key)).toEqual(['before', 'after Alice left']);
    expect(await texts(dan, key)).toEqual(['before', 'after Alice left']);
    // The leaver holds no key of epoch 1 and opens nothing of it.
    expect(await texts(alice, key)).toEqual(['before']);
    expect((await heldBy(alice, key)).epoch).toBe(0);
    // Bob holds the keys now: he removes Dan and renames; Alice and Carol cannot.
    await expect(alice.peer.messaging.remove(key, dan.id)).rejects.toThrow(
      /only the one who holds/,
    );
    await expect(carol.peer.messaging.remove(key, dan.id)).rejects.toThrow(
      /only the one who holds/,
    );
    await bob.peer.messaging.remove(key, dan.id);
    await bob.peer.messaging.rename(key, 'Trip, without Alice');
    testClock.advance(1_000);
    await bob.peer.messaging.send(key, 'after Dan went');
    for (const person of [carol, dan]) await handOver(bob, person, [bob.id]);
    expect(await carol.peer.messaging.conversation(key)).toMatchObject({
      title: 'Trip, without Alice',
      members: [bob.id, carol.id],
      epoch: 2,
    });
    expect(await texts(carol, key)).toContain('after Dan went');
    expect(await texts(dan, key)).not.toContain('after Dan went');
    expect((await heldBy(dan, key)).epoch).toBe(1);
  });

  it('a member the roster does not name next cannot seal the next epoch; the next one only once the holder left, adding no one and keeping no leaver', async () => {
    const { alice, bob, carol, dan, key } = await aliceGroup();
    const [eve] = await makePeople('eve');
    await befriend(carol, dan);
    await befriend(bob, eve);
    // Alice has not left: Bob, next in line, is no holder yet; Carol is not next.
    await ingest(dan, await handWrittenEpoch(bob, key, [carol, dan, eve]));
    await ingest(dan, await handWrittenEpoch(carol, key, [bob, dan]));
    expect((await heldBy(dan, key)).epoch).toBe(0);
    // Alice leaves: Bob is next, not Carol, whatever Carol writes; and Bob's record that waited
    // for the leave brings in Eve, who was never in it: refused.
    await alice.peer.messaging.leave(key);
    await handOver(alice, dan, [alice.id]);
    await ingest(dan, await handWrittenEpoch(carol, key, [dan]));
    expect((await heldBy(dan, key)).epoch).toBe(0);
    // Nor may Bob keep Alice, who left.
    await befriend(bob, alice);
    await ingest(dan, await handWrittenEpoch(bob, key, [alice, carol, dan]));
    expect((await heldBy(dan, key)).epoch).toBe(0);
    await ingest(dan, await handWrittenEpoch(bob, key, [carol, dan]));
    expect(await heldBy(dan, key)).toMatchObject({
      epoch: 1,
      holder: bob.id,
      members: [bob.id, carol.id, dan.id],
    });
    expect((await heldBy(dan, key)).title).toBe('mine now');
    expect((await dan.peer.messaging.conversation(key))?.title).toBe('mine now');
  });

  it('a member who is not the new holder’s friend drops out at the hand-over: no box can be sealed to them', async () => {
    const [alice, bob, carol, dan] = await makePeople('alice', 'bob', 'carol', 'dan');
    for (const other of [bob, carol, dan]) await befriend(alice, other);
    await befriend(bob, carol);
    const key = await alice.peer.messaging.start([bob.id, carol.id, dan.id]);
    for (const member of [bob, carol, dan]) await handOver(alice, member, [alice.id]);
    await alice.peer.messaging.leave(key);
    await handOver(alice, bob, [alice.id]);
    await bob.peer.messaging.rotateForLeavers();
    expect((await heldBy(bob, key)).members).toEqual([bob.id, carol.id]);
    await handOver(alice, dan, [alice.id]);
    await handOver(bob, dan, [bob.id]);
    expect((await heldBy(dan, key)).epoch).toBe(0);
  });

  it('Bob leaves too, before sealing: Carol, next after him, takes the keys over', async () => {
    const { alice, bob, carol, dan, key } = await aliceGroup();
    await befriend(carol, dan);
    await alice.peer.messaging.leave(key);
    await bob.peer.messaging.leave(key);
    for (const leaver of [alice, bob]) await handOver(leaver, carol, [leaver.id]);
    await carol.peer.messaging.rotateForLeavers();
    for (const from of [carol, alice, bob]) await handOver(from, dan, [from.id]);
    const members: PersonId[] = [carol.id, dan.id];
    expect(await heldBy(dan, key)).toMatchObject({ epoch: 1, holder: carol.id, members });
    await handOver(carol, bob, [carol.id]);
    expect((await heldBy(bob, key)).epoch).toBe(0);
  });
});
