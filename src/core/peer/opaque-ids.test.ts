/**
 * Replies to a friends-only post name it only through its reply tag (`crypto/reply-tag.ts`): a
 * relay holding the entries, and no key, does not learn who answers whom. Readers map the tag
 * back to the post once they hold its content key.
 */
import { describe, expect, it } from 'vitest';
import { sealReply } from '../crypto/audience.ts';
import { writeComment } from '../docs/small-docs.ts';
import { newDoc } from '../docs/yjs-change.ts';
import { blobIdsOf, decodeAnyEntry, decodeEntry } from '../feed/entry-codec.ts';
import { newPostId, type PersonId } from '../ids.ts';
import { docIdOf } from '../kinds/registry.ts';
import type { Keyring } from './keyring.ts';
import { Peer } from './peer.ts';
import {
  befriend,
  entriesOf,
  handOver,
  makePeople,
  signOnNewDevice,
  testClock,
  type TestPerson,
} from './test-people.ts';

/** The doc ids of `person`'s own replies. */
async function ownReplyDocIds(person: TestPerson): Promise<string[]> {
  // A comment's edits and deletion cover its earlier entries: those are held without payload.
  const docIds = (await entriesOf(person, [person.id])).map((e) => decodeAnyEntry(e).docId);
  return docIds.filter((d) => d.startsWith('comment/') || d.startsWith('reaction/'));
}

/** `person`'s app restarted on the same store: nothing is kept in memory. */
async function restarted(person: TestPerson): Promise<TestPerson> {
  person.peer.close();
  const peer = await Peer.open({
    store: person.store,
    identity: person.identity,
    device: person.device,
    pipeline: person.ingestor,
    clock: testClock,
  });
  return { ...person, peer };
}

/** The texts of a post's comments as `reader` shows them. */
async function commentTexts(reader: TestPerson, post: { author: PersonId; postId: string }) {
  const items = await reader.peer.replies(post as Parameters<Peer['replies']>[0]);
  return items.filter((i) => i.kind === 'comment').map((i) => (i.summary as { text: string }).text);
}

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

