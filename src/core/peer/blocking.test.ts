/**
 * Blocking, privately (issue 28): Alice blocks Carol. Carol's comments on Bob's posts leave
 * Alice's view, whatever route they come by (Carol's own log, Bob's re-published thread); Carol
 * is no friend of Alice's any more, her logs are gone from Alice's store and are refused when
 * offered again, her invite is refused; and what Alice writes says no more than a removal.
 */
import { describe, expect, it, vi } from 'vitest';
import { decodeEntry } from '../feed/entry-codec.ts';
import { parseDocRef } from '../kinds/registry.ts';
import { randomBytes } from '../bytes.ts';
import { BlockedPersonError } from './blocking.ts';
import { ConversationPeers } from './conversation-peers.ts';
import type { PostRef } from './peer.ts';
import {
  befriend,
  entriesOf,
  handOver,
  holdsPlaintext,
  makePeople,
  secondDevice,
  signOnNewDevice,
  type TestPerson,
} from './test-people.ts';

/** Alice and Carol are friends of Bob and of each other; Carol comments on Bob's post. */
async function carolCommentsOnBob() {
  const [alice, bob, carol] = await makePeople('Alice', 'Bob', 'Carol');
  await befriend(alice, bob);
  await befriend(bob, carol);
  await befriend(alice, carol);
  const post = await bob.peer.createPost({ text: 'Bob asks something' });
  await handOver(bob, carol);
  await carol.peer.comment({ author: bob.id, postId: post.postId }, 'Carol answers');
  await handOver(carol, bob);
  await handOver(bob, alice);
  await handOver(carol, alice);
  return { alice, bob, carol, post: { author: bob.id, postId: post.postId } };
}

async function replyTexts(person: TestPerson, post: PostRef) {
  return (await person.peer.replies(post)).map((i) => (i.summary as { text?: string }).text);
}

