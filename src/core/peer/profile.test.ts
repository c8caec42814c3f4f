import { describe, expect, it } from 'vitest';
import { docIdOf } from '../kinds/registry.ts';
import { newDoc } from '../docs/yjs-change.ts';
import * as Y from 'yjs';
import { signEntry } from '../feed/entry-verifier.ts';
import { startNewDevice } from '../identity/device-setup.ts';
import { DocContentError } from '../docs/small-docs.ts';
import type { NewPhoto } from './peer.ts';
import { befriend, handOver, makePeople, makePerson, testClock } from './test-people.ts';

function picture(seed: number, width: number, height: number): NewPhoto {
  return {
    image: new Uint8Array(5_000).map((_, i) => (i * seed) & 0xff),
    thumb: new Uint8Array(400).map((_, i) => (i * seed + 1) & 0xff),
    width,
    height,
    mime: 'image/jpeg',
  };
}

describe('profile photo and cover', () => {
  it('sets, replaces and removes them on one’s own device', async () => {
    const alice = await makePerson('alice');
    const photo = picture(3, 512, 512);
    const cover = picture(5, 1600, 600);
    await alice.peer.setProfile({ name: 'Alice', bio: 'gardener', photo, cover });
    const profile = await alice.peer.profile(alice.id);
    expect(profile).toMatchObject({ name: 'Alice', bio: 'gardener' });
    expect(profile?.avatar).toMatchObject({ width: 512, height: 512, mime: 'image/jpeg' });
    expect(await alice.peer.profilePicture(alice.id, 'avatar', 'image')).toEqual(photo.image);
    expect(await alice.peer.profilePicture(alice.id, 'avatar', 'thumb')).toEqual(photo.thumb);
    expect(await alice.peer.profilePicture(alice.id, 'cover', 'image')).toEqual(cover.image);

    const other = picture(7, 400, 512);
    await alice.peer.setProfile({ photo: other });
    expect(await alice.peer.profilePicture(alice.id, 'avatar', 'image')).toEqual(other.image);
    expect((await alice.peer.profile(alice.id))?.name).toBe('Alice');

    await alice.peer.setProfile({ photo: null, cover: null });
    expect(await alice.peer.profile(alice.id)).toEqual({
      name: 'Alice',
      bio: 'gardener',
      avatar: null,
      cover: null,
    });
    expect(await alice.peer.profilePicture(alice.id, 'avatar', 'image')).toBeNull();
    expect(alice.peer.blobs.wanted()).toEqual([]);
  });

  it('a friend sees them after sync: the pictures are fetched at once, as for any blob', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    const photo = picture(3, 512, 512);
    const cover = picture(5, 1600, 600);
    await alice.peer.setProfile({ name: 'Alice', photo, cover });
    await handOver(alice, bob);
    const seen = await bob.peer.profile(alice.id);
    expect(seen).toEqual(await alice.peer.profile(alice.id));
    // A friend's pictures are wanted as soon as the profile arrives, before anything shows them.
    expect(bob.peer.blobs.wanted().sort()).toEqual(
      [seen!.avatar!.thumb, seen!.avatar!.blob, seen!.cover!.blob].sort(),
    );
    for (const id of bob.peer.blobs.wanted()) {
      await bob.peer.blobs.receive(id, (await alice.store.getBlob(id))!);
    }
    expect(await bob.peer.profilePicture(alice.id, 'avatar', 'image')).toEqual(photo.image);
    expect(await bob.peer.profilePicture(alice.id, 'cover', 'image')).toEqual(cover.image);
    // The cover's thumbnail was not prefetched; asking for it wants it.
    expect(await bob.peer.profilePicture(alice.id, 'cover', 'thumb')).toBeNull();
    expect(bob.peer.blobs.wanted()).toEqual([seen!.cover!.thumb]);

    testClock.advance(1_000);
    await alice.peer.setProfile({ cover: null });
    await handOver(alice, bob);
    expect((await bob.peer.profile(alice.id))?.cover).toBeNull();
    expect(await bob.peer.profilePicture(alice.id, 'cover', 'image')).toBeNull();
  });

  it('refuses a malformed change before signing anything', async () => {
    const alice = await makePerson('alice');
    await alice.peer.setProfile({ name: 'Alice' });
    const before = await alice.store.listLogs();
    const bad = { ...picture(3, 512, 512), width: 0 };
    await expect(alice.peer.setProfile({ photo: bad })).rejects.toBeInstanceOf(DocContentError);
    await expect(alice.peer.setProfile({ name: '' })).rejects.toThrow(/a name has 1 to 80/);
    expect(await alice.store.listLogs()).toEqual(before);
  });

  it('shows a hostile profile without its malformed pictures, and wants no bad blob id', async () => {
    const [alice, mallory] = await makePeople('alice', 'mallory');
    await befriend(alice, mallory);
    const doc = newDoc(777);
    const map = doc.getMap('profile');
    map.set('name', 'Mallory');
    // Well-formed as a reference, but its ids name no blob; and a cover that is no reference.
    map.set('avatar', {
      blob: '!'.repeat(43),
      thumb: '?'.repeat(43),
      width: 10,
      height: 10,
      mime: 'image/png',
      bytes: 10,
    });
    map.set('cover', 'https://tracker.example/pixel.png');
    const device = await startNewDevice(mallory.identity, { clock: testClock });
    const entry = await signEntry(device, {
      seq: 1,
      prev: undefined,
      timestamp: testClock.now(),
      docId: docIdOf({ kind: 'profile' }),
      payloadKind: 'yjs-update',
      payload: Y.encodeStateAsUpdate(doc),
    });
    const report = await alice.ingestor.ingest([entry.bytes]);
    expect(report.accepted).toHaveLength(1);
    await alice.peer.settled();
    const seen = await alice.peer.profile(mallory.id);
    expect(seen?.name).toBe('Mallory');
    expect(seen?.cover).toBeNull();
    expect(alice.peer.blobs.wanted()).toEqual([]);
    expect(await alice.peer.profilePicture(mallory.id, 'avatar', 'thumb')).toBeNull();
    expect(alice.peer.blobs.wanted()).toEqual([]);
  });
});
