import { describe, expect, it } from 'vitest';
import { flushSync } from 'svelte';
import type { PersonId } from '../../core/ids.ts';
import type { ViewChange } from '../../core/peer/view-change.ts';
import { LiveQuery, type ChangeSource } from './live-query.svelte.ts';
import {
  authorPostsConcerned,
  notificationsConcerned,
  repliesConcerned,
  timelineConcerned,
} from './query-concerns.ts';

/** A change source the test fires by hand. */
class ChangesByHand implements ChangeSource {
  private readonly listeners = new Set<(change: ViewChange) => void>();
  onChange(listener: (change: ViewChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  fire(change: ViewChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

const alice = 'alice' as PersonId;
const bob = 'bob' as PersonId;
const post = (author: PersonId): ViewChange => ({
  cause: 'entries',
  docs: [{ author, kind: 'post' }],
});
const profile = (author: PersonId): ViewChange => ({
  cause: 'entries',
  docs: [{ author, kind: 'profile' }],
});

/** A query counting its reads, started inside an effect root as a component would. */
function counting<T>(
  source: ChangeSource,
  concerns: (c: ViewChange) => boolean,
  answer: () => Promise<T>,
) {
  let reads = 0;
  const query = new LiveQuery<T>(source, {
    concerns,
    read: () => {
      reads++;
      return answer();
    },
  });
  const stop = $effect.root(() => {
    $effect(() => query.start());
  });
  flushSync();
  return { query, reads: () => reads, stop };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('a screen query', () => {
  it('reads once on start, and shows loading until the answer', async () => {
    const source = new ChangesByHand();
    const { query, reads, stop } = counting(source, timelineConcerned, async () => ['p1']);
    expect(query.loading).toBe(true);
    await settle();
    expect(query.current).toEqual(['p1']);
    expect(query.loading).toBe(false);
    expect(reads()).toBe(1);
    stop();
  });

  it('reads again only for changes that concern it', async () => {
    const source = new ChangesByHand();
    const timeline = counting(source, timelineConcerned, async () => 't');
    const bobsPosts = counting(source, authorPostsConcerned(bob), async () => 'b');
    const notifications = counting(source, notificationsConcerned, async () => 'n');
    await settle();
    source.fire(profile(alice));
    await settle();
    expect([timeline.reads(), bobsPosts.reads(), notifications.reads()]).toEqual([1, 1, 1]);
    source.fire(post(alice));
    await settle();
    // Alice's post is on the timeline and may mention someone, but is not one of Bob's posts.
    expect([timeline.reads(), bobsPosts.reads(), notifications.reads()]).toEqual([2, 1, 2]);
    source.fire({ cause: 'blob' });
    await settle();
    expect([timeline.reads(), bobsPosts.reads(), notifications.reads()]).toEqual([2, 1, 2]);
    // A message notifies (the Notifications count went stale on one), but is on no timeline.
    source.fire({ cause: 'entries', docs: [{ author: alice, kind: 'message' }] });
    await settle();
    expect([timeline.reads(), bobsPosts.reads(), notifications.reads()]).toEqual([2, 1, 3]);
    for (const q of [timeline, bobsPosts, notifications]) q.stop();
  });

  it("a post's replies read again when its author hides a comment (in the post's own doc)", async () => {
    const source = new ChangesByHand();
    const replies = counting(source, repliesConcerned(bob), async () => []);
    await settle();
    source.fire(post(alice));
    await settle();
    expect(replies.reads()).toBe(1);
    source.fire(post(bob));
    await settle();
    expect(replies.reads()).toBe(2);
    replies.stop();
  });

  it('a burst of changes during a read makes one more read, not one per change', async () => {
    const source = new ChangesByHand();
    let release: () => void = () => undefined;
    let answer = 0;
    const { query, reads, stop } = counting(
      source,
      timelineConcerned,
      () => new Promise<number>((resolve) => (release = () => resolve(++answer))),
    );
    await settle();
    for (let i = 0; i < 100; i++) source.fire(post(alice));
    release();
    await settle();
    release();
    await settle();
    expect(reads()).toBe(2);
    expect(query.current).toBe(2);
    stop();
  });

  it('says why a read failed, keeps the last answer, and clears the error once a read works', async () => {
    const source = new ChangesByHand();
    let fail = false;
    const { query, stop } = counting(source, timelineConcerned, async () => {
      if (fail) throw new Error('disk gone');
      return 'ok';
    });
    await settle();
    fail = true;
    source.fire(post(alice));
    await settle();
    expect(query.error).toMatch(/\S/);
    expect(query.current).toBe('ok');
    expect(query.loading).toBe(false);
    fail = false;
    await query.refresh();
    expect(query.error).toBeNull();
    stop();
  });

  it('stops reading when its screen closes', async () => {
    const source = new ChangesByHand();
    const { reads, stop } = counting(source, timelineConcerned, async () => 'x');
    await settle();
    stop();
    source.fire(post(alice));
    await settle();
    expect(reads()).toBe(1);
  });

  it('keeps the shown value when the fresh one is the same', async () => {
    const source = new ChangesByHand();
    const query = new LiveQuery<{ n: number }>(source, {
      concerns: timelineConcerned,
      read: async () => ({ n: 1 }),
      keep: (previous, fresh) => (previous.n === fresh.n ? previous : fresh),
    });
    const stop = $effect.root(() => {
      $effect(() => query.start());
    });
    flushSync();
    await settle();
    const first = query.current;
    source.fire(post(alice));
    await settle();
    expect(query.current).toBe(first);
    stop();
  });
});
