/**
 * Audiences as key sets (issue 28): a post for a list opens for its members only, a friend
 * outside holds its ciphertext and nothing else, a change of the list affects later posts only,
 * and a tampered list record or list post opens to nothing.
 */
import { describe, expect, it } from 'vitest';
import { decodeEntry } from '../feed/entry-codec.ts';
import { listAudience } from '../docs/audience.ts';
import { docIdOf } from '../kinds/registry.ts';
import type { PostId } from '../ids.ts';
import { ListError } from './audiences.ts';
import { randomBytes } from '../bytes.ts';
import { newListId } from '../docs/audience.ts';
import {
  befriend,
  entriesOf,
  handOver,
  holdsPlaintext,
  makePeople,
  secondDevice,
  signOnNewDevice,
  testClock,
} from './test-people.ts';
import { Peer } from './peer.ts';

async function threeFriends() {
  const [alice, bob, carol] = await makePeople('Alice', 'Bob', 'Carol');
  await befriend(alice, bob);
  await befriend(alice, carol);
  return { alice, bob, carol };
}

describe('a post for a list', () => {
  it('is read by a member and not by a friend outside, who holds its ciphertext', async () => {
    const { alice, bob, carol } = await threeFriends();
    const close = await alice.peer.lists.create('Close friends', [bob.id]);
    const { postId } = await alice.peer.createPost({
      text: 'only for the close ones',
      audience: listAudience(close),
    });
    await handOver(alice, bob);
    await handOver(alice, carol);

    expect((await bob.peer.post({ author: alice.id, postId }))?.summary).toMatchObject({
      text: 'only for the close ones',
    });
    expect(await carol.peer.post({ author: alice.id, postId })).toBeUndefined();
    const held = (await carol.store.getDocEntries(alice.id, docIdOf({ kind: 'post', postId })))
      .length;
    expect(held).toBe(1);
    expect(await holdsPlaintext(carol, 'only for the close ones')).toBe(false);
    // The payload names neither the list nor an epoch: Carol cannot tell who it is for.
    const [stored] = await carol.store.getDocEntries(alice.id, docIdOf({ kind: 'post', postId }));
    const entry = decodeEntry(stored!.bytes);
    expect(entry.payload[0]).toBe(3);
    expect(entry.payload[1]).toBe(0);
  });

  it('comments and reactions on it open for members only', async () => {
    const { alice, bob, carol } = await threeFriends();
    const [dan] = await makePeople('Dan');
    await befriend(alice, dan);
    const close = await alice.peer.lists.create('Close friends', [bob.id, dan.id]);
    const post = await alice.peer.createPost({ text: 'list post', audience: listAudience(close) });
    await handOver(alice, bob);
    await bob.peer.comment({ author: alice.id, postId: post.postId }, 'a member answers');
    await handOver(bob, alice);
    await handOver(alice, dan);
    await handOver(alice, carol);
    const items = await dan.peer.replies({ author: alice.id, postId: post.postId });
    expect(items.map((i) => (i.summary as { text?: string }).text)).toContain('a member answers');
    expect(await holdsPlaintext(carol, 'a member answers')).toBe(false);
    // Carol holds no key of the post: she cannot write a reply readers would take.
    await expect(
      carol.peer.comment({ author: alice.id, postId: post.postId }, 'let me in'),
    ).rejects.toThrow();
  });

  it('a change of the list affects later posts only', async () => {
    const { alice, bob, carol } = await threeFriends();
    const close = await alice.peer.lists.create('Close friends', [bob.id]);
    const before = await alice.peer.createPost({ text: 'before', audience: listAudience(close) });
    await alice.peer.lists.update(close, { members: [carol.id] });
    const after = await alice.peer.createPost({ text: 'after', audience: listAudience(close) });
    // An edit of the old post keeps its first key: Carol, added since, still cannot open it.
    await alice.peer.editPost(before.postId, { text: 'before, edited' });
    await handOver(alice, bob);
    await handOver(alice, carol);
    expect(await bob.peer.post({ author: alice.id, postId: before.postId })).toBeDefined();
    expect(await bob.peer.post({ author: alice.id, postId: after.postId })).toBeUndefined();
    expect(await carol.peer.post({ author: alice.id, postId: before.postId })).toBeUndefined();
    expect(await carol.peer.post({ author: alice.id, postId: after.postId })).toBeDefined();
  });

  it('a friend removed leaves every list: the next list post is not for them', async () => {
    const { alice, bob, carol } = await threeFriends();
    const close = await alice.peer.lists.create('Close friends', [bob.id, carol.id]);
    await alice.peer.removeFriend(bob.id);
    expect((await alice.peer.lists.all())[0]?.members).toEqual([carol.id]);
    const { postId } = await alice.peer.createPost({
      text: 'after the removal',
      audience: listAudience(close),
    });
    await handOver(alice, bob);
    await handOver(alice, carol);
    expect(await bob.peer.post({ author: alice.id, postId })).toBeUndefined();
    expect(await carol.peer.post({ author: alice.id, postId })).toBeDefined();
  });

  it('holds friends only, and refuses a post for a list this device does not keep', async () => {
    const { alice } = await threeFriends();
    const [stranger] = await makePeople('Stranger');
    await expect(alice.peer.lists.create('Close friends', [stranger.id])).rejects.toThrow(
      ListError,
    );
    await expect(alice.peer.lists.create(' ', [])).rejects.toThrow(ListError);
    await expect(
      alice.peer.createPost({
        text: 'x',
        audience: listAudience('AAAAAAAAAAAAAAAAAAAAAA' as never),
      }),
    ).rejects.toThrow(ListError);
  });

  it('a tampered list record or list post opens to nothing, and leaves the rest readable', async () => {
    const { alice, bob } = await threeFriends();
    const close = await alice.peer.lists.create('Close friends', [bob.id]);
    const { postId } = await alice.peer.createPost({
      text: 'the real one',
      audience: listAudience(close),
    });
    const real = await entriesOf(alice);
    const record = (
      await alice.store.getDocEntries(alice.id, docIdOf({ kind: 'list', list: close, epoch: 0 }))
    )[0]!;
    const post = (await alice.store.getDocEntries(alice.id, docIdOf({ kind: 'post', postId })))[0]!;
    const badRecord = decodeEntry(record.bytes).payload.slice();
    // Its salt (after version, set name and epoch): no hint in it is Bob's any more.
    badRecord[2 + `list:${close}`.length + 1]! ^= 1;
    const badPost = decodeEntry(post.bytes).payload.slice();
    badPost[badPost.length - 1]! ^= 1;
    const otherPost = 'AAAAAAAAAAAAAAAAAAAAAB' as PostId;
    // Signed by Alice's identity on another device: what a buggy or hostile client of hers sends.
    const forged = await signOnNewDevice(alice, [
      {
        docId: docIdOf({ kind: 'list', list: close, epoch: 0 }),
        payloadKind: 'key-record',
        payload: badRecord,
      },
      {
        docId: docIdOf({ kind: 'post', postId: otherPost }),
        payloadKind: 'encrypted',
        payload: badPost,
      },
    ]);
    await bob.ingestor.ingest(forged.map((e) => e.bytes));
    await bob.peer.settled();
    expect(await bob.peer.post({ author: alice.id, postId: otherPost })).toBeUndefined();
    await bob.ingestor.ingest(real);
    await bob.peer.settled();
    expect((await bob.peer.post({ author: alice.id, postId }))?.summary).toMatchObject({
      text: 'the real one',
    });
    expect(await bob.peer.post({ author: alice.id, postId: otherPost })).toBeUndefined();
  });
});

