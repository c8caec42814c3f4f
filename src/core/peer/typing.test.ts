/**
 * Typing over the ephemeral lane of live connections (in-memory transports standing in for the
 * mesh's): shown to members only while connected, never stored, never as another member.
 */
import { describe, expect, it } from 'vitest';
import { writerTag } from '../crypto/conversation-tag.ts';
import type { PersonId } from '../ids.ts';
import { EPHEMERAL_TYPE, EphemeralLanes, MAX_EPHEMERAL_BYTES } from '../mesh/ephemeral-lane.ts';
import { MemoryNetwork } from '../net/memory-network.ts';
import { waitFor } from '../sync/test-helpers.ts';
import { befriend, handOver, makePeople, testClock, type TestPerson } from './test-people.ts';
import { decodeTyping, encodeTyping, Typing } from './typing.ts';

/** A person's lanes and typing, with what their sync side received. */
function typingOf(person: TestPerson) {
  const lanes = new EphemeralLanes(() => testClock.now());
  const typing = new Typing({
    me: person.id,
    clock: testClock,
    lanes,
    messaging: person.peer.messaging,
  });
  return { lanes, typing, synced: [] as Uint8Array[] };
}

type Side = ReturnType<typeof typingOf>;

/** Connects two people's lanes as the mesh would (each side knows whom it reached). */
function connect(net: MemoryNetwork, a: [TestPerson, Side], b: [TestPerson, Side]) {
  const [ta, tb] = net.connect(a[0].id, b[0].id);
  const sa = a[1].lanes.attach(b[0].id, ta);
  const sb = b[1].lanes.attach(a[0].id, tb);
  sa.onMessage((m) => a[1].synced.push(m));
  sb.onMessage((m) => b[1].synced.push(m));
  return { sa, sb };
}

describe('typing', () => {
  it('shows Alice typing to Bob while connected, never stored, and stops when she says so', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    const key = await alice.peer.messaging.direct(bob.id);
    await handOver(alice, bob);
    const [a, b] = [typingOf(alice), typingOf(bob)];
    const { sa } = connect(new MemoryNetwork(), [alice, a], [bob, b]);
    const head = (await alice.store.listLogs()).map((l) => l.ranges.at(-1)?.end);

    await a.typing.say(key, true);
    await waitFor(() => b.typing.typingIn(key).length === 1);
    expect(b.typing.typingIn(key)).toEqual([alice.id]);
    // Sync's own messages still pass; the typing frame never reached sync.
    await sa.send(new Uint8Array([1, 2, 3]));
    await waitFor(() => b.synced.length === 1);
    expect(b.synced).toEqual([new Uint8Array([1, 2, 3])]);
    await a.typing.say(key, false);
    await waitFor(() => b.typing.typingIn(key).length === 0);
    // Nothing was written for it.
    expect((await alice.store.listLogs()).map((l) => l.ranges.at(-1)?.end)).toEqual(head);
    a.typing.stop();
    b.typing.stop();
  });

  it('ignores a member typing as another, malformed and oversized frames, and a flood', async () => {
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    await befriend(alice, bob);
    await befriend(alice, carol);
    const key = await alice.peer.messaging.start([bob.id, carol.id]);
    for (const member of [bob, carol]) await handOver(alice, member, [alice.id]);
    const [a, c] = [typingOf(alice), typingOf(carol)];
    const { sb: fromCarol } = connect(new MemoryNetwork(), [alice, a], [carol, c]);
    const raw = (body: Uint8Array) => fromCarol.send(Uint8Array.of(EPHEMERAL_TYPE, ...body));

    // Carol holds the epoch key, so she can compute Bob's tag: her connection is not Bob's.
    const held = (await carol.peer.messaging.fellows()).get(bob.id)!;
    await raw(encodeTyping(await writerTag(held, bob.id, held.key), true));
    const carolsTag = (await carol.peer.messaging.ownTag(key))!;
    await raw(new Uint8Array(MAX_EPHEMERAL_BYTES));
    await raw(Uint8Array.of(9, 9));
    await raw(encodeTyping(carolsTag, true));
    await waitFor(() => a.typing.typingIn(key).length === 1);
    expect(a.typing.typingIn(key)).toEqual([carol.id]);
    expect(a.lanes.dropped).toBe(1);
    // A flood is dropped beyond the allowance, never passed on.
    for (let i = 0; i < 30; i++) await raw(encodeTyping(carolsTag, true));
    await waitFor(() => a.lanes.dropped > 1);
    expect(decodeTyping(Uint8Array.of(1, ...new Uint8Array(16), 2))).toBeNull();
    expect(a.typing.typingIn(key)).toEqual([carol.id] as PersonId[]);
    a.typing.stop();
    c.typing.stop();
  });
});
