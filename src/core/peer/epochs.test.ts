/**
 * One friends epoch per person (design section 3): whichever of a person's devices rotates, all
 * of them seal with the newest epoch once they see it; and replies to a private post are sealed
 * under its audience's current epoch too, so a removed friend reads no reply written afterwards.
 */
import { describe, expect, it } from 'vitest';
import { SymmetricKey } from '../crypto/aead.ts';
import { MAX_KEY_SET_BOXES, makeKeySetRecord } from '../crypto/key-set.ts';
import { PairKeys } from '../crypto/pair-keys.ts';
import { generateX25519 } from '../crypto/seal.ts';
import { countX25519 } from '../crypto/x25519-counter.ts';
import { docIdOf } from '../kinds/registry.ts';
import {
  befriend,
  entriesOf,
  handOver,
  makePeople,
  secondDevice,
  signOnNewDevice,
  testClock,
  type TestPerson,
} from './test-people.ts';

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

  it('epoch records are opened only for friends: a stranger’s cost no X25519, a friend’s at most 2', async () => {
    const [alice, bob, mallory] = await makePeople('alice', 'bob', 'mallory');
    await befriend(alice, bob);
    const strangers = await Promise.all(Array.from({ length: 1_000 }, () => generateX25519()));
    const records = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      const key = await SymmetricKey.generate();
      const members = [
        alice.identity.encryptionPublicKey,
        ...strangers.map((s) => s.publicKey),
      ].slice(0, MAX_KEY_SET_BOXES);
      const pairs = new PairKeys({
        publicKey: mallory.identity.encryptionPublicKey,
        privateKey: mallory.identity.encryptionPrivateKey,
      });
      const pairKeys = await Promise.all(members.map((m) => pairs.pairKey(m)));
      const at = { author: mallory.id, set: 'friends', epoch };
      records.push({
        docId: docIdOf({ kind: 'epoch', epoch }),
        payloadKind: 'key-record' as const,
        payload: await makeKeySetRecord(at, key, pairKeys),
      });
    }
    const signed = await signOnNewDevice(mallory, records);
    const stranger = await countX25519(async () => {
      await alice.ingestor.ingest(signed.map((e) => e.bytes));
      await alice.peer.settled();
    });
    expect(stranger.calls).toBe(0);

    await bob.peer.rotateFriendsEpoch();
    const friend = await countX25519(() => handOver(bob, alice, [bob.id]));
    expect(friend.calls).toBeLessThanOrEqual(2);
  });

  it('a device that learnt a friend’s epochs before it tracked the newest still replies, under the post’s epoch', async () => {
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    await befriend(alice, bob);
    await befriend(alice, carol);
    const post = await alice.peer.createPost({ text: 'hello' });
    await handOver(alice, bob, [alice.id]);
    await handOver(alice, carol, [alice.id]);
    await bob.store.setSetting(`keys/newest-epoch/${alice.id}`, undefined);
    await bob.peer.comment(post, 'from an upgraded store');
    await handOver(bob, carol, [bob.id]);
    const carolSees = (await carol.peer.replies(post)).map(
      (r) => (r.summary as { text?: string }).text,
    );
    expect(carolSees).toContain('from an upgraded store');
  });

  it('a friend added on one device while another rotates reads what either device seals next', async () => {
    const [alice, bob, carol, dave] = await makePeople('alice', 'bob', 'carol', 'dave');
    await befriend(alice, bob);
    await befriend(alice, carol);
    const phone = await secondDevice(alice, 'alice-phone');
    await handOver(alice, phone, [alice.id]);
    // At once: the laptop adds Dave, the phone removes Bob (a new epoch without Dave).
    await befriend(alice, dave);
    await phone.peer.removeFriend(bob.id);
    for (let round = 0; round < 2; round++) {
      await handOver(alice, phone, [alice.id]);
      await handOver(phone, alice, [alice.id]);
    }
    expect([...alice.peer.friends().keys()].sort()).toEqual([carol.id, dave.id].sort());
    testClock.advance(1000);
    await alice.peer.createPost({ text: 'laptop, after both' });
    await phone.peer.createPost({ text: 'phone, after both' });
    for (const reader of [dave, bob]) {
      await handOver(alice, reader, [alice.id]);
      await handOver(phone, reader, [alice.id]);
    }
    const daveReads = await readableTexts(dave, alice);
    expect(daveReads).toEqual(expect.arrayContaining(['laptop, after both', 'phone, after both']));
    const bobReads = await readableTexts(bob, alice);
    expect(bobReads).not.toContain('laptop, after both');
    expect(bobReads).not.toContain('phone, after both');
  });

  it('two devices rotating at once: a friend holding the phone’s key of that epoch reads a post sealed under the laptop’s once its record comes', async () => {
    const [alice, carol] = await makePeople('alice', 'carol');
    await befriend(alice, carol);
    const phone = await secondDevice(alice, 'alice-phone');
    await handOver(alice, phone, [alice.id]);
    // Each rotates before seeing the other's: two records of one epoch number, each its own key.
    await alice.peer.rotateFriendsEpoch();
    await phone.peer.rotateFriendsEpoch();
    const epoch = (await alice.peer.currentEpoch())!.epoch;
    expect((await phone.peer.currentEpoch())!.epoch).toBe(epoch);
    testClock.advance(1000);
    await alice.peer.createPost({ text: 'under the laptop’s key' });

    // Carol gets the phone's record first, then the laptop's post, then the laptop's record.
    await handOver(phone, carol, [alice.id]);
    const record = docIdOf({ kind: 'epoch', epoch });
    const laptopLog = await alice.store.getEntries(alice.id, alice.device.key.deviceId, 1, 1000);
    const [ofRecord, rest] = [
      laptopLog.filter((e) => e.docId === record),
      laptopLog.filter((e) => e.docId !== record),
    ];
    expect(ofRecord).toHaveLength(1);
    await carol.ingestor.ingest(rest.map((e) => e.bytes));
    await carol.peer.settled();
    expect(await readableTexts(carol, alice)).not.toContain('under the laptop’s key');
    await carol.ingestor.ingest(ofRecord.map((e) => e.bytes));
    await carol.peer.settled();
    expect(await readableTexts(carol, alice)).toContain('under the laptop’s key');
  });
});
