/**
 * Nothing lost between two transactions: a page that closes (or crashes) after storing received
 * entries and before writing their views finds them on the screens when it opens again. Sync
 * would never send them again (they are held), so without the views owed they stayed stored and
 * unseen (a chaos run showed a friend's post, comment and reaction missing for good).
 */
import { describe, expect, it } from 'vitest';
import type { StoredEntry } from '../store/storage-adapter.ts';
import type { ViewChange } from './view-change.ts';
import type { Peer } from './peer.ts';
import {
  befriend,
  entriesOf,
  handOver,
  makePeople,
  reopen,
  testClock,
  type TestPerson,
} from './test-people.ts';

async function texts(peer: Peer): Promise<string[]> {
  const page = await peer.timelinePage({ limit: 50 });
  return page.items.map((i) => (i.summary as { text: string }).text);
}

/** Every entry `person` holds, as stored. */
async function storedOf(person: TestPerson): Promise<StoredEntry[]> {
  const out: StoredEntry[] = [];
  for (const log of await person.store.listLogs()) {
    for (const range of log.ranges) {
      out.push(...(await person.store.getEntries(log.author, log.device, range.start, range.end)));
    }
  }
  return out;
}

describe('views owed to stored entries', () => {
  it('are written when the peer opens again, for posts, comments and reactions alike', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    testClock.advance(1000);
    const first = await alice.peer.createPost({ text: 'seen at once', audience: 'friends' });
    await handOver(alice, bob, [alice.id]);
    expect(await texts(bob.peer)).toEqual(['seen at once']);

    // Bob's page goes away between storing what arrives and writing its views.
    bob.peer.close();
    testClock.advance(1000);
    await alice.peer.createPost({ text: 'stored, not yet shown', audience: 'friends' });
    await alice.peer.comment(first, 'a comment of hers');
    await alice.peer.react(first, 'love');
    const report = await bob.ingestor.ingest(await entriesOf(alice, [alice.id]));
    expect(report.rejected).toEqual([]);
    expect(await bob.store.owedEntries(100)).not.toEqual([]);
    expect(await texts(bob.peer)).toEqual(['seen at once']);

    const changes: ViewChange[] = [];
    const again = await reopen(bob);
    again.onChange((change) => changes.push(change));
    await again.settled();
    expect(await texts(again)).toEqual(['stored, not yet shown', 'seen at once']);
    const items = await again.replies(first);
    expect(items.map((i) => i.kind).sort()).toEqual(['comment', 'reaction']);
    expect(changes).not.toEqual([]);
    expect(await bob.store.owedEntries(100)).toEqual([]);
    again.close();
  });

  it('keep an entry waiting for its key across a reload, so the key shows it when it comes', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    testClock.advance(1000);
    await alice.peer.createPost({
      text: 'sealed to an epoch Bob has not got yet',
      audience: 'friends',
    });
    const held = await storedOf(alice);
    const isKey = (e: StoredEntry) => e.docId.startsWith('epoch/');
    expect(held.filter(isKey)).not.toEqual([]);

    // Recent-first sync brings the post before the key record that opens it; the page closes.
    await bob.ingestor.ingest(held.filter((e) => !isKey(e)).map((e) => e.bytes));
    await bob.peer.settled();
    expect(await texts(bob.peer)).toEqual([]);
    bob.peer.close();

    const again = await reopen(bob);
    await again.settled();
    await bob.ingestor.ingest(held.filter(isKey).map((e) => e.bytes));
    await again.settled();
    expect(await texts(again)).toEqual(['sealed to an epoch Bob has not got yet']);
    expect(await bob.store.owedEntries(100)).toEqual([]);
    again.close();
  });

  it('are none once the views are written, so opening again rewrites nothing', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    testClock.advance(1000);
    await alice.peer.createPost({ text: 'one', audience: 'public' });
    await handOver(alice, bob, [alice.id]);
    expect(await bob.store.owedEntries(100)).toEqual([]);
    expect(await alice.store.owedEntries(100)).toEqual([]);
  });
});
