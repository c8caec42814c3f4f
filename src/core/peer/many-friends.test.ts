/**
 * A person with as many friends as Kith keeps (`MAX_FRIENDS`): every write of the friend list
 * fits in one entry (a befriending carries only its change, a restore and a move to new keys
 * write the list in parts), another device of the person reads the whole list from the log, and
 * one friend more is refused with a sentence that says why.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from '../bytes.ts';
import { generateX25519 } from '../crypto/seal.ts';
import { FRIEND_RECORDS_PER_WRITE, MAX_FRIENDS } from '../docs/small-docs.ts';
import { decodeEntry, MAX_PAYLOAD_BYTES } from '../feed/entry-codec.ts';
import { personIdFromKey } from '../ids.ts';
import { docIdOf } from '../kinds/registry.ts';
import { restoreBackup } from './backup.ts';
import type { NewFriend } from './peer.ts';
import { handOver, makePerson, secondDevice, type TestPerson } from './test-people.ts';

/** `count` made-up friends (one encryption key for all: only the list's size matters here). */
async function strangers(count: number): Promise<NewFriend[]> {
  const encryptionKey = (await generateX25519()).publicKey;
  return Array.from({ length: count }, () => ({
    personId: personIdFromKey(randomBytes(32)),
    encryptionKey,
    rendezvous: randomBytes(32),
  }));
}

/** The payload sizes of the friend-list entries `person` wrote, oldest first. */
async function friendListPayloads(person: TestPerson): Promise<number[]> {
  const entries = await person.store.getDocEntries(person.id, docIdOf({ kind: 'friends' }));
  return entries.toSorted((a, b) => a.seq - b.seq).map((e) => decodeEntry(e.bytes).payload.length);
}

describe(`a person with ${MAX_FRIENDS} friends`, () => {
  let alice: TestPerson;

  beforeAll(async () => {
    alice = await makePerson('Alice');
    const restored = await strangers(MAX_FRIENDS - 1);
    await restoreBackup(alice.peer, {
      friends: restored.map((f) => ({
        person: f.personId,
        encryptionKey: f.encryptionKey,
        rendezvous: f.rendezvous,
        since: 1,
      })),
      epoch: null,
    });
    const [last] = await strangers(1);
    await alice.peer.addFriend(last!);
  }, 120_000);

  it('writes each change of the list within the payload bound: a restore in parts, a befriending only its change', async () => {
    const sizes = await friendListPayloads(alice);
    const parts = Math.ceil((MAX_FRIENDS - 1) / FRIEND_RECORDS_PER_WRITE);
    expect(sizes).toHaveLength(parts + 1);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    // The last befriending: one record, not the whole list again.
    expect(sizes.at(-1)).toBeLessThan(4096);
    expect(alice.peer.friends().size).toBe(MAX_FRIENDS);
  });

  it('refuses one friend more, saying why', async () => {
    const [extra] = await strangers(1);
    await expect(alice.peer.addFriend(extra!)).rejects.toThrow(
      `Kith keeps at most ${MAX_FRIENDS.toLocaleString('en')} friends`,
    );
    expect(() => alice.peer.assertRoomForFriends()).toThrow('remove someone');
    expect(alice.peer.friends().size).toBe(MAX_FRIENDS);
  });

  it('moves to new keys writing the list again in parts, which another device of hers reads whole from the log', async () => {
    const before = (await friendListPayloads(alice)).length;
    await alice.peer.nextKeyGeneration([], alice.identity);
    const written = (await friendListPayloads(alice)).slice(before);
    expect(written).toHaveLength(Math.ceil(MAX_FRIENDS / FRIEND_RECORDS_PER_WRITE));
    for (const size of written) expect(size).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);

    const laptop = await secondDevice(alice, 'Alice’s laptop');
    await handOver(alice, laptop, [alice.id]);
    expect(laptop.peer.keyGeneration).toBe(1);
    expect(laptop.peer.friends().size).toBe(MAX_FRIENDS);
  }, 120_000);
});
