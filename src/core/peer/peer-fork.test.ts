/**
 * A device that signs two histories: once the fork is seen, nothing its log says at or past the
 * fork shows, and the peer can say which logs forked (for "<name>'s device signed two different
 * histories").
 */
import { describe, expect, it } from 'vitest';
import { parseDocId } from '../ids.ts';
import { signEntry } from '../feed/entry-verifier.ts';
import { befriend, handOver, makePeople, testClock, type TestPerson } from './test-people.ts';

async function timelineTexts(p: TestPerson): Promise<string[]> {
  const page = await p.peer.timelinePage({ limit: 50 });
  return page.items.map((v) => (v.summary as { text: string }).text);
}

describe('a forked log', () => {
  it('shows nothing past its fork and is named by forkedLogs()', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    await alice.peer.createPost({ text: 'before the fork' });
    testClock.advance(1000);
    const device = alice.device.key.deviceId;
    const forkSeq = (await alice.store.heldRanges(alice.id, device)).at(-1)!.end + 1;
    await alice.peer.createPost({ text: 'one history' });
    await handOver(alice, bob);
    expect((await timelineTexts(bob)).sort()).toEqual(['before the fork', 'one history']);
    expect(await bob.peer.forkedLogs()).toEqual([]);

    // The same device signs another entry at the seq of "one history".
    const prev = await alice.store.getEntry(alice.id, device, forkSeq - 1);
    const other = await signEntry(alice.device, {
      seq: forkSeq,
      prev: prev!.hash,
      timestamp: testClock.now(),
      docId: parseDocId('profile'),
      payloadKind: 'yjs-update',
      payload: new Uint8Array([1, 2, 3]),
    });
    const report = await bob.ingestor.ingest([other.bytes]);
    expect(report.forks).toHaveLength(1);
    await bob.peer.settled();

    expect(await timelineTexts(bob)).toEqual(['before the fork']);
    expect(await bob.peer.forkedLogs()).toEqual([{ author: alice.id, device, seq: forkSeq }]);
  });
});
