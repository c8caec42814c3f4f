/**
 * Sync of 10,000 entries between two peers over the in-memory network, against its floor: the
 * time the same kind of `EntryVerifier` (fresh, so both start with a cold certificate cache)
 * takes to `verifyMany` the same 10,000 entries in the same run. Bytes are real signed entries of
 * a real identity; the store is the memory adapter (IndexedDB figures come from the browser
 * benchmark). `measureSync10k()` is reusable; `tsx bench/core-sync.ts` prints the figures.
 */
import { fileURLToPath } from 'node:url';
import { EntryVerifier } from '../src/core/feed/entry-verifier.ts';
import { MemoryNetwork } from '../src/core/net/memory-network.ts';
import { TestPerson, TestReplica, waitFor } from '../src/core/sync/test-helpers.ts';

/** Result of one measurement. */
export interface Sync10kResult {
  /** Milliseconds from connecting until the receiver holds all 10,000 entries. */
  readonly ms: number;
  /** Milliseconds one `verifyMany` of the same 10,000 entries takes. */
  readonly floorMs: number;
  /** `ms / floorMs`. */
  readonly ratio: number;
}

/** Signs 10,000 entries (200-byte payloads), syncs them to a friend, and times both. */
export async function measureSync10k(count = 10_000): Promise<Sync10kResult> {
  const alice = await TestPerson.create('alice');
  const bob = await TestPerson.create('bob');
  await alice.append(count, { payloadBytes: 200 });

  const floorStart = performance.now();
  const checks = await new EntryVerifier().verifyMany(alice.log.map((e) => e.bytes));
  const floorMs = performance.now() - floorStart;
  if (checks.some((c) => c instanceof Error)) throw new Error('floor: an entry failed to verify');

  const network = new MemoryNetwork();
  const a = new TestReplica('alice', alice.id, { friends: [bob.id] });
  await a.store.putEntries(alice.log);
  const b = new TestReplica('bob', bob.id, { friends: [alice.id], verifier: new EntryVerifier() });
  let held = 0;
  b.engine.ingestor.onStored((entries) => (held += entries.length));
  const start = performance.now();
  const [ta, tb] = network.connect('alice', 'bob');
  a.engine.attach(ta, 'bob');
  b.engine.attach(tb, 'alice');
  await waitFor(() => held >= count, 600_000);
  const ms = performance.now() - start;
  a.engine.close();
  b.engine.close();
  return { ms, floorMs, ratio: ms / floorMs };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await measureSync10k();
  console.log(
    `sync 10k: ${result.ms.toFixed(0)} ms, floor (verifyMany) ${result.floorMs.toFixed(0)} ms, ratio ${result.ratio.toFixed(2)}`,
  );
}
