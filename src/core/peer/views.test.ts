/**
 * The views hold up against what one entry can do to them: a reply whose row the store refuses
 * does not take the rest of its batch down, and a date in the far future does not pin a post to
 * the top of the timeline.
 */
import { describe, expect, it } from 'vitest';
import { docIdOf } from '../kinds/registry.ts';
import { newPostId } from '../ids.ts';
import { writeNewPost } from '../docs/post-doc.ts';
import { writeComment } from '../docs/small-docs.ts';
import { newDoc } from '../docs/yjs-change.ts';
import { EntryVerifier } from '../feed/entry-verifier.ts';
import { StoreInputError } from '../store/errors.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import type { PostItemView } from '../store/storage-adapter.ts';
import { Ingestor } from '../sync/ingest.ts';
import { MAX_CLOCK_SKEW } from './materializer.ts';
import { Peer } from './peer.ts';
import {
  befriend,
  entriesOf,
  handOver,
  makePeople,
  signOnNewDevice,
  testClock,
} from './test-people.ts';

/** A store whose engine refuses one row: a comment saying "too big" (as a value over a limit). */
class PickyStore extends MemoryStorageAdapter {
  override async putPostItems(items: readonly PostItemView[]): Promise<void> {
    if (items.some((i) => JSON.stringify(i.summary).includes('too big'))) {
      throw new StoreInputError('row too large');
    }
    return super.putPostItems(items);
  }
}

const YEAR_2100 = Date.UTC(2100, 0, 1);
/** An entry's own signed date may lie ahead too, within its device certificate's lifetime. */
const IN_90_DAYS = () => testClock.now() + 90 * 24 * 3600_000;

describe('views', () => {
  it('one reply whose row the store refuses does not abort the other updates of its batch', async () => {
    const [alice0, bob] = await makePeople('alice', 'bob');
    const store = new PickyStore();
    const ingestor = new Ingestor(store, new EntryVerifier());
    const peer = await Peer.open({
      store,
      identity: alice0.identity,
      device: alice0.device,
      pipeline: ingestor,
      clock: testClock,
    });
    const alice = { ...alice0, store, ingestor, peer };
    await befriend(alice, bob);
    const post = await alice.peer.createPost({ text: 'tell me' });
    await handOver(alice, bob, [alice.id]);
    for (const text of ['first', 'this one is too big', 'third']) {
      testClock.advance(1000);
      await bob.peer.comment(post, text);
    }
    testClock.advance(1000);
    await bob.peer.react(post, 'wow');
    await bob.peer.createPost({ text: 'and a post' });
    const errors: unknown[] = [];
    alice.peer.onError((error) => errors.push(error));
    // One batch, as one sync message would bring it.
    await alice.ingestor.ingest(await entriesOf(bob, [bob.id]));
    await alice.peer.settled();
    expect((await alice.peer.replies(post)).map((r) => r.summary)).toEqual([
      { text: 'first' },
      { text: 'third' },
      { value: 'wow' },
    ]);
    const timeline = await alice.peer.timelinePage({ limit: 10 });
    expect(timeline.items.map((i) => (i.summary as { text: string }).text)).toContain('and a post');
    expect(errors).toHaveLength(1);
  });

  it('a post or comment dated in the far future does not stay on top', async () => {
    const [alice, bob, mallory] = await makePeople('alice', 'bob', 'mallory');
    await befriend(alice, bob);
    await befriend(alice, mallory);
    const alicePost = await alice.peer.createPost({ text: 'hello', audience: 'public' });
    await handOver(alice, mallory, [alice.id]);
    const future = await signOnNewDevice(mallory, [
      {
        docId: docIdOf({ kind: 'post', postId: newPostId() }),
        payloadKind: 'yjs-update',
        payload: writeNewPost(newDoc(7), {
          text: 'from the future',
          photos: [],
          audience: 'public',
          createdAt: YEAR_2100,
        }),
        timestamp: IN_90_DAYS(),
      },
      {
        docId: docIdOf({
          kind: 'comment',
          postAuthor: alice.id,
          postId: alicePost.postId,
          commentId: newPostId(),
        }),
        payloadKind: 'yjs-update',
        payload: writeComment(newDoc(8), {
          text: 'last word, forever',
          createdAt: YEAR_2100,
          deleted: false,
        })!,
        timestamp: IN_90_DAYS(),
      },
    ]);
    await alice.ingestor.ingest(future.map((e) => e.bytes));
    await alice.peer.settled();
    testClock.advance(MAX_CLOCK_SKEW + 60_000);
    await bob.peer.createPost({ text: 'written later' });
    await handOver(alice, bob, [alice.id]);
    await bob.peer.comment(alicePost, 'a later comment');
    await handOver(bob, alice, [bob.id]);
    const timeline = await alice.peer.timelinePage({ limit: 10 });
    expect(timeline.items.map((i) => (i.summary as { text: string }).text)).toEqual([
      'written later',
      'from the future',
      'hello',
    ]);
    expect((await alice.peer.replies(alicePost)).map((r) => r.summary)).toEqual([
      { text: 'last word, forever' },
      { text: 'a later comment' },
    ]);
  });
});
