/**
 * A lost phone's revocation against the phone's later entries, when the two arrive in separate
 * batches checked side by side (a sync's pins, then the entries they judge), and when the
 * revocation is already being verified for another reason.
 */
import { describe, expect, it } from 'vitest';
import {
  InlineEntryChecker,
  type EntryCheckOutcome,
  type EntryChecker,
} from '../feed/entry-checker.ts';
import { EntryVerifier, EntryVerifyError } from '../feed/entry-verifier.ts';
import { Ed25519Verifier, type VerifyItem, type VerifyResult } from '../identity/verifier.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import type { StoredEntry } from '../store/storage-adapter.ts';
import { TestPerson } from '../sync/test-helpers.ts';
import { StoredRevocations } from './stored-revocations.ts';

const alice = await TestPerson.create('alice');
// The phone wrote 5 entries; Alice kept the first 2 when she revoked it.
const phone = await alice.loseDevice(5, 2);

/** A checker whose first batch ends only after the second one has: the later batch wins the race. */
class SecondFirst implements EntryChecker {
  private readonly inner = new InlineEntryChecker();
  private calls = 0;
  private secondDone!: () => void;
  private readonly second = new Promise<void>((resolve) => (this.secondDone = resolve));

  async check(list: readonly Uint8Array[]): Promise<EntryCheckOutcome[]> {
    const call = ++this.calls;
    const outcomes = await this.inner.check(list);
    if (call === 1) await this.second;
    else this.secondDone();
    return outcomes;
  }
}

/** Signatures checked only once `release` is called. */
class HeldVerifier extends Ed25519Verifier {
  release!: () => void;
  private readonly held = new Promise<void>((resolve) => (this.release = resolve));

  override async verify(item: VerifyItem): Promise<VerifyResult> {
    await this.held;
    return super.verify(item);
  }
}

function reasonOf(check: unknown): string {
  return check instanceof EntryVerifyError ? check.reason : 'valid';
}

describe('revocations learnt from batches', () => {
  it('judges a batch with the revocations of every batch before it, whichever check ends first', async () => {
    const revocations = await StoredRevocations.load(new MemoryStorageAdapter());
    const verifier = new EntryVerifier({ checker: new SecondFirst(), revocations });
    const pins = verifier.verifyMany([phone.revocation.bytes]);
    const later = verifier.verifyMany(phone.log.map((entry) => entry.bytes));
    expect((await pins).map(reasonOf)).toEqual(['valid']);
    expect((await later).map(reasonOf)).toEqual([
      'valid',
      'valid',
      'device-revoked',
      'device-revoked',
      'device-revoked',
    ]);
  });

  it('waits for a revocation another learner is still verifying, instead of skipping it', async () => {
    const store = new MemoryStorageAdapter();
    await store.putEntries([phone.revocation]);
    const [stored] = await store.getDocEntries(alice.id, phone.revocation.docId);
    const ed25519 = new HeldVerifier();
    const revocations = await StoredRevocations.load(new MemoryStorageAdapter(), ed25519);
    let tellStored: (entries: readonly StoredEntry[]) => void = () => undefined;
    revocations.follow({
      onStored: (listener) => {
        tellStored = listener;
        return () => undefined;
      },
    });
    // Another tab stored it: its verification starts, and is held.
    tellStored([stored!]);
    // The same record in a batch about to be judged: the batch waits for it.
    setTimeout(() => ed25519.release(), 20);
    await revocations.learnFrom([phone.revocation]);
    expect(revocations.revocationOf(alice.id, phone.device.key.deviceId)).toBeDefined();
  });
});
