/**
 * Public means public (issue 28): Bob is Alice's friend, Carol is Alice's and not Bob's. Bob's
 * device holds Carol's log as a window (a friend of a friend's, handed on through Alice as sync
 * does). Carol's public post shows on her profile at Bob's; it joins his timeline only once Alice
 * answers it; her friends-only post is never shown; her posts and profile leave when her window
 * is trimmed or she is blocked, and become ordinary friend posts while she is Bob's friend.
 */
import { describe, expect, it } from 'vitest';
import type { PersonId } from '../ids.ts';
import type { PostView } from '../store/storage-adapter.ts';
import type { PostRef } from './peer.ts';
import type { Peer } from './peer.ts';
import { HELD_PUBLIC_POSTS_VIEWED } from './held-public-posts.ts';
import {
  befriend,
  entriesOf,
  handOver,
  makePeople,
  reopen,
  testClock,
  type TestPerson,
} from './test-people.ts';

/** Carol's public and friends-only posts, held by Bob as Alice's friend's window. */
async function carolSeenByBob() {
  const [alice, bob, carol] = await makePeople('Alice', 'Bob', 'Carol');
  await befriend(alice, bob);
  await befriend(alice, carol);
  await carol.peer.setProfile({ name: 'Carol', bio: 'Hello all' });
  testClock.advance(1000);
  const open = await carol.peer.createPost({ text: 'Carol to everyone', audience: 'public' });
  testClock.advance(1000);
  const closed = await carol.peer.createPost({ text: 'Carol to friends', audience: 'friends' });
  await handOver(carol, alice);
  await handOver(alice, bob, [carol.id]);
  const ref = (postId: PostRef['postId']): PostRef => ({ author: carol.id, postId });
  return { alice, bob, carol, open: ref(open.postId), closed: ref(closed.postId) };
}

async function timeline(person: TestPerson): Promise<PostView[]> {
  return [...(await person.peer.timelinePage({ limit: 100 })).items];
}

async function postsOf(person: TestPerson, author: PersonId): Promise<PostView[]> {
  return [...(await person.peer.authorPostsPage(author, { limit: 100 })).items];
}

function texts(posts: readonly PostView[]): string[] {
  return posts.map((p) => (p.summary as { text: string }).text);
}

