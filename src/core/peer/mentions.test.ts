import { describe, expect, it } from 'vitest';
import { PostContentError } from '../docs/post-doc.ts';
import { DocContentError } from '../docs/small-docs.ts';
import type { PersonId } from '../ids.ts';
import { postSummary } from '../kinds/post.ts';
import { befriend, handOver, makePeople, testClock, type TestPerson } from './test-people.ts';

async function mentionNotes(p: TestPerson) {
  const page = await p.peer.notificationsPage({ limit: 50 });
  return page.items.filter((n) => n.kind === 'mention');
}

describe('mentions through the peer API', () => {
  it('Alice mentions Bob in a post: he sees the mention on the post and one notification', async () => {
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    await befriend(alice, bob);
    await befriend(alice, carol);
    testClock.advance(1000);
    const post = await alice.peer.createPost({ text: 'Lunch with @Bob', mentions: [bob.id] });
    await handOver(alice, bob);
    await handOver(alice, carol);
    const view = await bob.peer.post(post);
    expect(view && postSummary(view).mentions).toEqual([bob.id]);
    const notes = await mentionNotes(bob);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({
      read: false,
      summary: { from: alice.id, in: 'post', text: 'Lunch with @Bob' },
    });
    expect(await bob.peer.unreadCount()).toBe(1);
    // Carol reads the post but is not mentioned; Alice is never notified of her own mention.
    expect(await mentionNotes(carol)).toEqual([]);
    expect(await mentionNotes(alice)).toEqual([]);
  });

  it('the notification is made once: not again after an edit, a re-sync or being read', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    const post = await alice.peer.createPost({ text: '@Bob hi', mentions: [bob.id] });
    await handOver(alice, bob);
    const [note] = await mentionNotes(bob);
    await bob.store.markRead([note!.id]);
    await alice.peer.editPost(post.postId, { text: '@Bob hi there' });
    await handOver(alice, bob);
    await handOver(alice, bob);
    expect(await mentionNotes(bob)).toEqual([{ ...note, read: true }]);
    expect(await bob.peer.unreadCount()).toBe(0);
    const view = await bob.peer.post(post);
    expect(view && postSummary(view)).toMatchObject({ text: '@Bob hi there', mentions: [bob.id] });
  });

  it('an edit that adds a mention notifies; one that removes it takes it off the post', async () => {
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    await befriend(alice, bob);
    await befriend(alice, carol);
    const post = await alice.peer.createPost({ text: 'hi @Bob', mentions: [bob.id] });
    await alice.peer.editPost(post.postId, {
      text: 'hi @Carol',
      mentions: [carol.id],
    });
    await handOver(alice, carol);
    expect(await mentionNotes(carol)).toHaveLength(1);
    const view = await carol.peer.post(post);
    expect(view && postSummary(view).mentions).toEqual([carol.id]);
  });

  it('a mention in a comment notifies the mentioned reader, wherever the comment came from', async () => {
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    await befriend(alice, bob);
    await befriend(bob, carol);
    const post = await bob.peer.createPost({ text: 'who wants cake?' });
    await handOver(bob, carol);
    // Carol is not Alice's friend: Alice gets the comment only through Bob's re-publishing.
    await carol.peer.comment(post, '@Alice surely does', [alice.id]);
    await handOver(carol, bob, [carol.id]);
    await handOver(bob, alice, [bob.id]);
    const notes = await mentionNotes(alice);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({
      summary: { from: carol.id, in: 'comment', text: '@Alice surely does' },
    });
    const replies = await alice.peer.replies(post);
    expect(replies[0]?.summary).toEqual({ text: '@Alice surely does', mentions: [alice.id] });
    // Bob, the post's author, gets his comment notification, not a second one for a mention.
    await carol.peer.comment(post, '@Bob and you?', [bob.id]);
    await handOver(carol, bob, [carol.id]);
    const bobNotes = await bob.peer.notificationsPage({ limit: 50 });
    expect(bobNotes.items.map((n) => n.kind).sort()).toEqual(['comment', 'comment']);
  });

  it('no notification from a post one cannot read, nor from a hidden comment', async () => {
    const [alice, bob, carol, dave] = await makePeople('alice', 'bob', 'carol', 'dave');
    await befriend(alice, bob);
    await befriend(alice, carol);
    // Dave is nobody's friend: he holds Alice's friends-only post as ciphertext only.
    await alice.peer.createPost({ text: 'secret @Dave', mentions: [dave.id] });
    await handOver(alice, dave);
    expect(await mentionNotes(dave)).toEqual([]);
    // Bob mentions Carol under Alice's post; Alice hides the comment before Carol reads it.
    const post = await alice.peer.createPost({ text: 'hello' });
    await handOver(alice, bob);
    const commentId = await bob.peer.comment(post, 'hey @Carol', [carol.id]);
    await handOver(bob, alice, [bob.id]);
    await alice.peer.hideReply(post.postId, `${bob.id}/comment/${commentId}`);
    await handOver(alice, carol, [alice.id]);
    expect(await carol.peer.replies(post)).toEqual([]);
    expect(await mentionNotes(carol)).toEqual([]);
  });

  it('refuses malformed mentions with typed errors before anything is written', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    await expect(
      alice.peer.createPost({ text: 'x', mentions: [bob.id, bob.id] }),
    ).rejects.toBeInstanceOf(PostContentError);
    await expect(
      alice.peer.createPost({ text: 'x', mentions: ['@bob' as PersonId] }),
    ).rejects.toBeInstanceOf(PostContentError);
    expect((await alice.peer.timelinePage({ limit: 10 })).items).toEqual([]);
    const post = await alice.peer.createPost({ text: 'ok' });
    await expect(
      alice.peer.editPost(post.postId, { text: 'ok', mentions: ['nobody' as PersonId] }),
    ).rejects.toBeInstanceOf(PostContentError);
    await expect(alice.peer.comment(post, 'hi', ['nobody' as PersonId])).rejects.toBeInstanceOf(
      DocContentError,
    );
    expect(await alice.peer.replies(post)).toEqual([]);
  });
});
