/**
 * Replies to a friends-only post name it only through its reply tag (`crypto/reply-tag.ts`): a
 * relay holding the entries, and no key, does not learn who answers whom. Readers map the tag
 * back to the post once they hold its content key.
 */
import { describe, expect, it } from 'vitest';
import { decodeEntry } from '../feed/entry-codec.ts';
import { makePeople, befriend, entriesOf, handOver } from './test-people.ts';

describe('a relay does not learn who answers whom', () => {
  it('no doc id of a reply to a friends-only post, nor of its thread, names the post', async () => {
    const [alice, bob, relay] = await makePeople('alice', 'bob', 'relay');
    await befriend(alice, bob);
    const post = await alice.peer.createPost({ text: 'friends only' });
    await handOver(alice, bob, [alice.id]);
    await bob.peer.comment(post, 'an answer');
    await bob.peer.react(post, 'love');
    await handOver(bob, alice, [bob.id]);
    // The relay holds both logs (Bob's replies, Alice's thread re-publishing them), no key.
    await handOver(alice, relay, [alice.id]);
    await handOver(bob, relay, [bob.id]);
    const held = (await entriesOf(relay)).map(decodeEntry);
    const replies = held.filter((e) => !e.docId.startsWith('post/'));
    const docIds = replies.map((e) => e.docId);
    // The relay did receive the replies and the thread (or the test proves nothing).
    expect(docIds.filter((d) => d.startsWith('comment/'))).toHaveLength(1);
    expect(docIds.filter((d) => d.startsWith('reaction/'))).toHaveLength(1);
    expect(docIds.filter((d) => d.startsWith('thread/')).length).toBeGreaterThan(0);
    for (const docId of docIds) {
      expect(docId).not.toContain(post.postId);
      expect(docId).not.toContain(alice.id);
    }
    // Nor do the replies embedded in the thread name it.
    for (const thread of replies.filter((e) => e.payloadKind === 'embedded-entry')) {
      expect(decodeEntry(thread.payload).docId).not.toContain(post.postId);
    }
    // Alice and Bob still read both replies.
    for (const reader of [alice, bob]) {
      expect((await reader.peer.replies(post)).map((r) => r.kind).sort()).toEqual([
        'comment',
        'reaction',
      ]);
    }
  });
});
