import { describe, expect, it, vi } from 'vitest';
import { randomBytes, toBase64Url } from '../bytes.ts';
import { EntryVerifier } from '../feed/entry-verifier.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import type { StoredEntry } from '../store/storage-adapter.ts';
import { Ingestor } from '../sync/ingest.ts';
import { BlockList } from '../peer/blocking.ts';
import { postSummary } from '../kinds/post.ts';
import {
  befriend,
  entriesOf,
  handOver,
  makePeople,
  makePerson,
  reopen,
} from '../peer/test-people.ts';
import { holdLeadership, type LockManagerLike, type LockOptions } from './leader.ts';
import {
  FROM_ANOTHER_TAB,
  linkBlockLists,
  linkTabs,
  linkWantedBlobs,
  MAX_TAB_BLOB_IDS,
} from './tab-link.ts';

/**
 * Web Locks' exclusive mode, as the browser implements it for one profile: requests are granted
 * in order, one holder at a time, and a waiting request can be aborted.
 */
class ProfileLocks implements LockManagerLike {
  private tail = new Map<string, Promise<unknown>>();
  /** Requests of each name held or waiting. */
  private busy = new Map<string, number>();
  request(
    name: string,
    options: LockOptions,
    callback: (lock: unknown) => Promise<unknown>,
  ): Promise<unknown> {
    // `ifAvailable`: granted at once if nobody holds or waits for it, else called with null.
    if (options.ifAvailable && (this.busy.get(name) ?? 0) > 0) return callback(null);
    this.busy.set(name, (this.busy.get(name) ?? 0) + 1);
    const before = this.tail.get(name) ?? Promise.resolve();
    return new Promise((resolve, reject) => {
      let granted = false;
      // A request still waiting is dropped at once when aborted; a held lock is not.
      options.signal?.addEventListener('abort', () => {
        if (!granted) reject(new DOMException('aborted', 'AbortError'));
      });
      const run = before.then(async () => {
        if (options.signal?.aborted) return undefined;
        granted = true;
        return callback({ name });
      });
      run.then(resolve, reject);
      const done = run.catch(() => undefined);
      this.tail.set(
        name,
        done.then(() => void this.busy.set(name, this.busy.get(name)! - 1)),
      );
    });
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('the network role', () => {
  it('one tab leads; when it stops, the next waiting tab takes over', async () => {
    const locks = new ProfileLocks();
    const events: string[] = [];
    const tab = (name: string) =>
      holdLeadership(locks, 'kith-network', async () => {
        events.push(`${name} starts`);
        return async () => void events.push(`${name} stops`);
      });
    const first = tab('first');
    const second = tab('second');
    await first.leading;
    await tick();
    expect(events).toEqual(['first starts']);
    await first.stop();
    await second.leading;
    expect(events).toEqual(['first starts', 'first stops', 'second starts']);
    await second.stop();
  });

  it('a tab learns at once that another leads, and says so until it leads itself', async () => {
    const locks = new ProfileLocks();
    const events: string[] = [];
    const tab = (name: string) =>
      holdLeadership(
        locks,
        'kith-network',
        async () => {
          events.push(`${name} starts`);
          return async () => void events.push(`${name} stops`);
        },
        () => events.push(`${name} follows`),
      );
    const first = tab('first');
    await first.leading;
    const second = tab('second');
    await tick();
    expect(events).toEqual(['first starts', 'second follows']);
    await first.stop();
    await second.leading;
    expect(events).toEqual(['first starts', 'second follows', 'first stops', 'second starts']);
    await second.stop();
  });

  it('a tab that stops while its network starts stops that network, and lets the next lead', async () => {
    const locks = new ProfileLocks();
    const events: string[] = [];
    let finishStart!: () => void;
    const starting = new Promise<void>((resolve) => (finishStart = resolve));
    const first = holdLeadership(locks, 'kith-network', async () => {
      events.push('first starts');
      await starting;
      return async () => void events.push('first stops');
    });
    await tick();
    const stopped = first.stop();
    finishStart();
    await stopped;
    expect(events).toEqual(['first starts', 'first stops']);
    const second = holdLeadership(locks, 'kith-network', async () => {
      events.push('second starts');
      return async () => void events.push('second stops');
    });
    await second.leading;
    expect(events).toEqual(['first starts', 'first stops', 'second starts']);
    await second.stop();
  });

  it('a tab that stops while waiting never starts', async () => {
    const locks = new ProfileLocks();
    let started = 0;
    const leader = holdLeadership(locks, 'n', async () => {
      started++;
      return async () => {};
    });
    const waiting = holdLeadership(locks, 'n', async () => {
      started++;
      return async () => {};
    });
    await leader.leading;
    await waiting.stop();
    await leader.stop();
    await tick();
    expect(started).toBe(1);
  });
});

describe('tab links', () => {
  it('entries stored by one tab are announced in the other, and not echoed back', async () => {
    const alice = await makePerson('alice');
    const store = new MemoryStorageAdapter();
    const tabA = new Ingestor(store, new EntryVerifier());
    const tabB = new Ingestor(store, new EntryVerifier());
    const seenA: StoredEntry[] = [];
    const seenB: { entries: readonly StoredEntry[]; origin: unknown }[] = [];
    tabA.onStored((entries) => seenA.push(...entries));
    tabB.onStored((entries, origin) => seenB.push({ entries, origin }));
    const unlinkA = linkTabs(tabA, new BroadcastChannel('kith-test-tabs'));
    const unlinkB = linkTabs(tabB, new BroadcastChannel('kith-test-tabs'));
    await alice.peer.createPost({ text: 'from tab A', audience: 'public' });
    const [log] = await alice.store.listLogs();
    const bytes = (await alice.store.getEntries(log!.author, log!.device, 1, 100)).map(
      (e) => e.bytes,
    );
    const report = await tabA.ingest(bytes);
    expect(report.accepted.length).toBe(bytes.length);
    await tick();
    expect(seenB).toHaveLength(1);
    expect(seenB[0]!.origin).toBe(FROM_ANOTHER_TAB);
    expect(seenB[0]!.entries.map((e) => e.bytes)).toEqual(bytes);
    expect(seenA).toHaveLength(bytes.length);
    unlinkA();
    unlinkB();
  });

  it('ignores malformed messages', async () => {
    const store = new MemoryStorageAdapter();
    const tab = new Ingestor(store, new EntryVerifier());
    let announced = 0;
    tab.onStored(() => announced++);
    const unlink = linkTabs(tab, new BroadcastChannel('kith-test-bad'));
    const other = new BroadcastChannel('kith-test-bad');
    other.postMessage({ kind: 'stored', entries: ['not bytes'] });
    other.postMessage({ kind: 'stored', entries: [new Uint8Array([1, 2, 3])] });
    other.postMessage('nonsense');
    await tick();
    expect(announced).toBe(0);
    other.close();
    unlink();
  });
});

describe('block lists across tabs', () => {
  it('a block made in one tab is refused at once by the tab holding the network, and an unblock too', async () => {
    const [carol] = await makePeople('carol');
    const store = new MemoryStorageAdapter();
    const listA = await BlockList.load(store);
    const listB = await BlockList.load(store);
    const network = new Ingestor(store, new EntryVerifier());
    network.refuseAuthors((author) => listB.has(author));
    const unlinkA = linkBlockLists(listA, new BroadcastChannel('kith-test-blocks'));
    const unlinkB = linkBlockLists(listB, new BroadcastChannel('kith-test-blocks'));

    await listA.set(carol.id, true);
    await vi.waitFor(() => expect(listB.has(carol.id)).toBe(true), { timeout: 5_000 });
    await carol.peer.createPost({ text: 'from a blocked person', audience: 'public' });
    const report = await network.ingest(await entriesOf(carol));
    expect(report.accepted).toEqual([]);
    expect(report.rejected.length).toBeGreaterThan(0);

    await listA.set(carol.id, false);
    await vi.waitFor(() => expect(listB.has(carol.id)).toBe(false), { timeout: 5_000 });
    expect((await network.ingest(await entriesOf(carol))).accepted.length).toBeGreaterThan(0);
    expect(listA.all()).toEqual(listB.all());
    unlinkA();
    unlinkB();
  });
});

/** Bob's friends-only post with one photo, held by his friend Alice (not its photo). */
async function bobsPhotoPost() {
  const [alice, bob] = await makePeople('alice', 'bob');
  await befriend(alice, bob);
  const post = await bob.peer.createPost({
    text: 'a photo',
    photos: [
      {
        image: new Uint8Array(2_000).fill(3),
        thumb: new Uint8Array(200).fill(4),
        width: 4,
        height: 3,
        mime: 'image/jpeg',
      },
    ],
  });
  await handOver(bob, alice, [bob.id]);
  const [photo] = postSummary((await alice.peer.post(post))!).photos;
  return { alice, bob, post, photo: photo! };
}

/**
 * Two tabs of Alice linked on `channel`, holding Bob's photo post: the first holds the network
 * (what it is asked to fetch is kept), the second only shows (its view changes are kept).
 */
async function twoTabs(channel: string) {
  const held = await bobsPhotoPost();
  const leader = held.alice.peer;
  const follower = await reopen(held.alice);
  const asked: string[] = [];
  leader.blobs.onWant((id) => asked.push(id));
  const links = [leader, follower].map((tab) =>
    linkWantedBlobs(tab.blobs, new BroadcastChannel(channel)),
  );
  const followerChanges: string[] = [];
  follower.onChange((change) => followerChanges.push(change.cause));
  return { ...held, leader, follower, asked, followerChanges, links };
}

describe('photos wanted across tabs', () => {
  it('a photo shown only in a tab that follows is fetched by the tab holding the network, and shows once stored', async () => {
    const { alice, bob, post, photo, leader, follower, asked, followerChanges, links } =
      await twoTabs('kith-test-blobs');
    const thumb = photo.thumb;

    expect(await follower.photo(post, photo, 'thumb')).toBeNull();
    await vi.waitFor(() => expect(asked).toEqual([thumb]), { timeout: 5_000 });
    expect(leader.blobs.wanted()).toEqual([thumb]);

    // The network brings it to the leading tab; the following tab shows it.
    await leader.blobs.receive(thumb, (await bob.store.getBlob(thumb))!);
    await vi.waitFor(() => expect(followerChanges).toContain('blob'), { timeout: 5_000 });
    expect(follower.blobs.wanted()).toEqual([]);
    expect(await follower.photo(post, photo, 'thumb')).toEqual(new Uint8Array(200).fill(4));

    // A tab opened later hears what the others still want (it may hold the network next).
    expect(await follower.photo(post, photo, 'image')).toBeNull();
    const later = await reopen(alice);
    const laterAsked: string[] = [];
    later.blobs.onWant((id) => laterAsked.push(id));
    links.push(linkWantedBlobs(later.blobs, new BroadcastChannel('kith-test-blobs')));
    await vi.waitFor(() => expect(laterAsked).toEqual([photo.blob]), { timeout: 5_000 });
    for (const unlink of links) unlink();
  });

  it('a tab that wants a photo stored meanwhile (between its look and its want) hears so at once', async () => {
    const { alice, bob, photo, follower, asked, followerChanges, links } =
      await twoTabs('kith-test-blobs-race');
    // The leading tab stores it just after the following one looked and found nothing.
    await alice.store.putBlob(photo.thumb, (await bob.store.getBlob(photo.thumb))!);
    follower.blobs.want(photo.thumb);
    await vi.waitFor(() => expect(followerChanges).toContain('blob'), { timeout: 5_000 });
    expect(follower.blobs.wanted()).toEqual([]);
    expect(asked).toEqual([]);
    for (const unlink of links) unlink();
  });

  it('ignores malformed messages and ids that name no blob', async () => {
    const alice = await makePerson('alice');
    const asked: string[] = [];
    alice.peer.blobs.onWant((id) => asked.push(id));
    const unlink = linkWantedBlobs(alice.peer.blobs, new BroadcastChannel('kith-test-blobs-bad'));
    const other = new BroadcastChannel('kith-test-blobs-bad');
    const blobLike = toBase64Url(randomBytes(32));
    other.postMessage({ kind: 'want', ids: ['not a blob id', 7] });
    other.postMessage({
      kind: 'want',
      ids: Array.from({ length: MAX_TAB_BLOB_IDS + 1 }, () => blobLike),
    });
    other.postMessage({ kind: 'want', ids: 'nonsense' });
    other.postMessage({ kind: 'held', ids: [{}] });
    other.postMessage('nonsense');
    await tick();
    expect(asked).toEqual([]);
    expect(alice.peer.blobs.wanted()).toEqual([]);
    other.close();
    unlink();
  });
});
