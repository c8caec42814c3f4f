import { describe, expect, it } from 'vitest';
import { utf8 } from '../bytes.ts';
import { DocContentError } from '../docs/small-docs.ts';
import type { StorageAdapter } from '../store/storage-adapter.ts';
import { befriend, handOver, makePeople, testClock } from './test-people.ts';

/** Whether any entry `store` holds carries the UTF-8 bytes of `text` (a clear Yjs string). */
async function holdsText(store: StorageAdapter, text: string): Promise<boolean> {
  const needle = utf8(text);
  const has = (bytes: Uint8Array) => {
    outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
      for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
      return true;
    }
    return false;
  };
  for (const log of await store.listLogs()) {
    for (const range of log.ranges) {
      for (const e of await store.getEntries(log.author, log.device, range.start, range.end)) {
        if (has(e.bytes)) return true;
      }
    }
  }
  return false;
}

describe('editing and deleting one’s comments', () => {
  it('Bob edits his comment on Alice’s public post: everyone reads the new text, nobody keeps the old', async () => {
    // Carol is Alice's friend, not Bob's: she gets Bob's comment only through Alice's thread.
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    await befriend(alice, bob);
    await befriend(alice, carol);
    const post = await alice.peer.createPost({ text: 'picnic?', audience: 'public' });
    await handOver(alice, bob);
    const commentId = await bob.peer.comment(post, 'saturday works for me');
    await handOver(bob, alice, [bob.id]);
    await handOver(alice, carol, [alice.id]);
    expect(await holdsText(carol.store, 'saturday works')).toBe(true);

    testClock.advance(60_000);
    await bob.peer.editComment(post, commentId, 'sunday works for me');
    await handOver(bob, alice, [bob.id]);
    await handOver(alice, carol, [alice.id]);
    for (const person of [alice, bob, carol]) {
      const [comment] = await person.peer.replies(post);
      expect(comment?.summary).toEqual({ text: 'sunday works for me', editedAt: testClock.now() });
      expect(await holdsText(person.store, 'saturday works')).toBe(false);
    }
  });

  it('a deleted comment leaves every store, the copies in the post author’s thread too', async () => {
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    await befriend(alice, bob);
    await befriend(alice, carol);
    const post = await alice.peer.createPost({ text: 'picnic?', audience: 'public' });
    await handOver(alice, bob);
    const commentId = await bob.peer.comment(post, 'my phone number is 555');
    await handOver(bob, alice, [bob.id]);
    await handOver(alice, carol, [alice.id]);
    await bob.peer.deleteComment(post, commentId);
    await handOver(bob, alice, [bob.id]);
    await handOver(alice, carol, [alice.id]);
    for (const person of [alice, bob, carol]) {
      expect(await person.peer.replies(post)).toEqual([]);
      expect(await holdsText(person.store, 'number is 555')).toBe(false);
    }
  });

  it('only the writer edits a comment: another person’s attempt is refused', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    const post = await alice.peer.createPost({ text: 'friends only' });
    await handOver(alice, bob);
    const commentId = await bob.peer.comment(post, 'mine');
    await handOver(bob, alice, [bob.id]);
    await expect(alice.peer.editComment(post, commentId, 'yours now')).rejects.toBeInstanceOf(
      DocContentError,
    );
    expect((await alice.peer.replies(post)).map((r) => r.summary)).toEqual([{ text: 'mine' }]);
  });

  it('a reply to a comment names the comment it answers', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    const post = await alice.peer.createPost({ text: 'friends only' });
    await handOver(alice, bob);
    await bob.peer.comment(post, 'first');
    await handOver(bob, alice, [bob.id]);
    const [first] = await alice.peer.replies(post);
    testClock.advance(1000);
    await alice.peer.comment(post, 'answer', [], first!.itemId);
    await handOver(alice, bob, [alice.id]);
    expect((await bob.peer.replies(post)).map((r) => r.summary)).toEqual([
      { text: 'first' },
      { text: 'answer', replyTo: first!.itemId },
    ]);
  });
});

describe('a hidden comment', () => {
  it('stays with its writer and the post’s author, leaves other readers, and comes back when shown', async () => {
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    await befriend(alice, bob);
    await befriend(alice, carol);
    const post = await alice.peer.createPost({ text: 'hello' });
    await handOver(alice, bob);
    await bob.peer.comment(post, 'off topic');
    await handOver(bob, alice, [bob.id]);
    const [comment] = await alice.peer.replies(post);
    await alice.peer.hideReply(post.postId, comment!.itemId);
    await handOver(alice, bob, [alice.id]);
    await handOver(alice, carol, [alice.id]);
    const texts = async (p: typeof alice) =>
      (await p.peer.replies(post)).map((r) => (r.summary as { text: string }).text);
    expect(await texts(alice)).toEqual(['off topic']);
    expect(await texts(bob)).toEqual(['off topic']);
    expect(await texts(carol)).toEqual([]);
    // Both who still see it know it is hidden: the post says so.
    const hidden = async (p: typeof alice) =>
      ((await p.peer.post(post))?.summary as { hidden: string[] }).hidden;
    expect(await hidden(bob)).toEqual([comment!.itemId]);

    await alice.peer.hideReply(post.postId, comment!.itemId, false);
    await handOver(alice, carol, [alice.id]);
    expect(await texts(carol)).toEqual(['off topic']);
  });
});