describe('Alice blocks Carol', () => {
  it('keeps Carol’s name: her profile and the list of blocked people still say whom', async () => {
    const { alice, carol } = await carolCommentsOnBob();
    await carol.peer.setProfile({ name: 'Carol' });
    await handOver(carol, alice, [carol.id]);
    expect((await alice.peer.profile(carol.id))?.name).toBe('Carol');

    await alice.peer.blocking.block(carol.id);
    await alice.peer.settled();
    expect((await alice.store.listLogs()).some((log) => log.author === carol.id)).toBe(false);
    expect((await alice.peer.profile(carol.id))?.name).toBe('Carol');
  });

  it('hides Carol’s comments on Bob’s posts, now and when they come again by any route', async () => {
    const { alice, bob, carol, post } = await carolCommentsOnBob();
    expect(await replyTexts(alice, post)).toContain('Carol answers');

    await alice.peer.blocking.block(carol.id);
    expect(await replyTexts(alice, post)).not.toContain('Carol answers');
    expect(alice.peer.friends().has(carol.id)).toBe(false);
    expect((await alice.store.listLogs()).some((log) => log.author === carol.id)).toBe(false);

    // Carol comments again; Bob re-publishes it in his thread, which Alice takes in.
    await carol.peer.comment(post, 'Carol again');
    await handOver(carol, bob);
    await handOver(bob, alice, [bob.id]);
    const direct = await alice.ingestor.ingest(await entriesOf(carol, [carol.id]));
    expect(direct.accepted).toEqual([]);
    expect(new Set(direct.rejected.map((r) => r.reason))).toEqual(new Set(['unwanted-author']));
    await alice.peer.settled();
    const texts = await replyTexts(alice, post);
    expect(texts).not.toContain('Carol answers');
    expect(texts).not.toContain('Carol again');
    expect((await alice.store.listLogs()).some((log) => log.author === carol.id)).toBe(false);
    // Bob, who blocked nobody, still reads both.
    expect(await replyTexts(bob, post)).toEqual(
      expect.arrayContaining(['Carol answers', 'Carol again']),
    );
  });

  it('refuses her invite either way, and entries a forged device of hers signs', async () => {
    const { alice, carol } = await carolCommentsOnBob();
    await alice.peer.blocking.block(carol.id);
    await expect(
      alice.peer.addFriend({
        personId: carol.id,
        encryptionKey: carol.identity.encryptionPublicKey,
        rendezvous: randomBytes(32),
      }),
    ).rejects.toThrow(BlockedPersonError);
    expect(alice.peer.friends().has(carol.id)).toBe(false);
    const forged = await signOnNewDevice(carol, [
      { docId: 'profile' as never, payloadKind: 'yjs-update', payload: new Uint8Array([0, 0]) },
    ]);
    const report = await alice.ingestor.ingest(forged.map((e) => e.bytes));
    expect(report.rejected.map((r) => r.reason)).toEqual(['unwanted-author']);
    await expect(alice.peer.blocking.block(alice.id)).rejects.toThrow(BlockedPersonError);
  });

  it('meets her in no conversation', async () => {
    const { alice, bob, carol } = await carolCommentsOnBob();
    // Bob starts a conversation with both; Alice and Carol would meet as fellow members.
    await alice.peer.blocking.block(carol.id);
    await bob.peer.messaging.start([alice.id, carol.id], 'Three of us');
    await handOver(bob, alice, [bob.id]);
    const fellows = new ConversationPeers(
      alice.id,
      alice.peer.messaging,
      alice.peer.friendBook,
      alice.peer.blocking,
    );
    await fellows.start();
    expect((await alice.peer.messaging.fellows()).has(carol.id)).toBe(true);
    expect(fellows.persons()).not.toContain(carol.id);
    fellows.stop();
  });

  it('writes nothing a removal would not: Carol’s store cannot tell she was blocked', async () => {
    const { alice, carol } = await carolCommentsOnBob();
    const before = (await entriesOf(alice, [alice.id])).length;
    await alice.peer.blocking.block(carol.id);
    const written = (await entriesOf(alice, [alice.id])).slice(before).map(decodeEntry);
    expect(new Set(written.map((e) => parseDocRef(e.docId).kind))).toEqual(
      new Set(['friends', 'epoch']),
    );
    // What Carol can receive of Alice's holds no word of it, in clear or as a doc name.
    await handOver(alice, carol, [alice.id]);
    expect(await holdsPlaintext(carol, 'block')).toBe(false);
  });

  it('unblocking takes her entries again (she is not made a friend again)', async () => {
    const { alice, carol } = await carolCommentsOnBob();
    await alice.peer.blocking.block(carol.id);
    await alice.peer.blocking.unblock(carol.id);
    const report = await alice.ingestor.ingest(await entriesOf(carol, [carol.id]));
    expect(report.rejected).toEqual([]);
    expect(alice.peer.friends().has(carol.id)).toBe(false);
  });

  it('on one device of Alice’s holds on her others: her phone refuses Carol too; an unblock on the phone reaches the laptop', async () => {
    const { alice, carol } = await carolCommentsOnBob();
    const phone = await secondDevice(alice, 'Alice’s phone');
    await handOver(alice, phone);
    expect(phone.peer.friends().has(carol.id)).toBe(true);

    await alice.peer.blocking.block(carol.id);
    await handOver(alice, phone, [alice.id]);
    await vi.waitFor(() => expect(phone.peer.blocking.has(carol.id)).toBe(true));
    await phone.peer.settled();
    expect(phone.peer.friends().has(carol.id)).toBe(false);
    expect((await phone.store.listLogs()).some((log) => log.author === carol.id)).toBe(false);
    const refused = await phone.ingestor.ingest(await entriesOf(carol, [carol.id]));
    expect(refused.accepted).toEqual([]);

    await phone.peer.blocking.unblock(carol.id);
    await handOver(phone, alice, [alice.id]);
    await vi.waitFor(() => expect(alice.peer.blocking.has(carol.id)).toBe(false));
    const taken = await alice.ingestor.ingest(await entriesOf(carol, [carol.id]));
    expect(taken.rejected).toEqual([]);
  });
});
