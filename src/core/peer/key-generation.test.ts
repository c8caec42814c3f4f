/**
 * Removing a device moves the person's encryption key and self key to their next generation
 * (issue 26 item 2, docs/devices.md "Removing a device"): the removed device holds the keys of
 * the generation before, so it opens nothing written afterwards: neither its person's next
 * friends-only post, nor a friend's, nor the friend list. The person's devices and friends read on.
 */
import { describe, expect, it } from 'vitest';
import { deviceSecret, keysOfGeneration } from '../crypto/key-generation-record.ts';
import { EntryVerifier } from '../feed/entry-verifier.ts';
import { startNewDevice, type DeviceSession } from '../identity/device-setup.ts';
import { deriveEncryptionKeySeed, encryptionKeyOfGeneration } from '../identity/keys.ts';
import { randomBytes, toBase64Url } from '../bytes.ts';
import { decodeEntry } from '../feed/entry-codec.ts';
import { linkedKeys, type LinkedKeys } from '../identity/person-keys.ts';
import { identityFromPhraseOf, phraseFromSeed } from '../identity/recovery-phrase.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import { Ingestor } from '../sync/ingest.ts';
import { listAudience } from '../docs/audience.ts';
import type { PostId } from '../ids.ts';
import { Peer } from './peer.ts';
import {
  befriend,
  entriesOf,
  handOver,
  makePeople,
  testClock,
  type TestPerson,
} from './test-people.ts';

/** The keys each linked device of a test was opened with, by device. */
const linkedKeysOf = new Map<DeviceSession, LinkedKeys>();

/**
 * A device linked to `person` (`core/link/`) at key generation `generation`: its keys and the
 * earlier generations' X25519 seeds, as the link bundle hands them; never the seed.
 */
async function linkedDevice(
  person: TestPerson,
  name: string,
  generation = 0,
  /** Linked before device secrets (link bundle v1): it has none. */
  withoutSecret = false,
): Promise<TestPerson> {
  const store = new MemoryStorageAdapter();
  const device = await startNewDevice(person.identity, { clock: testClock });
  const keys = await linkedKeys(person.id, {
    ...keysOfGeneration(person.identity, generation),
    generation,
    deviceSecret: withoutSecret ? null : deviceSecret(person.identity.seed, device.key.deviceId),
    earlier: Array.from({ length: generation }, (_, g) =>
      deriveEncryptionKeySeed(person.identity.seed, g),
    ),
  });
  linkedKeysOf.set(device, keys);
  const ingestor = new Ingestor(store, new EntryVerifier());
  const peer = await Peer.open({
    store,
    identity: keys,
    device,
    pipeline: ingestor,
    clock: testClock,
  });
  return { ...person, name, device, store, ingestor, peer };
}

/** `person`'s peer opened again over the same store, as after a reload. */
async function reopen(person: TestPerson): Promise<TestPerson> {
  person.peer.close();
  const ingestor = new Ingestor(person.store, new EntryVerifier());
  const peer = await Peer.open({
    store: person.store,
    identity: linkedKeysOf.get(person.device) ?? person.identity,
    device: person.device,
    pipeline: ingestor,
    clock: testClock,
  });
  return { ...person, ingestor, peer };
}

/** The texts of `author`'s posts `reader` can open. */
async function readable(reader: TestPerson, author: TestPerson): Promise<string[]> {
  const page = await reader.peer.authorPostsPage(author.id, { limit: 100 });
  return page.items.map((p) => (p.summary as { text: string }).text);
}

