import { describe, expect, it } from 'vitest';
import { entryHashFromBytes } from '../ids.ts';
import { EntryVerifier, signEntry, type VerifiedEntry } from './entry-verifier.ts';
import { ChainError, acceptEntry, acceptRun, checkChain, type Acceptance } from './log-chain.ts';
import { MemoryHeldLog } from './memory-held-log.ts';
import { testAuthor, testFields, testLog } from './test-helpers.ts';

const alice = await testAuthor(0xa1, 0xa2);
const bob = await testAuthor(0xb1, 0xb2);
const verifier = new EntryVerifier();
const log = await testLog(alice, 10);
/** Alice's device forking at seq 4: a second history from there on. */
const forkBranch = await testLog(alice, 7, { from: 4, prev: log[2]!.hash, tag: 'fork' });

const emptyLog = () => new MemoryHeldLog(alice.identity.personId, alice.device.key.deviceId);
function logHolding(entries: VerifiedEntry[]): MemoryHeldLog {
  const held = emptyLog();
  for (const e of entries) held.put(e);
  return held;
}
const bytesOf = (entries: VerifiedEntry[]) => entries.map((e) => e.bytes);
const chainReason = (a: Acceptance) =>
  a.kind === 'rejected' && a.error instanceof ChainError ? a.error.reason : a.kind;

describe('one entry against the held log', () => {
  it('appends a log in order, each linked to its predecessor', async () => {
    const held = emptyLog();
    for (const e of log) {
      const result = await acceptEntry(e.bytes, held, verifier);
      expect(result).toMatchObject({ kind: 'accepted', linkedToPrev: true, linkedToNext: false });
      if (result.kind === 'accepted') held.put(result.entry);
    }
    expect(held.held.ranges()).toEqual([{ start: 1, end: 10 }]);
  });

  it('treats an entry already held as a duplicate', async () => {
    const held = logHolding(log.slice(0, 3));
    expect((await acceptEntry(log[1]!.bytes, held, verifier)).kind).toBe('duplicate');
  });

  it('detects a fork and keeps both hashes as evidence', async () => {
    const held = logHolding(log.slice(0, 4));
    const result = await acceptEntry(forkBranch[0]!.bytes, held, verifier);
    expect(result.kind).toBe('fork');
    if (result.kind === 'fork') {
      expect(result.evidence).toMatchObject({ seq: 4, heldHash: log[3]!.hash });
      expect(result.evidence.incoming.hash).toBe(forkBranch[0]!.hash);
      expect(result.evidence.incoming.bytes).toEqual(forkBranch[0]!.bytes);
    }
    expect(held.hashAt(4)).toBe(log[3]!.hash);
  });

  it('rejects an entry whose prev is not the held predecessor', async () => {
    const held = logHolding(log.slice(0, 4));
    // Seq 5 of the forked history points at the fork's seq 4, not the held one.
    expect(chainReason(await acceptEntry(forkBranch[1]!.bytes, held, verifier))).toBe(
      'mis-chained-prev',
    );
    const stray = await signEntry(
      alice.device,
      testFields(5, entryHashFromBytes(new Uint8Array(32).fill(1))),
    );
    expect(chainReason(await acceptEntry(stray.bytes, held, verifier))).toBe('mis-chained-prev');
  });

  it('rejects an entry that the held successor does not point at', async () => {
    const held = logHolding(log.slice(4, 10));
    expect(chainReason(await acceptEntry(forkBranch[0]!.bytes, held, verifier))).toBe(
      'mis-chained-next',
    );
    expect(await acceptEntry(log[3]!.bytes, held, verifier)).toMatchObject({
      kind: 'accepted',
      linkedToNext: true,
    });
  });

  it('rejects an entry replayed into another log', async () => {
    const bobsLog = new MemoryHeldLog(bob.identity.personId, bob.device.key.deviceId);
    expect(chainReason(await acceptEntry(log[0]!.bytes, bobsLog, verifier))).toBe('wrong-log');
  });

  it('accepts a detached entry and reports it unlinked', async () => {
    expect(await checkChain(log[6]!, logHolding(log.slice(0, 2)))).toMatchObject({
      kind: 'accepted',
      linkedToPrev: false,
      linkedToNext: false,
    });
  });

  it('leaves the held log unchanged by every rejection', async () => {
    const held = logHolding(log.slice(0, 4));
    const before = held.held.encode();
    for (const e of forkBranch) await acceptEntry(e.bytes, held, verifier);
    await acceptEntry(new Uint8Array([1, 2, 3]), held, verifier);
    expect(held.held.encode()).toEqual(before);
    expect([1, 2, 3, 4].map((s) => held.hashAt(s))).toEqual(log.slice(0, 4).map((e) => e.hash));
  });
});

