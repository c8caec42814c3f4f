/**
 * Threads belong to their post, and only its readers answer it: hide lists, clear replies to
 * friends-only posts, replies to posts that do not exist, and the author's re-publishing rate.
 */
import { describe, expect, it } from 'vitest';
import { docIdOf } from '../kinds/registry.ts';
import { newPostId, type PostId } from '../ids.ts';
import { writeComment, writeReaction } from '../docs/small-docs.ts';
import { newDoc } from '../docs/yjs-change.ts';
import { decodeEntry } from '../feed/entry-codec.ts';
import type { PersonId } from '../ids.ts';
import { Peer } from './peer.ts';
import { REPUBLISH_PER_DAY, REPUBLISH_PER_HOUR } from './republisher.ts';
import {
  befriend,
  entriesOf,
  handOver,
  makePeople,
  signOnNewDevice,
  testClock,
  type HandWrittenEntry,
  type TestPerson,
} from './test-people.ts';

/** How many replies `person` has re-published into their own log. */
async function republished(person: TestPerson): Promise<number> {
  const own = (await entriesOf(person, [person.id])).map(decodeEntry);
  return own.filter((e) => e.docId.startsWith('thread/')).length;
}

/** A clear comment and a clear reaction on `postAuthor`'s post, as a modified client writes them. */
function clearReplies(postAuthor: PersonId, postId: PostId, text: string): HandWrittenEntry[] {
  const comment = newDoc(101);
  const reaction = newDoc(102);
  return [
    {
      docId: docIdOf({ kind: 'comment', postAuthor, postId, commentId: newPostId() }),
      payloadKind: 'yjs-update',
      payload: writeComment(comment, { text, createdAt: testClock.now(), deleted: false })!,
    },
    {
      docId: docIdOf({ kind: 'reaction', postAuthor, postId }),
      payloadKind: 'yjs-update',
      payload: writeReaction(reaction, 'love', testClock.now())!,
    },
  ];
}

describe('threads belong to their post', () => {
  it('a hide list hides only replies to its own post: Bob cannot hide Carol’s replies to Alice', async () => {
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    await befriend(alice, bob);
    await befriend(alice, carol);
    const alicePost = await alice.peer.createPost({ text: 'a question' });
    await handOver(alice, carol, [alice.id]);
    await carol.peer.comment(alicePost, 'an answer');
    await carol.peer.react(alicePost, 'love');
    await handOver(carol, alice, [carol.id]);
    const items = await alice.peer.replies(alicePost);
    expect(items).toHaveLength(2);
    // Bob's own post names Carol's items on Alice's post in its hide list.
    const bobPost = await bob.peer.createPost({ text: 'unrelated' });
    for (const item of items) await bob.peer.hideReply(bobPost.postId, item.itemId);
    await handOver(bob, alice, [bob.id]);
    expect(await alice.peer.replies(alicePost)).toEqual(items);
    // Nor when Carol's replies arrive after Bob's list.
    await handOver(carol, bob, [carol.id]);
    expect(await bob.peer.replies(alicePost)).toHaveLength(0); // Bob never got Alice's post
    await handOver(alice, bob, [alice.id]);
    await handOver(carol, bob, [carol.id]);
    expect(await bob.peer.replies(alicePost)).toHaveLength(2);
  });
});

