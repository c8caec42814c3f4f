import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { toBase64Url, toHex, utf8 } from '../bytes.ts';
import { docIdOf } from '../kinds/registry.ts';
import { newDoc } from '../docs/yjs-change.ts';
import { writeNewPost } from '../docs/post-doc.ts';
import { postSummary } from '../kinds/post.ts';
import { decodeEntry } from '../feed/entry-codec.ts';
import { signEntry } from '../feed/entry-verifier.ts';
import { startNewDevice } from '../identity/device-setup.ts';
import type { StorageAdapter } from '../store/storage-adapter.ts';
import { Peer, PeerStateError } from './peer.ts';
import {
  befriend,
  entriesOf,
  handOver,
  makePeople,
  makePerson,
  testClock,
  type TestPerson,
} from './test-people.ts';

/** Whether any stored entry of `store` contains `text` in any encoding the code uses. */
async function holdsPlaintext(store: StorageAdapter, text: string): Promise<boolean> {
  const needle = utf8(text);
  const forms = [toHex(needle), toBase64Url(needle)];
  for (const log of await store.listLogs()) {
    for (const range of log.ranges) {
      for (const e of await store.getEntries(log.author, log.device, range.start, range.end)) {
        const hex = toHex(e.bytes);
        if (hex.includes(forms[0]!)) return true;
        if (new TextDecoder('utf-8', { fatal: false }).decode(e.bytes).includes(forms[1]!))
          return true;
      }
    }
  }
  return false;
}

async function timelineTexts(p: TestPerson): Promise<string[]> {
  const page = await p.peer.timelinePage({ limit: 50 });
  return page.items.map((i) => (i.summary as { text: string }).text);
}

describe('a person alone', () => {
  it('writes, edits and deletes posts, and sees them on the timeline at once', async () => {
    const alice = await makePerson('alice');
    const post = await alice.peer.createPost({ text: 'first post' });
    expect(await timelineTexts(alice)).toEqual(['first post']);
    testClock.advance(1000);
    await alice.peer.editPost(post.postId, { text: 'first post, edited' });
    expect(await timelineTexts(alice)).toEqual(['first post, edited']);
    await alice.peer.deletePost(post.postId);
    expect(await timelineTexts(alice)).toEqual([]);
  });

  it('continues its own log after a restart instead of starting it again', async () => {
    const alice = await makePerson('alice');
    await alice.peer.createPost({ text: 'one', audience: 'public' });
    const [log] = await alice.store.listLogs();
    // A fresh peer over the same store and device (a reload) appends after what is held.
    const again = await Peer.open({
      store: alice.store,
      identity: alice.identity,
      device: alice.device,
      pipeline: alice.ingestor,
      clock: testClock,
    });
    await again.createPost({ text: 'two', audience: 'public' });
    const [after] = await alice.store.listLogs();
    expect(after!.ranges).toEqual([{ start: 1, end: log!.ranges[0]!.end + 1 }]);
  });
});

describe('friends', () => {
  it('a friend reads a friends-only post, its edit and its deletion; a stranger reads nothing', async () => {
    const [alice, bob, dave] = await makePeople('alice', 'bob', 'dave');
    await befriend(alice, bob);
    await alice.peer.setProfile({ name: 'Alice' });
    const post = await alice.peer.createPost({ text: 'secret picnic plans' });
    await handOver(alice, bob);
    await handOver(alice, dave);
    expect(await timelineTexts(bob)).toEqual(['secret picnic plans']);
    expect(await bob.peer.profile(alice.id)).toMatchObject({ name: 'Alice' });
    // Dave holds every entry, and can read none of the private ones.
    expect((await entriesOf(dave)).length).toBe((await entriesOf(alice, [alice.id])).length);
    expect(await timelineTexts(dave)).toEqual([]);
    expect(await holdsPlaintext(dave.store, 'secret picnic plans')).toBe(false);
    expect(await holdsPlaintext(bob.store, 'secret picnic plans')).toBe(false);

    testClock.advance(1000);
    await alice.peer.editPost(post.postId, { text: 'picnic moved to Sunday' });
    await handOver(alice, bob);
    expect(await timelineTexts(bob)).toEqual(['picnic moved to Sunday']);
    await alice.peer.deletePost(post.postId);
    await handOver(alice, bob);
    expect(await timelineTexts(bob)).toEqual([]);
  });

  it('public posts are readable by anyone who holds them, but only friends see them on the timeline', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    const post = await alice.peer.createPost({ text: 'hello world', audience: 'public' });
    await handOver(alice, bob);
    expect(await timelineTexts(bob)).toEqual([]);
    await befriend(alice, bob);
    expect(await timelineTexts(bob)).toEqual(['hello world']);
    expect(await bob.peer.post(post)).toBeDefined();
  });

  it('a recent-first arrival (post before the key record) opens once the key arrives', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    await alice.peer.createPost({ text: 'late key' });
    const all = await entriesOf(alice, [alice.id]);
    const isEpoch = (b: Uint8Array) => decodeEntry(b).docId.startsWith('epoch/');
    await bob.ingestor.ingest(all.filter((b) => !isEpoch(b)));
    await bob.peer.settled();
    expect(await timelineTexts(bob)).toEqual([]);
    await bob.ingestor.ingest(all.filter(isEpoch));
    await bob.peer.settled();
    expect(await timelineTexts(bob)).toEqual(['late key']);
  });
});