describe('runs', () => {
  it('accepts a recent suffix first, then joins it with its predecessors', async () => {
    const held = emptyLog();
    const suffix = bytesOf(log.slice(5)).reverse();
    const first = await acceptRun(suffix, held, verifier);
    expect(first.kind).toBe('accepted');
    if (first.kind === 'accepted') {
      expect(first.entries.map((e) => e.seq)).toEqual([6, 7, 8, 9, 10]);
      first.entries.forEach((e) => held.put(e));
    }
    expect(held.held.gaps()).toEqual([{ start: 1, end: 5 }]);

    const wrong = await acceptRun(
      bytesOf([log[0]!, log[1]!, log[2]!, forkBranch[0]!, forkBranch[1]!]),
      held,
      verifier,
    );
    expect(wrong).toMatchObject({ kind: 'rejected', index: 4 });
    if (wrong.kind === 'rejected')
      expect(wrong.error).toMatchObject({ reason: 'mis-chained-next', seq: 5 });

    const join = await acceptRun(bytesOf(log.slice(0, 5)), held, verifier);
    expect(join.kind).toBe('accepted');
    if (join.kind === 'accepted') join.entries.forEach((e) => held.put(e));
    expect(held.held.ranges()).toEqual([{ start: 1, end: 10 }]);
  });

  it('counts overlap with what is held as duplicates', async () => {
    const result = await acceptRun(bytesOf(log.slice(2, 8)), logHolding(log.slice(0, 5)), verifier);
    expect(result).toMatchObject({ kind: 'accepted', duplicates: 3 });
    if (result.kind === 'accepted') expect(result.entries.map((e) => e.seq)).toEqual([6, 7, 8]);
  });

  it('reports a fork found inside a run', async () => {
    const result = await acceptRun(
      bytesOf(forkBranch.slice(0, 3)),
      logHolding(log.slice(0, 5)),
      verifier,
    );
    expect(result).toMatchObject({ kind: 'fork', evidence: { seq: 4, heldHash: log[3]!.hash } });
  });

  it('rejects a run with a hole, a broken link, a bad entry or an entry of another log', async () => {
    const held = emptyLog();
    const hole = await acceptRun(bytesOf([log[0]!, log[2]!]), held, verifier);
    expect(hole).toMatchObject({ kind: 'rejected', error: { reason: 'not-contiguous' } });
    const broken = await acceptRun(
      bytesOf([log[2]!, forkBranch[0]!, forkBranch[1]!, log[5]!]),
      held,
      verifier,
    );
    // The fork's seq 4 and 5 chain to seq 3; the held history's seq 6 does not chain to 5.
    expect(broken).toMatchObject({
      kind: 'rejected',
      index: 3,
      error: { reason: 'mis-chained-prev' },
    });
    const tampered = log[3]!.bytes.slice();
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1;
    const bad = await acceptRun([log[2]!.bytes, tampered], held, verifier);
    expect(bad).toMatchObject({
      kind: 'rejected',
      index: 1,
      error: { reason: 'payload-mismatch' },
    });
    const bobs = await testLog(bob, 1);
    const mixed = await acceptRun([log[0]!.bytes, bobs[0]!.bytes], held, verifier);
    expect(mixed).toMatchObject({ kind: 'rejected', index: 1, error: { reason: 'wrong-log' } });
  });
});