describe('removing a device', () => {
  it('the removed device opens neither the person’s nor a friend’s next friends-only post, nor the friend list; the person and the friend read both', async () => {
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    const phone = await linkedDevice(alice, 'alice-phone');
    await befriend(alice, bob);
    await handOver(alice, phone, [alice.id]);
    await alice.peer.createPost({ text: 'Alice, before' });
    await bob.peer.createPost({ text: 'Bob, before' });
    for (const to of [phone, bob]) await handOver(alice, to, [alice.id]);
    for (const to of [phone, alice]) await handOver(bob, to, [bob.id]);
    expect(await readable(phone, alice)).toContain('Alice, before');
    expect(await readable(phone, bob)).toContain('Bob, before');

    // Alice removes the phone (its revocation is another test's): her keys move on.
    await alice.peer.nextKeyGeneration();
    await handOver(alice, bob, [alice.id]);
    await handOver(bob, alice, [bob.id]);
    testClock.advance(1000);
    await alice.peer.createPost({ text: 'Alice, after' });
    await bob.peer.createPost({ text: 'Bob, after' });
    await befriend(alice, carol);

    // The phone gets everything (through any relay) and opens none of it.
    for (const from of [alice, bob]) await handOver(from, phone, [alice.id, bob.id]);
    expect(await readable(phone, alice)).not.toContain('Alice, after');
    expect(await readable(phone, bob)).not.toContain('Bob, after');
    expect(phone.peer.friends().has(carol.id)).toBe(false);
    // Alice and Bob read each other's.
    await handOver(alice, bob, [alice.id]);
    await handOver(bob, alice, [bob.id]);
    expect(await readable(bob, alice)).toContain('Alice, after');
    expect(await readable(alice, bob)).toContain('Bob, after');
    expect(await readable(alice, alice)).toContain('Alice, after');
  });

  it('a device that stays takes the new keys from the record, reads on after a reload, and what it writes is shut to the removed one', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    const phone = await linkedDevice(alice, 'alice-phone');
    const tablet = await linkedDevice(alice, 'alice-tablet');
    await befriend(alice, bob);
    for (const to of [phone, tablet]) await handOver(alice, to, [alice.id]);

    await alice.peer.nextKeyGeneration([tablet.device.key.deviceId]);
    await handOver(alice, bob, [alice.id]);
    await handOver(bob, alice, [bob.id]);
    testClock.advance(1000);
    await alice.peer.createPost({ text: 'laptop, after' });
    await bob.peer.createPost({ text: 'Bob, after' });
    for (const to of [tablet, phone]) {
      await handOver(alice, to, [alice.id]);
      await handOver(bob, to, [bob.id]);
    }
    expect([alice, tablet, phone].map((d) => d.peer.keyGeneration)).toEqual([1, 1, 0]);
    expect(await readable(tablet, alice)).toContain('laptop, after');
    expect(await readable(tablet, bob)).toContain('Bob, after');

    // After a reload the tablet is still on the new keys, and seals with them.
    const again = await reopen(tablet);
    expect(again.peer.keyGeneration).toBe(1);
    expect(again.peer.friends().has(bob.id)).toBe(true);
    await again.peer.createPost({ text: 'tablet, after' });
    for (const to of [bob, phone]) await handOver(again, to, [alice.id]);
    expect(await readable(bob, alice)).toContain('tablet, after');
    expect(await readable(phone, alice)).not.toContain('tablet, after');
    expect(await readable(phone, alice)).not.toContain('laptop, after');
  });

  it('a device linked after a removal opens what was sealed to the keys before: the person’s and a friend’s older posts', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    await alice.peer.createPost({ text: 'Alice, before' });
    await bob.peer.createPost({ text: 'Bob, before' });
    await alice.peer.nextKeyGeneration();
    const laptop = await linkedDevice(alice, 'alice-new-laptop', 1);
    await handOver(alice, laptop, [alice.id]);
    await handOver(bob, laptop, [bob.id]);
    expect(laptop.peer.friends().has(bob.id)).toBe(true);
    expect(await readable(laptop, alice)).toContain('Alice, before');
    expect(await readable(laptop, bob)).toContain('Bob, before');
  });

  it('a linked device removes another with the person’s recovery phrase: the keys move on, the identity device follows, the removed one reads nothing after', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    const phone = await linkedDevice(alice, 'alice-phone');
    const tablet = await linkedDevice(alice, 'alice-tablet');
    await befriend(alice, bob);
    for (const to of [phone, tablet]) await handOver(alice, to, [alice.id]);
    const phrase = phraseFromSeed(alice.identity.seed).join(' ');

    await tablet.peer.nextKeyGeneration([], await identityFromPhraseOf(phrase, alice.id));
    testClock.advance(1000);
    await tablet.peer.createPost({ text: 'tablet, after' });
    for (const to of [alice, bob, phone]) await handOver(tablet, to, [alice.id]);
    expect(alice.peer.keyGeneration).toBe(1);
    expect(await readable(alice, alice)).toContain('tablet, after');
    expect(await readable(bob, alice)).toContain('tablet, after');
    expect(await readable(phone, alice)).not.toContain('tablet, after');
  });

  it('a list moves to a new epoch when a member’s keys or the person’s move on: neither removed device opens its later posts, the members do', async () => {
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    const alicePhone = await linkedDevice(alice, 'alice-phone');
    const bobPhone = await linkedDevice(bob, 'bob-phone');
    await befriend(alice, bob);
    await befriend(alice, carol);
    const close = await alice.peer.lists.create('Close friends', [bob.id, carol.id]);
    const before = await alice.peer.createPost({
      text: 'list, before',
      audience: listAudience(close),
    });
    for (const [from, to] of [
      [alice, alicePhone],
      [bob, bobPhone],
      [alice, bobPhone],
    ] as const)
      await handOver(from, to, [alice.id, bob.id]);
    const opens = async (reader: TestPerson, postId: PostId) =>
      (await reader.peer.post({ author: alice.id, postId })) !== undefined;
    expect(await opens(bobPhone, before.postId)).toBe(true);
    expect(await opens(alicePhone, before.postId)).toBe(true);

    // Bob removes his phone, Alice hers: the list holds both, so it is sealed again each time.
    await bob.peer.nextKeyGeneration();
    await handOver(bob, alice, [bob.id]);
    await alice.peer.nextKeyGeneration();
    testClock.advance(1000);
    const after = await alice.peer.createPost({
      text: 'list, after',
      audience: listAudience(close),
    });
    for (const to of [bob, carol, bobPhone, alicePhone]) await handOver(alice, to, [alice.id]);
    await handOver(bob, bobPhone, [bob.id]);
    expect(await opens(bob, after.postId)).toBe(true);
    expect(await opens(carol, after.postId)).toBe(true);
    expect(await opens(bobPhone, after.postId)).toBe(false);
    expect(await opens(alicePhone, after.postId)).toBe(false);
  });

  it('a device linked before device secrets is told the keys moved on without it, also after a reload; one that moved is not', async () => {
    const [alice] = await makePeople('alice');
    const old = await linkedDevice(alice, 'alice-old-tablet', 0, true);
    const phone = await linkedDevice(alice, 'alice-phone');
    expect(old.peer.keysLeftBehind).toBeNull();
    await alice.peer.nextKeyGeneration([old.device.key.deviceId, phone.device.key.deviceId]);
    for (const to of [old, phone]) await handOver(alice, to, [alice.id]);
    expect(old.peer.keyGeneration).toBe(0);
    expect(old.peer.keysLeftBehind).toBe(1);
    expect((await reopen(old)).peer.keysLeftBehind).toBe(1);
    expect(phone.peer.keysLeftBehind).toBeNull();
    expect(alice.peer.keysLeftBehind).toBeNull();
  });

  it('a friend made by an invite of a later generation keeps that key when an older record of theirs is met afterwards', async () => {
    const [alice, dave] = await makePeople('alice', 'dave');
    await alice.peer.nextKeyGeneration();
    await alice.peer.nextKeyGeneration();
    // Dave holds Alice's log up to her generation 1 record only (a relay gave him part of it).
    const entries = await entriesOf(alice, [alice.id]);
    const upTo = entries.findIndex((bytes) => decodeEntry(bytes).docId === 'key-generation/1');
    await dave.ingestor.ingest(entries.slice(0, upTo + 1));
    await dave.peer.settled();
    const second = await encryptionKeyOfGeneration(alice.identity.seed, 2);
    await dave.peer.addFriend({
      personId: alice.id,
      encryptionKey: second.publicKey,
      generation: 2,
      rendezvous: randomBytes(32),
    });
    expect(dave.peer.friends().get(alice.id)?.encryptionKey).toBe(toBase64Url(second.publicKey));
  });
});