describe('lists on every device of the person', () => {
  it('a list made on Alice’s laptop is on her phone, which changes it and posts to it; the members read, a friend holding her log reads no list', async () => {
    const { alice, bob, carol } = await threeFriends();
    const phone = await secondDevice(alice, 'Alice’s phone');
    const close = await alice.peer.lists.create('Close friends', [bob.id]);
    await handOver(alice, phone, [alice.id]);
    expect(await phone.peer.lists.all()).toEqual([
      { id: close, name: 'Close friends', members: [bob.id] },
    ]);

    await phone.peer.lists.update(close, { name: 'Closest', members: [bob.id, carol.id] });
    const { postId } = await phone.peer.createPost({
      text: 'from the phone, for the closest',
      audience: listAudience(close),
    });
    await handOver(phone, alice, [alice.id]);
    expect(await alice.peer.lists.all()).toEqual([
      { id: close, name: 'Closest', members: [bob.id, carol.id] },
    ]);
    for (const member of [bob, carol]) {
      await handOver(phone, member, [alice.id]);
      expect((await member.peer.post({ author: alice.id, postId }))?.summary).toMatchObject({
        text: 'from the phone, for the closest',
      });
      expect(await holdsPlaintext(member, 'Closest')).toBe(false);
    }
  });

  it('lists kept in one device’s settings before the list book move into it, and reach the other devices', async () => {
    const { alice: before, bob } = await threeFriends();
    const id = newListId();
    const old = { id, name: 'Old list', members: [bob.id], epoch: 0, key: randomBytes(32) };
    await before.store.setSetting('lists/own', [old]);
    before.peer.close();
    const alice = {
      ...before,
      peer: await Peer.open({
        store: before.store,
        identity: before.identity,
        device: before.device,
        pipeline: before.ingestor,
        clock: testClock,
      }),
    };
    expect(await alice.peer.lists.all()).toEqual([{ id, name: 'Old list', members: [bob.id] }]);
    expect(await alice.store.getSetting('lists/own')).toBeNull();
    await alice.peer.settled();
    const phone = await secondDevice(alice, 'Alice’s phone');
    await handOver(alice, phone, [alice.id]);
    expect(await phone.peer.lists.all()).toEqual([{ id, name: 'Old list', members: [bob.id] }]);
  });
});
