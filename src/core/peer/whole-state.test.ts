/**
 * "A delete that deletes" at the peer layer (entries v2): an edit or a delete of a post writes
 * its whole state naming the entries it covers, so the older text leaves every honest store and
 * is never handed to anyone again, a friend added later included.
 */
import { describe, expect, it } from 'vitest';
import { docIdOf } from '../kinds/registry.ts';
import { decodeAnyEntry, entryHasPayload } from '../feed/entry-codec.ts';
import { postSummary } from '../kinds/post.ts';
import { befriend, entriesOf, handOver, makePeople, testClock } from './test-people.ts';

const secret = '12 Elm St';

/** Whether `needle` occurs in `bytes` as UTF-8. */
function containsText(bytes: Uint8Array, needle: string): boolean {
  const sought = new TextEncoder().encode(needle);
  for (let at = 0; at + sought.length <= bytes.length; at++) {
    if (sought.every((b, k) => bytes[at + k] === b)) return true;
  }
  return false;
}

describe('whole-state entries of posts', () => {
  it('a deleted public post: its text reaches no friend added after the deletion, nor stays with its author', async () => {
    const [alice, bob, dave] = await makePeople('alice', 'bob', 'dave');
    await befriend(alice, bob);
    const post = await alice.peer.createPost({
      text: `oops, I live at ${secret}`,
      audience: 'public',
    });
    await handOver(alice, bob, [alice.id]);
    await alice.peer.deletePost(post.postId);
    testClock.advance(1000);
    await befriend(alice, dave);
    await handOver(alice, dave, [alice.id]);
    expect(await dave.peer.post(post)).toBeUndefined();

    // What Dave was given (every entry Alice serves) holds the text nowhere, nor does
    // Alice's own store; Bob, who had it, drops it once the deletion reaches him.
    for (const bytes of await entriesOf(alice, [alice.id]))
      expect(containsText(bytes, secret)).toBe(false);
    for (const bytes of await entriesOf(dave, [alice.id]))
      expect(containsText(bytes, secret)).toBe(false);
    await handOver(alice, bob, [alice.id]);
    for (const bytes of await entriesOf(bob, [alice.id]))
      expect(containsText(bytes, secret)).toBe(false);
  });

  it('a deleted friends-only post: only the tombstone keeps a payload, the earlier entries travel without', async () => {
    const [alice, dave] = await makePeople('alice', 'dave');
    const post = await alice.peer.createPost({ text: `my address: ${secret}` });
    await alice.peer.editPost(post.postId, { text: `address: ${secret} (fixed)` });
    await alice.peer.deletePost(post.postId);
    await befriend(alice, dave);
    await handOver(alice, dave, [alice.id]);
    const docId = docIdOf({ kind: 'post', postId: post.postId });
    const ofPost = (await entriesOf(dave, [alice.id]))
      .map(decodeAnyEntry)
      .filter((e) => e.docId === docId);
    expect(ofPost).toHaveLength(3);
    // Each write covered the one before it (each covers what still held a payload).
    const [created, edited, tombstone] = ofPost.sort((a, b) => a.seq - b.seq);
    expect(ofPost.map((e) => e.payload !== undefined)).toEqual([false, false, true]);
    expect(edited!.covers).toEqual([{ device: created!.device, seq: created!.seq }]);
    expect(tombstone!.covers).toEqual([{ device: edited!.device, seq: edited!.seq }]);
    expect(await dave.peer.post(post)).toBeUndefined();
  });

  it('covered entries held before a friendship: the views are rebuilt from the whole state when it starts', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    const post = await alice.peer.createPost({ text: 'first', audience: 'public' });
    await alice.peer.editPost(post.postId, { text: 'second' });
    // Bob holds Alice's entries, the covered one without its payload, before they are friends.
    await handOver(alice, bob, [alice.id]);
    expect((await entriesOf(bob, [alice.id])).some((b) => !entryHasPayload(b))).toBe(true);
    await befriend(alice, bob);
    expect((await bob.peer.post(post))?.summary).toMatchObject({ text: 'second' });
  });

  it('an edited post rebuilds from its whole-state entry alone, for its author and a new friend', async () => {
    const [alice, carol] = await makePeople('alice', 'carol');
    const post = await alice.peer.createPost({ text: 'first' });
    await alice.peer.editPost(post.postId, { text: 'second' });
    await alice.peer.editPost(post.postId, { text: 'third' });
    const docId = docIdOf({ kind: 'post', postId: post.postId });
    const rebuiltFrom = await alice.store.getDocEntries(alice.id, docId);
    expect(rebuiltFrom).toHaveLength(1);
    expect(entryHasPayload(rebuiltFrom[0]!.bytes)).toBe(true);
    await befriend(alice, carol);
    await handOver(alice, carol, [alice.id]);
    expect(await carol.store.getDocEntries(alice.id, docId)).toHaveLength(1);
    expect((await carol.peer.post(post))?.summary).toMatchObject({ text: 'third' });
    expect((await alice.peer.post(post))?.summary).toMatchObject({ text: 'third' });
  });

  it('a deleted friends-only post’s photos leave its author’s and its friends’ stores; an edit drops the photo it removed', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    const photo = (seed: number) => ({
      image: new Uint8Array(5_000).map((_, i) => (i * seed) & 0xff),
      thumb: new Uint8Array(300).map((_, i) => (i * seed + 1) & 0xff),
      width: 800,
      height: 600,
      mime: 'image/jpeg' as const,
    });
    const post = await alice.peer.createPost({ text: 'two photos', photos: [photo(3), photo(7)] });
    await handOver(alice, bob, [alice.id]);
    const [first, second] = postSummary((await bob.peer.post(post))!).photos;
    const ids = [first!.blob, first!.thumb, second!.blob, second!.thumb];
    for (const id of ids) {
      await bob.peer.blobs.receive(id, (await alice.store.getBlob(id))!);
      expect(await bob.store.hasBlob(id)).toBe(true);
    }

    // An edit keeping only the first photo drops the second, at the author and the friend.
    await alice.peer.editPost(post.postId, { text: 'one photo', photos: [first!] });
    await handOver(alice, bob, [alice.id]);
    for (const person of [alice, bob]) {
      expect(await person.store.hasBlob(first!.blob)).toBe(true);
      expect(await person.store.hasBlob(second!.blob)).toBe(false);
      expect(await person.store.hasBlob(second!.thumb)).toBe(false);
    }
    await alice.peer.deletePost(post.postId);
    await handOver(alice, bob, [alice.id]);
    for (const person of [alice, bob])
      for (const id of ids) expect(await person.store.hasBlob(id)).toBe(false);
    expect((await bob.store.usage()).blobBytes).toBe(0);
  });

  it('a deleted public post’s photos leave its author’s and its friends’ stores, but not one another post or the profile still shows', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    const photo = (seed: number) => ({
      image: new Uint8Array(4_000).map((_, i) => (i * seed) & 0xff),
      thumb: new Uint8Array(200).map((_, i) => (i * seed + 1) & 0xff),
      width: 800,
      height: 600,
      mime: 'image/jpeg' as const,
    });
    // A clear photo is addressed by its bytes: the same picture in two posts and the profile
    // is one blob.
    await alice.peer.setProfile({ name: 'Alice', photo: photo(11) });
    const three = await alice.peer.createPost({
      text: 'three photos',
      audience: 'public',
      photos: [photo(3), photo(7), photo(11)],
    });
    const again = await alice.peer.createPost({
      text: 'the second again',
      audience: 'public',
      photos: [photo(7)],
    });
    await handOver(alice, bob, [alice.id]);
    const [only, shared, avatar] = postSummary((await bob.peer.post(three))!).photos;
    expect(postSummary((await bob.peer.post(again))!).photos[0]!.blob).toBe(shared!.blob);
    const ids = (p: typeof only) => [p!.blob, p!.thumb];
    for (const id of [...ids(only), ...ids(shared), ...ids(avatar)]) {
      if (!(await bob.store.hasBlob(id)))
        await bob.peer.blobs.receive(id, (await alice.store.getBlob(id))!);
    }

    await alice.peer.deletePost(three.postId);
    await handOver(alice, bob, [alice.id]);
    for (const person of [alice, bob]) {
      for (const id of ids(only)) expect(await person.store.hasBlob(id)).toBe(false);
      for (const id of [...ids(shared), ...ids(avatar)])
        expect(await person.store.hasBlob(id)).toBe(true);
    }
    // The last post showing the shared photo goes: so does the photo; the avatar stays.
    await alice.peer.deletePost(again.postId);
    await handOver(alice, bob, [alice.id]);
    for (const person of [alice, bob]) {
      for (const id of ids(shared)) expect(await person.store.hasBlob(id)).toBe(false);
      for (const id of ids(avatar)) expect(await person.store.hasBlob(id)).toBe(true);
    }
  });
});
