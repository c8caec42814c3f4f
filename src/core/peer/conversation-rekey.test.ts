/**
 * A member's encryption key moving to its next generation (a removed device, issue 26) re-keys
 * the conversations they are in (issue 27): the holder's device seals the next epoch to the new
 * key at once, so the removed device, which holds the key before, opens nothing written after.
 */
import { describe, expect, it } from 'vitest';
import type { ConversationKey } from './messaging.ts';
import {
  befriend,
  handOver,
  heldBy,
  linkedDevice,
  makePeople,
  testClock,
  type TestPerson,
} from './test-people.ts';

async function texts(person: TestPerson, key: ConversationKey): Promise<string[]> {
  return (await person.peer.messaging.messages(key)).map((m) => m.text);
}

describe('a member’s key moving on', () => {
  it('Bob removes his phone: Alice’s device seals the next epoch to his new key; the phone reads nothing written after, Bob reads on', async () => {
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    const phone = await linkedDevice(bob, 'bob-phone');
    await befriend(alice, bob);
    await befriend(alice, carol);
    await handOver(bob, phone, [bob.id]);
    const key = await alice.peer.messaging.start([bob.id, carol.id], 'Trip');
    await alice.peer.messaging.send(key, 'before');
    for (const to of [bob, phone, carol]) await handOver(alice, to, [alice.id]);
    expect(await texts(phone, key)).toEqual(['before']);

    await bob.peer.nextKeyGeneration();
    await handOver(bob, alice, [bob.id]);
    // Alice's device re-keyed on taking Bob's new key; once more changes nothing.
    await alice.peer.messaging.rekeyMoved();
    expect((await heldBy(alice, key)).epoch).toBe(1);
    testClock.advance(1_000);
    await alice.peer.messaging.send(key, 'after the phone went');
    for (const to of [bob, phone, carol]) await handOver(alice, to, [alice.id, bob.id]);
    expect(await texts(bob, key)).toEqual(['before', 'after the phone went']);
    expect(await texts(carol, key)).toEqual(['before', 'after the phone went']);
    expect(await texts(phone, key)).toEqual(['before']);
    expect((await heldBy(phone, key)).epoch).toBe(0);
  });

  it('Alice, the holder, removes her own phone: her device seals the next epoch at once', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    const phone = await linkedDevice(alice, 'alice-phone');
    await befriend(alice, bob);
    await handOver(alice, phone, [alice.id]);
    const key = await alice.peer.messaging.start([bob.id], 'Two of us');
    for (const to of [bob, phone]) await handOver(alice, to, [alice.id]);
    expect((await phone.peer.messaging.list()).map((c) => c.key)).toEqual([key]);

    await alice.peer.nextKeyGeneration();
    await alice.peer.messaging.rekeyMoved();
    expect((await heldBy(alice, key)).epoch).toBe(1);
    testClock.advance(1_000);
    await handOver(alice, bob, [alice.id]);
    await bob.peer.messaging.send(key, 'yes');
    await handOver(bob, alice, [bob.id]);
    for (const from of [alice, bob]) await handOver(from, phone, [alice.id, bob.id]);
    expect(await texts(alice, key)).toEqual(['yes']);
    expect(await texts(phone, key)).toEqual([]);
    expect((await heldBy(phone, key)).epoch).toBe(0);
  });
});