describe('a friend of a friend’s public post', () => {
  it('is on Carol’s profile at Bob’s, not on his timeline; her friends-only post is nowhere', async () => {
    const { bob, carol } = await carolSeenByBob();
    expect(bob.peer.friends().has(carol.id)).toBe(false);
    expect((await bob.peer.profile(carol.id))?.name).toBe('Carol');
    const hers = await postsOf(bob, carol.id);
    expect(texts(hers)).toEqual(['Carol to everyone']);
    expect(hers[0]?.via).toEqual([]);
    expect(texts(await timeline(bob))).toEqual([]);
  });

  it('joins Bob’s timeline while Alice answers it, with her comment, and leaves when she takes it back', async () => {
    const { alice, bob, carol, open, closed } = await carolSeenByBob();
    const comment = await alice.peer.comment(open, 'Alice agrees');
    // Alice answers the friends-only post too: Bob still opens nothing of it.
    await alice.peer.comment(closed, 'Alice, to Carol’s friends');
    await handOver(alice, bob, [alice.id]);
    const row = (await timeline(bob)).find((p) => p.author === carol.id);
    expect(texts(row ? [row] : [])).toEqual(['Carol to everyone']);
    expect(row?.via).toEqual([{ person: alice.id, kind: 'comment' }]);
    expect((await bob.peer.replies(open)).map((i) => i.summary)).toEqual([
      expect.objectContaining({ text: 'Alice agrees' }),
    ]);
    expect(texts(await postsOf(bob, carol.id))).toEqual(['Carol to everyone']);
    expect(await bob.peer.post(closed)).toBeUndefined();

    await alice.peer.deleteComment(open, comment);
    await handOver(alice, bob, [alice.id]);
    expect((await timeline(bob)).some((p) => p.author === carol.id)).toBe(false);

    await alice.peer.react(open, 'love');
    await handOver(alice, bob, [alice.id]);
    expect((await timeline(bob)).find((p) => p.author === carol.id)?.via).toEqual([
      { person: alice.id, kind: 'reaction' },
    ]);
  });

  it('leaves with her window when it is trimmed: what is still held stays', async () => {
    const { alice, bob, carol } = await carolSeenByBob();
    testClock.advance(1000);
    const later = await carol.peer.createPost({ text: 'Carol later', audience: 'public' });
    await handOver(carol, alice);
    await handOver(alice, bob, [carol.id]);
    expect(texts(await postsOf(bob, carol.id))).toEqual(['Carol later', 'Carol to everyone']);
    const [log] = (await bob.store.listLogs()).filter((l) => l.author === carol.id);
    const [kept] = await bob.store.getDocEntries(carol.id, `post/${later.postId}` as never);
    if (!log || !kept) throw new Error('Carol’s log is not held');
    // The trim the window quota makes (`sync-engine.ts`): the oldest entries go.
    await bob.ingestor.pruneLog(carol.id, log.device, kept.seq);
    await bob.peer.settled();
    expect(texts(await postsOf(bob, carol.id))).toEqual(['Carol later']);
    expect(await bob.peer.profile(carol.id)).toBeNull();
    await bob.ingestor.pruneLog(carol.id, log.device, Number.POSITIVE_INFINITY);
    await bob.peer.settled();
    expect(await postsOf(bob, carol.id)).toEqual([]);
  });

  it('leaves when Bob blocks Carol, from his timeline too', async () => {
    const { alice, bob, carol, open } = await carolSeenByBob();
    await alice.peer.comment(open, 'Alice agrees');
    await handOver(alice, bob, [alice.id]);
    expect((await timeline(bob)).some((p) => p.author === carol.id)).toBe(true);
    const profile = await bob.peer.profile(carol.id);
    await bob.peer.blocking.block(carol.id);
    await bob.peer.settled();
    expect(await postsOf(bob, carol.id)).toEqual([]);
    expect((await timeline(bob)).some((p) => p.author === carol.id)).toBe(false);
    // Her name stays: it is how the list of blocked people says whom Bob blocked.
    expect(await bob.peer.profile(carol.id)).toEqual(profile);
  });

  it('is an ordinary friend post while Carol is Bob’s friend, and only on her profile after', async () => {
    const { bob, carol, open } = await carolSeenByBob();
    await befriend(bob, carol);
    await bob.peer.settled();
    const friendRow = (await timeline(bob)).find((p) => p.author === carol.id);
    expect(texts(friendRow ? [friendRow] : [])).toEqual(['Carol to everyone']);
    expect(friendRow?.via).toBeUndefined();

    await bob.peer.removeFriend(carol.id);
    await bob.peer.settled();
    expect((await timeline(bob)).some((p) => p.author === carol.id)).toBe(false);
    const hers = await postsOf(bob, carol.id);
    expect(texts(hers)).toEqual(['Carol to everyone']);
    expect(hers[0]?.via).toEqual([]);
    expect(await bob.peer.post(open)).toEqual(hers[0]);
  });

  it('held by a device before it showed such posts is shown once it opens again', async () => {
    const [alice, bob, carol] = await makePeople('Alice', 'Bob', 'Carol');
    await befriend(alice, bob);
    await befriend(alice, carol);
    testClock.advance(1000);
    await carol.peer.createPost({ text: 'Carol to everyone', audience: 'public' });
    await carol.peer.createPost({ text: 'Carol to friends', audience: 'friends' });
    await handOver(carol, alice);
    // The version before stored Carol's window and wrote no view of it: settled, not owed.
    bob.peer.close();
    expect((await bob.ingestor.ingest(await entriesOf(alice, [carol.id]))).rejected).toEqual([]);
    await bob.store.writeViews([], await bob.store.owedEntries(1000));
    const seen = async (peer: Peer) =>
      texts([...(await peer.authorPostsPage(carol.id, { limit: 100 })).items]);

    const passed = await reopen(bob);
    await passed.settled();
    expect(await seen(passed)).toEqual([]);
    passed.close();

    await bob.store.setSetting(HELD_PUBLIC_POSTS_VIEWED, undefined);
    const updated = await reopen(bob);
    await updated.settled();
    expect(await seen(updated)).toEqual(['Carol to everyone']);
    expect(await bob.store.getSetting(HELD_PUBLIC_POSTS_VIEWED)).toBe(true);
  });
});