describe('readers map reply tags to posts', () => {
  it('a reply arriving before its post’s key waits, and shows once the post arrives', async () => {
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    await befriend(alice, bob);
    await befriend(alice, carol);
    const post = await alice.peer.createPost({ text: 'friends only' });
    await handOver(alice, bob, [alice.id]);
    await bob.peer.comment(post, 'first!');
    // Carol gets Bob's comment before Alice's post (recent-first sync, another relay).
    await handOver(bob, carol, [bob.id]);
    expect(await commentTexts(carol, post)).toEqual([]);
    await handOver(alice, carol, [alice.id]);
    expect(await commentTexts(carol, post)).toEqual(['first!']);
  });

  it('the tag map survives a restart: a reply arriving afterwards shows at once', async () => {
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    await befriend(alice, bob);
    await befriend(alice, carol);
    const post = await alice.peer.createPost({ text: 'friends only' });
    await handOver(alice, bob, [alice.id]);
    await handOver(alice, carol, [alice.id]);
    const carol2 = await restarted(carol);
    await bob.peer.comment(post, 'after Carol’s restart');
    await handOver(bob, carol2, [bob.id]);
    expect(await commentTexts(carol2, post)).toEqual(['after Carol’s restart']);
  });

  it('a post whose key was saved before reply tags has its tag mapped at the first unknown tag', async () => {
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    await befriend(alice, bob);
    await befriend(alice, carol);
    const post = await alice.peer.createPost({ text: 'friends only' });
    await handOver(alice, bob, [alice.id]);
    await handOver(alice, carol, [alice.id]);
    // Carol's store as earlier code left it: the post's key, no tag mapped.
    const tag = (await carol.peer.replyTag(post))!;
    await carol.store.setSetting(`keys/reply-tag/${tag}`, null);
    const carol2 = await restarted(carol);
    await bob.peer.comment(post, 'tagged');
    await handOver(bob, carol2, [bob.id]);
    expect(await commentTexts(carol2, post)).toEqual(['tagged']);
  });

  it('replies to a public post keep clear doc ids (anyone holding the post reads it)', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    const post = await alice.peer.createPost({ text: 'for all', audience: 'public' });
    await handOver(alice, bob, [alice.id]);
    await bob.peer.react(post, 'like');
    expect(await ownReplyDocIds(bob)).toEqual([
      docIdOf({ kind: 'reaction', postAuthor: alice.id, postId: post.postId }),
    ]);
  });

  it('a comment written with a clear id by earlier code still shows, and its delete reaches it', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    const post = await alice.peer.createPost({ text: 'friends only' });
    await handOver(alice, bob, [alice.id]);
    // Bob's earlier app sealed a comment under the post's reply key, its doc id in clear.
    const keyring = (bob.peer as unknown as { keyring: Keyring }).keyring;
    const contentKey = (await keyring.contentKey(alice.id, post.postId))!;
    const epoch = (await keyring.newestEpoch(alice.id))!;
    const ref = {
      kind: 'comment',
      postAuthor: alice.id,
      postId: post.postId,
      commentId: newPostId(),
    } as const;
    const docId = docIdOf(ref);
    const payload = await sealReply({
      author: bob.id,
      docId,
      postAuthor: alice.id,
      postId: post.postId,
      contentKey,
      epoch: epoch.epoch,
      epochKey: epoch.key,
      update: writeComment(newDoc(7), { text: 'old', createdAt: testClock.now(), deleted: false })!,
    });
    const old = await signOnNewDevice(bob, [{ docId, payloadKind: 'encrypted', payload }]);
    for (const reader of [alice, bob]) {
      await reader.ingestor.ingest(old.map((e) => e.bytes));
      await reader.peer.settled();
      expect(await commentTexts(reader, post)).toEqual(['old']);
    }
    // Deleting it writes to its clear doc (a new tagged doc would leave it standing).
    await bob.peer.deleteComment(post, ref.commentId);
    await handOver(bob, alice, [bob.id]);
    expect(await commentTexts(alice, post)).toEqual([]);
    expect(await ownReplyDocIds(bob)).toEqual([docId, docId]);
  });
});

describe('a relay can serve the photos of a friends-only post', () => {
  const photo = (n: number) => ({
    image: new Uint8Array(64).fill(n),
    thumb: new Uint8Array(16).fill(n),
    width: 8,
    height: 8,
    mime: 'image/jpeg' as const,
  });

  it('the post’s entries list its ciphertext blobs in clear; a public post’s list none', async () => {
    const [alice, relay] = await makePeople('alice', 'relay');
    const post = await alice.peer.createPost({ text: 'two photos', photos: [photo(1), photo(2)] });
    const open = await alice.peer.createPost({
      text: 'public',
      photos: [photo(3)],
      audience: 'public',
    });
    await handOver(alice, relay, [alice.id]);
    const listed = async (postId: string) => {
      const entries = (await entriesOf(relay)).filter(
        (bytes) => decodeEntry(bytes).docId === `post/${postId}`,
      );
      expect(entries.length).toBeGreaterThan(0);
      return entries.map(blobIdsOf);
    };
    const view = (await alice.peer.post(post))!;
    const photos = (view.summary as { photos: { blob: string; thumb: string }[] }).photos;
    const ids = photos.flatMap((p) => [p.blob, p.thumb]).sort();
    expect(ids).toHaveLength(4);
    for (const list of await listed(post.postId)) expect([...list].sort()).toEqual(ids);
    // What the relay would fetch is stored (ciphertext) under those very ids on Alice's device.
    for (const id of ids) expect(await alice.store.getBlob(id)).toBeDefined();
    for (const list of await listed(open.postId)) expect(list).toEqual([]);
  });
});