describe('comments across friendships', () => {
  it('Carol comments on Bob’s post; Alice (Bob’s friend, not Carol’s) reads it; Dave reads nothing', async () => {
    const [alice, bob, carol, dave] = await makePeople('alice', 'bob', 'carol', 'dave');
    await befriend(alice, bob);
    await befriend(bob, carol);
    const post = await bob.peer.createPost({ text: 'who wants cake?' });
    await handOver(bob, carol);
    await carol.peer.comment(post, 'me, with extra cream');
    await carol.peer.react(post, 'love');
    // Bob receives Carol's reply and re-publishes it in his own log.
    await handOver(carol, bob, [carol.id]);
    const bobNotes = await bob.peer.notificationsPage({ limit: 10 });
    expect(bobNotes.items.map((n) => n.kind).sort()).toEqual(['comment', 'reaction']);
    // Alice receives only Bob's log and still sees Carol's comment, verified as Carol's.
    await handOver(bob, alice, [bob.id]);
    const replies = await alice.peer.replies(post);
    expect(replies.map((r) => [r.kind, r.author, r.summary])).toEqual([
      ['comment', carol.id, { text: 'me, with extra cream' }],
      ['reaction', carol.id, { value: 'love' }],
    ]);
    // Dave, friend of nobody, is handed everything by a relay and can read none of it.
    await handOver(bob, dave);
    await handOver(carol, dave);
    expect((await entriesOf(dave)).length).toBeGreaterThan(0);
    expect(await dave.peer.replies(post)).toEqual([]);
    expect(await holdsPlaintext(dave.store, 'extra cream')).toBe(false);
  });

  it('the author hides a comment on their post, for every reader', async () => {
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    await befriend(alice, bob);
    await befriend(bob, carol);
    const post = await bob.peer.createPost({ text: 'my post' });
    await handOver(bob, carol);
    await carol.peer.comment(post, 'spam spam spam');
    await handOver(carol, bob, [carol.id]);
    await handOver(bob, alice, [bob.id]);
    const [comment] = await alice.peer.replies(post);
    expect(comment?.summary).toEqual({ text: 'spam spam spam' });
    await bob.peer.hideReply(post.postId, comment!.itemId);
    // The author still sees it (to show it again); its readers do not.
    expect((await bob.peer.replies(post)).map((r) => r.itemId)).toEqual([comment!.itemId]);
    await handOver(bob, alice, [bob.id]);
    expect(await alice.peer.replies(post)).toEqual([]);
    // Only the author can: a reader's attempt is refused.
    await expect(alice.peer.hideReply(post.postId, comment!.itemId)).rejects.toBeInstanceOf(
      PeerStateError,
    );
    // And shown again when the author changes their mind.
    await bob.peer.hideReply(post.postId, comment!.itemId, false);
    await handOver(carol, bob, [carol.id]);
    expect((await bob.peer.replies(post)).map((r) => r.summary)).toEqual([
      { text: 'spam spam spam' },
    ]);
  });

  it('a reaction can be changed and withdrawn; a deleted comment disappears', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    const post = await alice.peer.createPost({ text: 'photo day' });
    await handOver(alice, bob);
    await bob.peer.react(post, 'like');
    await bob.peer.react(post, 'wow');
    testClock.advance(1000);
    const commentId = await bob.peer.comment(post, 'typo');
    expect((await bob.peer.replies(post)).map((r) => r.summary)).toEqual([
      { value: 'wow' },
      { text: 'typo' },
    ]);
    await bob.peer.deleteComment(post, commentId);
    await bob.peer.react(post, null);
    await handOver(bob, alice, [bob.id]);
    expect(await alice.peer.replies(post)).toEqual([]);
  });

  it('refuses to answer a post it cannot read', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    const post = await alice.peer.createPost({ text: 'friends only' });
    await handOver(alice, bob);
    await expect(bob.peer.comment(post, 'hi')).rejects.toBeInstanceOf(PeerStateError);
  });
});

describe('unfriending', () => {
  it('after Alice removes Bob, Bob holds her later entries and reads none; Carol reads them', async () => {
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    await befriend(alice, bob);
    await befriend(alice, carol);
    await alice.peer.createPost({ text: 'before' });
    await handOver(alice, bob);
    expect(await timelineTexts(bob)).toEqual(['before']);
    await alice.peer.removeFriend(bob.id);
    testClock.advance(1000);
    await alice.peer.createPost({ text: 'after the removal' });
    // A relay hands Bob everything Alice wrote.
    await handOver(alice, bob);
    await handOver(alice, carol);
    expect((await entriesOf(bob, [alice.id])).length).toBe(
      (await entriesOf(alice, [alice.id])).length,
    );
    expect(await timelineTexts(bob)).not.toContain('after the removal');
    expect(await holdsPlaintext(bob.store, 'after the removal')).toBe(false);
    expect(await timelineTexts(carol)).toEqual(['after the removal', 'before']);
  });
});