describe('only readers answer a post', () => {
  it('a clear comment or reaction on a friends-only post is neither shown nor re-published', async () => {
    const [alice, bob, eve] = await makePeople('alice', 'bob', 'eve');
    await befriend(alice, bob);
    const post = await alice.peer.createPost({ text: 'friends only' });
    await handOver(alice, bob, [alice.id]);
    // Eve (no friend) and Bob (a friend, with a modified client) both write in clear.
    const fromEve = await signOnNewDevice(eve, clearReplies(alice.id, post.postId, 'eve'));
    const fromBob = await signOnNewDevice(bob, clearReplies(alice.id, post.postId, 'bob'));
    for (const reader of [alice, bob]) {
      const report = await reader.ingestor.ingest([...fromEve, ...fromBob].map((e) => e.bytes));
      expect(report.accepted).toHaveLength(4);
      await reader.peer.settled();
      expect(await reader.peer.replies(post)).toEqual([]);
    }
    expect(await republished(alice)).toBe(0);
  });

  it('replies to a post that does not exist are neither shown nor re-published', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    const nowhere = newPostId();
    const entries = await signOnNewDevice(bob, clearReplies(alice.id, nowhere, 'into the void'));
    await alice.ingestor.ingest(entries.map((e) => e.bytes));
    await alice.peer.settled();
    expect(await alice.peer.replies({ author: alice.id, postId: nowhere })).toEqual([]);
    expect(await republished(alice)).toBe(0);
  });

  it('a clear reply to a public post is shown and re-published', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    const post = await alice.peer.createPost({ text: 'for everyone', audience: 'public' });
    await handOver(alice, bob, [alice.id]);
    await bob.peer.comment(post, 'hello');
    await handOver(bob, alice, [bob.id]);
    expect((await alice.peer.replies(post)).map((r) => r.summary)).toEqual([{ text: 'hello' }]);
    expect(await republished(alice)).toBe(1);
  });

  it('the author re-publishes a reader’s replies within a per-person rate that survives a restart', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    const post = await alice.peer.createPost({ text: 'comment away' });
    await handOver(alice, bob, [alice.id]);
    const flood = async (n: number) => {
      for (let i = 0; i < n; i++) await bob.peer.comment(post, `comment ${i}`);
      await handOver(bob, alice, [bob.id]);
    };
    await flood(REPUBLISH_PER_HOUR + 5);
    expect(await republished(alice)).toBe(REPUBLISH_PER_HOUR);
    // Every comment still shows to Alice herself: the rate bounds her log, not her view.
    expect(await alice.peer.replies(post)).toHaveLength(REPUBLISH_PER_HOUR + 5);

    // Alice's app restarts: the count is read back from her store.
    alice.peer.close();
    const reopened = await Peer.open({
      store: alice.store,
      identity: alice.identity,
      device: alice.device,
      pipeline: alice.ingestor,
      clock: testClock,
    });
    const alice2 = { ...alice, peer: reopened };
    await bob.peer.comment(post, 'after the restart');
    await handOver(bob, alice2, [bob.id]);
    expect(await republished(alice2)).toBe(REPUBLISH_PER_HOUR);

    // An hour later there is room again, up to the day's bound.
    const flood2 = async (n: number) => {
      for (let i = 0; i < n; i++) await bob.peer.comment(post, `later ${i}`);
      await handOver(bob, alice2, [bob.id]);
    };
    for (let hour = 1; hour * REPUBLISH_PER_HOUR < REPUBLISH_PER_DAY; hour++) {
      testClock.advance(60 * 60 * 1000);
      await flood2(REPUBLISH_PER_HOUR);
      expect(await republished(alice2)).toBe(
        Math.min((hour + 1) * REPUBLISH_PER_HOUR, REPUBLISH_PER_DAY),
      );
    }
    testClock.advance(60 * 60 * 1000);
    await bob.peer.comment(post, 'over the day’s bound');
    await handOver(bob, alice2, [bob.id]);
    expect(await republished(alice2)).toBe(REPUBLISH_PER_DAY);
  });

  it('the author does not re-publish the replies of someone who is no friend (no reader)', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    const post = await alice.peer.createPost({ text: 'before the falling out' });
    await handOver(alice, bob, [alice.id]);
    await alice.peer.removeFriend(bob.id);
    // Bob still holds the post's key and comments with it.
    await bob.peer.comment(post, 'still here');
    await handOver(bob, alice, [bob.id]);
    expect(await republished(alice)).toBe(0);
  });
});

describe('a reply re-published to someone who does not replicate its writer', () => {
  it('carries its writer’s profile on a public post: a friend of a friend of the post’s author names Dave', async () => {
    // Alice – Erin – Carol – Dave: Alice replicates Carol's log as a window (through Erin) but
    // not Dave's, two hops further; Dave's comment reaches her only as Carol's re-published copy.
    const [alice, carol, dave] = await makePeople('alice', 'carol', 'dave');
    await befriend(carol, dave);
    await dave.peer.setProfile({ name: 'Dave', bio: '' });
    const post = await carol.peer.createPost({ text: 'for everyone', audience: 'public' });
    await handOver(carol, dave, [carol.id]);
    await handOver(dave, carol, [dave.id]);
    await dave.peer.comment(post, 'hello from Dave');
    await handOver(dave, carol, [dave.id]);
    await handOver(carol, alice, [carol.id]);
    expect((await alice.peer.replies(post)).map((r) => r.summary)).toEqual([
      { text: 'hello from Dave' },
    ]);
    expect((await alice.peer.profile(dave.id))?.name).toBe('Dave');

    // A new name rides with Dave's next reply; his profile is re-published once per version.
    await dave.peer.setProfile({ name: 'Dave D.', bio: '' });
    await handOver(dave, carol, [dave.id]);
    await dave.peer.comment(post, 'and again');
    await dave.peer.comment(post, 'and once more');
    await handOver(dave, carol, [dave.id]);
    await handOver(carol, alice, [carol.id]);
    expect((await alice.peer.profile(dave.id))?.name).toBe('Dave D.');
    expect(await republished(carol)).toBe(3 + 2);
  });

  it('carries no profile on a friends-only post (its readers replicate the writer: friends of a friend)', async () => {
    const [carol, dave] = await makePeople('carol', 'dave');
    await befriend(carol, dave);
    await dave.peer.setProfile({ name: 'Dave', bio: '' });
    const post = await carol.peer.createPost({ text: 'friends only' });
    await handOver(carol, dave, [carol.id]);
    await handOver(dave, carol, [dave.id]);
    await dave.peer.comment(post, 'hello');
    await handOver(dave, carol, [dave.id]);
    expect(await republished(carol)).toBe(1);
  });
});
