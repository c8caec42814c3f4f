/**
 * One friends epoch per person (design section 3): whichever of a person's devices rotates, all
 * of them seal with the newest epoch once they see it; and replies to a private post are sealed
 * under its audience's current epoch too, so a removed friend reads no reply written afterwards.
 */
import { describe, expect, it } from 'vitest';
import { EntryVerifier } from '../feed/entry-verifier.ts';
import { startNewDevice } from '../identity/device-setup.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import { Ingestor } from '../sync/ingest.ts';
import { Peer } from './peer.ts';
import {
  befriend,
  entriesOf,
  handOver,
  makePeople,
  testClock,
  type TestPerson,
} from './test-people.ts';

/** Another device of `person`: same identity, its own device key, store and log. */
export async function secondDevice(person: TestPerson, name: string): Promise<TestPerson> {
  const store = new MemoryStorageAdapter();
  const device = await startNewDevice(person.identity, { clock: testClock });
  const ingestor = new Ingestor(store, new EntryVerifier());
  const peer = await Peer.open({
    store,
    identity: person.identity,
    device,
    pipeline: ingestor,
    clock: testClock,
  });
  return { ...person, name, device, store, ingestor, peer };
}

/** The texts of `author`'s posts `reader` can open (shown or not: a removed friend's view). */
async function readableTexts(reader: TestPerson, author: TestPerson): Promise<string[]> {
  const page = await reader.peer.authorPostsPage(author.id, { limit: 100 });
  return page.items.map((p) => (p.summary as { text: string }).text);
}

describe('one friends epoch per person', () => {
  it('after Alice removes Bob on her laptop, her phone seals its next post with the new epoch: Bob reads nothing of it', async () => {
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    const phone = await secondDevice(alice, 'alice-phone');
    await befriend(alice, bob);
    await befriend(alice, carol);
    await handOver(alice, phone, [alice.id]);
    await phone.peer.createPost({ text: 'from the phone, before' });
    await handOver(phone, bob, [alice.id]);
    expect(await readableTexts(bob, alice)).toContain('from the phone, before');

    await alice.peer.removeFriend(bob.id);
    await handOver(alice, phone, [alice.id]);
    expect(phone.peer.friends().has(bob.id)).toBe(false);
    testClock.advance(1000);
    await phone.peer.createPost({ text: 'from the phone, after' });

    // Bob holds everything of Alice's (through any relay) and keeps her as his friend.
    await handOver(phone, bob, [alice.id]);
    await handOver(alice, bob, [alice.id]);
    expect(await readableTexts(bob, alice)).not.toContain('from the phone, after');
    await handOver(phone, carol, [alice.id]);
    expect(await readableTexts(carol, alice)).toContain('from the phone, after');
  });

  it('a removed friend reads no reply written on an old post after the removal, and the author no longer shows his', async () => {
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    await befriend(alice, bob);
    await befriend(alice, carol);
    await befriend(bob, carol);
    const old = await alice.peer.createPost({ text: 'an old post' });
    await handOver(alice, bob, [alice.id]);
    await handOver(alice, carol, [alice.id]);
    await carol.peer.comment(old, 'Carol, before');
    await handOver(carol, bob, [carol.id]);
    const bobBefore = (await bob.peer.replies(old)).map(
      (r) => (r.summary as { text?: string }).text,
    );
    expect(bobBefore).toContain('Carol, before');

    await alice.peer.removeFriend(bob.id);
    await handOver(alice, carol, [alice.id]);
    testClock.advance(1000);
    await carol.peer.comment(old, 'Carol, after Bob was removed');
    await handOver(carol, alice, [carol.id]);
    // Bob gets Alice's log (with her re-publication) and Carol's own log: he reads neither.
    await handOver(alice, bob, [alice.id]);
    await handOver(carol, bob, [carol.id]);
    const bobSees = (await bob.peer.replies(old)).map((r) => (r.summary as { text?: string }).text);
    expect(bobSees).not.toContain('Carol, after Bob was removed');
    const carolSees = (await carol.peer.replies(old)).map(
      (r) => (r.summary as { text?: string }).text,
    );
    expect(carolSees).toContain('Carol, after Bob was removed');

    await bob.peer.comment(old, 'Bob, removed, still here');
    await alice.ingestor.ingest(await entriesOf(bob, [bob.id]));
    await alice.peer.settled();
    const aliceSees = (await alice.peer.replies(old)).map(
      (r) => (r.summary as { text?: string }).text,
    );
    expect(aliceSees).toContain('Carol, after Bob was removed');
    expect(aliceSees).not.toContain('Bob, removed, still here');
  });
});
