/**
 * Recent first (design guide section 4): a newcomer meeting a friend's log for the first time
 * holds the friend's latest entries and pins before any older entry, after a number of bytes that
 * does not grow with the history: the first answer's, and at most what the requests queued
 * behind it (older history, asked at once) brought meanwhile. Bytes are counted on the in-memory
 * network; time is never asserted.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryNetwork } from '../net/memory-network.ts';
import { DEFAULT_SYNC_CONFIG } from './sync-engine.ts';
import { TestPerson, TestReplica, settle, waitFor } from './test-helpers.ts';

const LATEST = 100;
let alice: TestPerson;
let newcomer: TestPerson;

beforeAll(async () => {
  alice = await TestPerson.create('alice');
  newcomer = await TestPerson.create('newcomer');
  // Her profile and key record are as old as her log: pins must reach back for them.
  await alice.append(1, { docId: 'profile', payloadKind: 'yjs-update' });
  await alice.append(1, { docId: 'epoch/0' });
  await alice.append(20_000 - 2, { payloadBytes: 200 });
}, 120_000);

/**
 * Bytes the newcomer has received (both directions counted) when it first holds Alice's latest
 * `LATEST` entries of a history of `length` entries, plus her profile and key record; and the
 * oldest seq stored by then, pins apart.
 */
async function bytesUntilLatest(length: number): Promise<{ bytes: number; oldest: number }> {
  const network = new MemoryNetwork();
  const friend = new TestReplica('alice', alice.id, { friends: [newcomer.id] });
  await friend.store.putEntries(alice.log.slice(0, length));
  const me = new TestReplica('newcomer', newcomer.id, { friends: [alice.id] });
  const held = new Set<number>();
  let bytesAtLatest: number | undefined;
  let oldest = length;
  me.engine.ingestor.onStored((entries) => {
    if (bytesAtLatest !== undefined) return;
    for (const e of entries) {
      held.add(e.seq);
      if (e.seq > 2) oldest = Math.min(oldest, e.seq);
    }
    const latest = Array.from({ length: LATEST }, (_, i) => length - i);
    if (
      bytesAtLatest === undefined &&
      held.has(1) &&
      held.has(2) &&
      latest.every((s) => held.has(s))
    ) {
      bytesAtLatest = network.stats.bytes;
    }
  });
  const [tf, tm] = network.connect('alice', 'newcomer');
  friend.engine.attach(tf, 'newcomer');
  me.engine.attach(tm, 'alice');
  await waitFor(() => bytesAtLatest !== undefined, 60_000);
  friend.engine.close();
  me.engine.close();
  await settle([friend.engine, me.engine], network);
  return { bytes: bytesAtLatest!, oldest };
}

describe('a newcomer meeting a long log', () => {
  it('holds the latest entries and pins first, after bytes that do not grow with the history', async () => {
    const { firstBudgetBytes, pageBudgetBytes, maxOutstandingRequests } = DEFAULT_SYNC_CONFIG;
    // The first answer and the older pages asked behind it (the in-memory network delivers
    // them all at once), each ending with the entry that passes its budget; messages' framing
    // and the pins within 5 %.
    const entryBytes = alice.log[100]!.bytes.byteLength;
    const budgets = firstBudgetBytes + (maxOutstandingRequests - 1) * pageBudgetBytes;
    const bound = budgets * 1.05 + maxOutstandingRequests * entryBytes;
    for (const length of [5_000, 20_000]) {
      const { bytes, oldest } = await bytesUntilLatest(length);
      expect({ length, under: bytes <= bound }).toEqual({ length, under: true });
      // Nothing older than the first answer's entries (one budget of them) stored before.
      const firstAnswer = Math.ceil(firstBudgetBytes / entryBytes);
      expect(oldest).toBeGreaterThan(length - firstAnswer);
    }
    expect(bound).toBeLessThan(5_000 * entryBytes);
  }, 120_000);
});