describe('forgery', () => {
  it('Mallory’s update naming Bob’s post, in her own log, never reaches Bob’s post', async () => {
    const [alice, bob, mallory] = await makePeople('alice', 'bob', 'mallory');
    await befriend(alice, bob);
    await befriend(alice, mallory);
    const post = await bob.peer.createPost({ text: 'Bob was here', audience: 'public' });
    await handOver(bob, alice);
    // Mallory signs, in her own log, a doc of the same id holding a deletion of Bob's text.
    const copy = newDoc(4242);
    const [bobEntry] = (await entriesOf(bob, [bob.id]))
      .map(decodeEntry)
      .filter((e) => e.docId.startsWith('post/'));
    Y.applyUpdate(copy, bobEntry!.payload);
    const sv = Y.encodeStateVector(copy);
    (copy.getMap('post').get('text') as Y.Text).delete(0, 12);
    const attack = Y.encodeStateAsUpdate(copy, sv);
    const device = await startNewDevice(mallory.identity, { clock: testClock });
    const forged = await signEntry(device, {
      seq: 1,
      prev: undefined,
      timestamp: testClock.now(),
      docId: docIdOf({ kind: 'post', postId: post.postId }),
      payloadKind: 'yjs-update',
      payload: attack,
    });
    // And then a whole post of her own under Bob's post id.
    const own = newDoc(4243);
    const impostor = writeNewPost(own, {
      text: 'Mallory was here',
      photos: [],
      audience: 'public',
      createdAt: testClock.now() + 1,
    });
    const second = await signEntry(device, {
      seq: 2,
      prev: forged.hash,
      timestamp: testClock.now(),
      docId: forged.docId,
      payloadKind: 'yjs-update',
      payload: impostor,
    });
    const report = await alice.ingestor.ingest([forged.bytes, second.bytes]);
    expect(report.accepted).toHaveLength(2);
    await alice.peer.settled();
    // Both land in Mallory's doc of that name; Bob's post and its timeline row are untouched.
    expect(await alice.peer.post(post)).toMatchObject({ summary: { text: 'Bob was here' } });
    expect(await alice.peer.post({ author: mallory.id, postId: post.postId })).toMatchObject({
      summary: { text: 'Mallory was here' },
    });
    expect((await timelineTexts(alice)).sort()).toEqual(['Bob was here', 'Mallory was here']);
  });
});

describe('photos', () => {
  const image = new Uint8Array(20_000).map((_, i) => (i * 31) & 0xff);
  const thumb = new Uint8Array(800).map((_, i) => (i * 17) & 0xff);
  const photo = { image, thumb, width: 1600, height: 1200, mime: 'image/jpeg' as const };

  it('a friend fetches a private photo as ciphertext and opens it; a relay cannot', async () => {
    const [alice, bob, relay] = await makePeople('alice', 'bob', 'relay');
    await befriend(alice, bob);
    const post = await alice.peer.createPost({ text: 'our garden', photos: [photo] });
    await handOver(alice, bob);
    await handOver(alice, relay);
    const view = await bob.peer.post(post);
    const [ref] = postSummary(view!).photos;
    // Not held yet: Bob's device asks for it.
    expect(await bob.peer.photo(post, ref!, 'image')).toBeNull();
    expect(bob.peer.blobs.wanted()).toEqual([ref!.blob]);
    // The relay hands over the stored (encrypted) bytes; Bob checks and opens them.
    const stored = await alice.store.getBlob(ref!.blob);
    expect(toHex(stored!)).not.toContain(toHex(image.subarray(0, 64)));
    await relay.store.putBlob(ref!.blob, stored!);
    expect(await bob.peer.blobs.receive(ref!.blob, (await relay.store.getBlob(ref!.blob))!)).toBe(
      true,
    );
    expect(await bob.peer.photo(post, ref!, 'image')).toEqual(image);
    expect(bob.peer.blobs.wanted()).toEqual([]);
    // The relay holds the bytes but no key.
    await expect(relay.peer.photo(post, ref!, 'image')).rejects.toBeInstanceOf(PeerStateError);
  });

  it('refuses blob bytes that do not match their address', async () => {
    const alice = await makePerson('alice');
    const post = await alice.peer.createPost({ text: 'x', photos: [photo], audience: 'public' });
    const view = await alice.peer.post(post);
    const [ref] = postSummary(view!).photos;
    expect(await alice.peer.photo(post, ref!, 'thumb')).toEqual(thumb);
    await expect(alice.peer.blobs.receive(ref!.blob, thumb)).rejects.toThrow(/hash-mismatch/);
  });
});
