/**
 * Recent first (design guide section 4): a newcomer meeting a friend's log for the first time
 * holds the friend's latest entries and pins after a number of bytes that does not grow with the
 * history. Bytes are counted on the in-memory network; time is never asserted.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryNetwork } from '../net/memory-network.ts';
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
 * `LATEST` entries of a history of `length` entries, plus her profile and key record.
 */
async function bytesUntilLatest(length: number): Promise<number> {
  const network = new MemoryNetwork();
  const friend = new TestReplica('alice', alice.id, { friends: [newcomer.id] });
  await friend.store.putEntries(alice.log.slice(0, length));
  const me = new TestReplica('newcomer', newcomer.id, { friends: [alice.id] });
  const held = new Set<number>();
  let bytesAtLatest: number | undefined;
  me.engine.ingestor.onStored((entries) => {
    for (const e of entries) held.add(e.seq);
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
  return bytesAtLatest!;
}

describe('a newcomer meeting a long log', () => {
  it('holds the latest entries and pins after bytes that do not grow with the history', async () => {
    const h1k = await bytesUntilLatest(1_000);
    const h20k = await bytesUntilLatest(20_000);
    const entryBytes = alice.log[100]!.bytes.byteLength;
    // Each is about one first-answer budget (256 KiB), far below the 1,000-entry history.
    expect(h1k).toBeLessThan(1_000 * entryBytes);
    expect(h20k).toBeLessThanOrEqual(h1k * 1.1);
  }, 120_000);
});
