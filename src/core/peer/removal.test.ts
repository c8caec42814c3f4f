/**
 * Removing a friend is one step as far as anyone can tell: the friend list and the new friends
 * epoch both happen, even when the device stops between the two writes.
 */
import { describe, expect, it } from 'vitest';
import { decodeEntry } from '../feed/entry-codec.ts';
import { EntryVerifier } from '../feed/entry-verifier.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import type { StoredEntry } from '../store/storage-adapter.ts';
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

/** A store that fails every entry write once `writesLeft` reaches zero (the tab dies there). */
class DyingStore extends MemoryStorageAdapter {
  writesLeft = Number.POSITIVE_INFINITY;

  override async putEntries(entries: readonly StoredEntry[]): Promise<StoredEntry[]> {
    if (this.writesLeft <= 0) throw new Error('the tab was closed');
    this.writesLeft--;
    return super.putEntries(entries);
  }
}

/** `person` on a fresh {@link DyingStore}. */
async function onDyingStore(
  person: TestPerson,
): Promise<{ store: DyingStore; person: TestPerson }> {
  const store = new DyingStore();
  const ingestor = new Ingestor(store, new EntryVerifier());
  const peer = await Peer.open({
    store,
    identity: person.identity,
    device: person.device,
    pipeline: ingestor,
    clock: testClock,
  });
  return { store, person: { ...person, store, ingestor, peer } };
}

/** `person`'s peer opened again over the same store, as after a reload. */
async function reopen(person: TestPerson): Promise<TestPerson> {
  person.peer.close();
  const ingestor = new Ingestor(person.store, new EntryVerifier());
  const peer = await Peer.open({
    store: person.store,
    identity: person.identity,
    device: person.device,
    pipeline: ingestor,
    clock: testClock,
  });
  return { ...person, ingestor, peer };
}

async function epochRecords(person: TestPerson): Promise<string[]> {
  return (await entriesOf(person, [person.id]))
    .map(decodeEntry)
    .filter((e) => e.docId.startsWith('epoch/'))
    .map((e) => e.docId);
}

describe('removing a friend', () => {
  it('stopped between the friend list and the new epoch, it is finished when the app opens again', async () => {
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    const { store, person: aliceOnDying } = await onDyingStore(alice);
    await befriend(aliceOnDying, bob);
    await befriend(aliceOnDying, carol);
    expect(await epochRecords(aliceOnDying)).toEqual(['epoch/0', 'epoch/0']);

    store.writesLeft = 1; // the friend list is written, the epoch record is not
    await expect(aliceOnDying.peer.removeFriend(bob.id)).rejects.toThrow('the tab was closed');
    store.writesLeft = Number.POSITIVE_INFINITY;

    const again = await reopen(aliceOnDying);
    expect(again.peer.friends().has(bob.id)).toBe(false);
    expect(again.peer.friends().has(carol.id)).toBe(true);
    expect((await epochRecords(again)).at(-1)).toBe('epoch/1');
    // What she writes now is Carol's to read, not Bob's.
    testClock.advance(1000);
    const post = await again.peer.createPost({ text: 'after Bob left' });
    await handOver(again, bob, [alice.id]);
    await handOver(again, carol, [alice.id]);
    expect(await bob.peer.post(post)).toBeUndefined();
    expect(await carol.peer.post(post)).toMatchObject({ summary: { text: 'after Bob left' } });
    // Opening once more repairs nothing twice.
    const third = await reopen(again);
    expect((await epochRecords(third)).filter((id) => id === 'epoch/1')).toHaveLength(1);
  });

  it('stopped before the friend list, it is finished too', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    const { store, person: aliceOnDying } = await onDyingStore(alice);
    await befriend(aliceOnDying, bob);
    store.writesLeft = 0;
    await expect(aliceOnDying.peer.removeFriend(bob.id)).rejects.toThrow('the tab was closed');
    store.writesLeft = Number.POSITIVE_INFINITY;
    const again = await reopen(aliceOnDying);
    expect(again.peer.friends().has(bob.id)).toBe(false);
    expect((await epochRecords(again)).at(-1)).toBe('epoch/1');
  });
});
