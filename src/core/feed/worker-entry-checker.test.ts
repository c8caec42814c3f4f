/**
 * The worker checker against the inline one. Node has no Web Workers, so each "worker" here is
 * the real serving side (`serveChecks`, what `entry-check.worker.ts` runs) at the far end of a
 * `MessageChannel`: requests and outcomes cross a real structured clone, as between the page and
 * a worker. Chromium runs the real workers in the core benchmark.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryRevocations, issueDeviceRevocation } from '../identity/revocation.ts';
import { EntryVerifier, type VerifiedEntry } from './entry-verifier.ts';
import { testAuthor, testLog } from './test-helpers.ts';
import {
  CheckWorkerError,
  WorkerEntryChecker,
  serveChecks,
  type CheckScope,
  type CheckWorker,
} from './worker-entry-checker.ts';

const alice = await testAuthor(0x31, 0x32);
const mallory = await testAuthor(0x33, 0x34);
const log = await testLog(alice, 80);
const other = await testLog(mallory, 3);

const open: MessagePort[] = [];
afterEach(() => {
  for (const port of open.splice(0)) port.close();
});

/** `count` channel-backed workers, each served by `serve` (default: the real serving side). */
function channelWorkers(
  count: number,
  serve: (scope: CheckScope) => void = (scope) => serveChecks(scope),
): CheckWorker[] {
  return Array.from({ length: count }, () => {
    const { port1, port2 } = new MessageChannel();
    open.push(port1, port2);
    serve(port2 as unknown as CheckScope);
    return Object.assign(port1, {
      onerror: null,
      terminate: () => port1.close(),
    }) as unknown as CheckWorker;
  });
}

/** Where an entry's signature ends (v2: before the payload and its one-byte length). */
function signatureEnd(entry: VerifiedEntry): number {
  return entry.bytes.length - entry.payload!.length - 1;
}

/** A batch mixing valid, tampered, re-signed and undecodable entries. */
function mixedBatch(): Uint8Array[] {
  const tampered = log[5]!.bytes.slice();
  tampered[signatureEnd(log[5]!) - 1]! ^= 1;
  const resigned = log[6]!.bytes.slice();
  // Mallory's signature in place of Alice's device's.
  const theirs = other[0]!;
  resigned.set(
    theirs.bytes.subarray(signatureEnd(theirs) - 64, signatureEnd(theirs)),
    signatureEnd(log[6]!) - 64,
  );
  return [
    ...log.map((e) => e.bytes),
    tampered,
    resigned,
    log[0]!.bytes.subarray(0, 50),
    new Uint8Array([9, 9, 9]),
    ...other.map((e) => e.bytes),
  ];
}

/** What a verifier made of each entry: `valid:<hash>` or `<reason>`. */
async function outcomes(verifier: EntryVerifier, list: readonly Uint8Array[]): Promise<string[]> {
  return (await verifier.verifyMany(list)).map((c) =>
    c instanceof Error ? c.reason : `valid:${c.hash}`,
  );
}

describe('WorkerEntryChecker', () => {
  it('decides every entry of a mixed batch as the inline checker does, in order', async () => {
    const batch = mixedBatch();
    const inline = new EntryVerifier();
    const pooled = new EntryVerifier({ checker: new WorkerEntryChecker(channelWorkers(2)) });
    const expected = await outcomes(inline, batch);
    expect(expected.filter((o) => !o.startsWith('valid:'))).toEqual([
      'bad-signature',
      'bad-signature',
      'truncated',
      'unknown-version',
    ]);
    expect(await outcomes(pooled, batch)).toEqual(expected);
    // Decoded entries survive the clone whole: the same entry as decoded on the page.
    expect((await pooled.verifyMany([log[3]!.bytes]))[0]).toEqual(log[3]);
  });

  it("refuses a revoked device's entries past its last valid seq, as the inline verifier does", async () => {
    const revocations = new MemoryRevocations();
    revocations.add(
      await issueDeviceRevocation(alice.identity, {
        deviceKey: alice.device.key.publicKey,
        revokedAt: 0,
        lastValidSeq: 40,
      }),
    );
    const batch = log.map((e) => e.bytes);
    const inline = await outcomes(new EntryVerifier({ revocations }), batch);
    const pooled = await outcomes(
      new EntryVerifier({ revocations, checker: new WorkerEntryChecker(channelWorkers(2)) }),
      batch,
    );
    expect(pooled).toEqual(inline);
    expect(pooled.slice(40)).toEqual(Array(40).fill('device-revoked'));
    expect(pooled.slice(0, 40).every((o) => o.startsWith('valid:'))).toBe(true);
  });

  it('rejects with CheckWorkerError when a worker fails, and when closed', async () => {
    const failing = new WorkerEntryChecker(
      channelWorkers(1, (scope) => {
        scope.onmessage = (event) => scope.postMessage({ id: event.data.id, error: 'boom' });
      }),
    );
    await expect(failing.check([log[0]!.bytes])).rejects.toBeInstanceOf(CheckWorkerError);

    const silent = new WorkerEntryChecker(channelWorkers(1, () => undefined));
    const pending = silent.check([log[0]!.bytes]);
    silent.close();
    await expect(pending).rejects.toBeInstanceOf(CheckWorkerError);
  });
});
