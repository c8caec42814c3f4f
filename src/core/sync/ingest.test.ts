import { beforeAll, describe, expect, it } from 'vitest';
import {
  ENTRY_VERSION,
  entryHasPayload,
  withoutPayload,
  MAX_ENTRY_BYTES,
  encodeEntryBody,
  encodeSignedEntry,
  entryDomain,
} from '../feed/entry-codec.ts';
import { signEntry, type VerifiedEntry } from '../feed/entry-verifier.ts';
import { signEd25519 } from '../identity/keys.ts';
import { signingInput } from '../identity/signed-record.ts';
import { entryHashFromBytes, parseDocId } from '../ids.ts';
import { StorageQuotaError } from '../store/errors.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import type { StorageAdapter, StoredEntry } from '../store/storage-adapter.ts';
import { Ingestor } from './ingest.ts';
import { testAuthor, testFields } from '../feed/test-helpers.ts';
import { coveredLogs } from '../store/store-test-helpers.ts';
import { TestPerson, sharedVerifier } from './test-helpers.ts';

let alice: TestPerson;
let mallory: TestPerson;

beforeAll(async () => {
  alice = await TestPerson.create('alice');
  mallory = await TestPerson.create('mallory');
  await alice.append(6);
  await mallory.append(1);
});

/** A memory store that counts entry writes and can be told to be full. */
class CountingStore extends MemoryStorageAdapter {
  puts = 0;
  full = false;
  override async putEntries(entries: readonly StoredEntry[]): Promise<StoredEntry[]> {
    this.puts++;
    if (this.full) throw new StorageQuotaError();
    return super.putEntries(entries);
  }
}

async function snapshot(store: StorageAdapter) {
  return { logs: await store.listLogs(), forks: await store.listForks() };
}

function flip(bytes: Uint8Array, index: number): Uint8Array {
  const out = bytes.slice();
  out[index] = out[index]! ^ 1;
  return out;
}

/** Where `part` (the payload or the signature of Alice's entry at index `i`) starts in its bytes. */
function offsetOf(i: number, part: 'payload' | 'signature'): number {
  const { bytes } = alice.log[i]!;
  const sought = alice.log[i]![part]!;
  for (let at = 0; at + sought.length <= bytes.length; at++) {
    if (sought.every((b, k) => bytes[at + k] === b)) return at;
  }
  throw new Error(`${part} not found`);
}

/** An entry by Mallory's device that claims Alice's certificate. */
async function foreignDeviceEntry(): Promise<Uint8Array> {
  const body = encodeEntryBody(
    {
      seq: 7,
      prev: alice.log[5]!.hash,
      timestamp: 1_800_000_000_000,
      docId: parseDocId('profile'),
      payloadKind: 'yjs-update',
      payload: new Uint8Array(8),
    },
    alice.device.certificate.personKey,
    mallory.device.key.publicKey,
    alice.device.certificate.bytes,
  );
  const sig = await signEd25519(
    mallory.device.key.keyPair.privateKey,
    signingInput(entryDomain(ENTRY_VERSION), body),
  );
  return encodeSignedEntry(body, sig, new Uint8Array(8));
}

/** Alice's device signing seq 4 after a prev that is not her seq 3. */
async function misChained(): Promise<Uint8Array> {
  const e = await signEntry(alice.device, {
    seq: 4,
    prev: entryHashFromBytes(new Uint8Array(32).fill(7)),
    timestamp: 1_800_000_000_000,
    docId: parseDocId('profile'),
    payloadKind: 'yjs-update',
    payload: new Uint8Array(4),
  });
  return e.bytes;
}

/** A second entry 3 of `person`'s log, on the same entry 2: the device has forked its log. */
async function otherThird(person: TestPerson): Promise<VerifiedEntry> {
  return signEntry(person.device, {
    seq: 3,
    prev: person.log[1]!.hash,
    timestamp: 2,
    docId: parseDocId('profile'),
    payloadKind: 'yjs-update',
    payload: new Uint8Array(3),
  });
}

describe('Ingestor', () => {
  it('verifies, stores a batch with one write and announces it with its origin', async () => {
    const store = new CountingStore();
    const ingestor = new Ingestor(store, sharedVerifier);
    const seen: { seqs: number[]; origin: unknown }[] = [];
    ingestor.onStored((entries, origin) => seen.push({ seqs: entries.map((e) => e.seq), origin }));
    const report = await ingestor.ingest(alice.log.map((e) => e.bytes).reverse(), {
      origin: 'bob',
    });
    expect(report.accepted.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(report.rejected).toEqual([]);
    expect(store.puts).toBe(1);
    expect(seen).toEqual([{ seqs: [1, 2, 3, 4, 5, 6], origin: 'bob' }]);
    const again = await ingestor.ingest(alice.log.map((e) => e.bytes));
    expect(again.accepted).toEqual([]);
    expect(again.duplicates).toHaveLength(6);
    expect(seen).toHaveLength(1);
  });

  it.each([
    [
      'tampered payload',
      () => flip(alice.log[3]!.bytes, offsetOf(3, 'payload')),
      'payload-mismatch',
    ],
    [
      'tampered signature',
      () => flip(alice.log[3]!.bytes, offsetOf(3, 'signature')),
      'bad-signature',
    ],
    ['truncated', () => alice.log[3]!.bytes.slice(0, 100), 'truncated'],
    ['oversized', () => new Uint8Array(MAX_ENTRY_BYTES + 1), 'too-large'],
    ['empty', () => new Uint8Array(0), 'truncated'],
    [
      'signed by another device with a copied certificate',
      foreignDeviceEntry,
      'certificate-device-mismatch',
    ],
    ['mis-chained (prev is not the held seq 3)', misChained, 'mis-chained-prev'],
  ] as const)(
    'refuses %s with its typed reason and leaves the store unchanged',
    async (_name, make, reason) => {
      const store = new MemoryStorageAdapter();
      const ingestor = new Ingestor(store, sharedVerifier);
      await ingestor.ingest([1, 2, 3, 5, 6].map((s) => alice.log[s - 1]!.bytes));
      const before = await snapshot(store);
      const bad = await make();
      const report = await ingestor.ingest([bad]);
      expect(report.accepted).toEqual([]);
      expect(report.rejected.map((r) => r.reason)).toEqual([reason]);
      expect(report.rejected[0]!.error).toBeInstanceOf(Error);
      expect(await snapshot(store)).toEqual(before);
    },
  );

  it('counts a replayed entry as a duplicate and stores nothing', async () => {
    const store = new CountingStore();
    const ingestor = new Ingestor(store, sharedVerifier);
    await ingestor.ingest([alice.log[0]!.bytes]);
    const before = await snapshot(store);
    const report = await ingestor.ingest([alice.log[0]!.bytes, alice.log[0]!.bytes]);
    expect(report.duplicates).toHaveLength(2);
    expect(report.accepted).toEqual([]);
    expect(store.puts).toBe(1);
    expect(await snapshot(store)).toEqual(before);
  });

  it('keeps the honest entries of a batch that also holds bad ones', async () => {
    const store = new MemoryStorageAdapter();
    const ingestor = new Ingestor(store, sharedVerifier);
    const report = await ingestor.ingest([
      alice.log[0]!.bytes,
      flip(alice.log[1]!.bytes, 120),
      alice.log[2]!.bytes,
    ]);
    expect(report.accepted.map((e) => e.seq)).toEqual([1, 3]);
    expect(report.rejected.map((r) => [r.index, r.reason])).toEqual([[1, 'bad-signature']]);
  });

  it('stores a suffix before its predecessors and joins the gap only when it chains exactly', async () => {
    const store = new MemoryStorageAdapter();
    const ingestor = new Ingestor(store, sharedVerifier);
    const suffix = await ingestor.ingest([6, 5, 4].map((s) => alice.log[s - 1]!.bytes));
    expect(suffix.accepted.map((e) => e.seq)).toEqual([4, 5, 6]);
    expect(await store.heldRanges(alice.id, alice.log[0]!.device)).toEqual([{ start: 4, end: 6 }]);

    // A validly signed seq 3 whose hash is not seq 4's prev cannot join.
    const wrong3 = await signEntry(alice.device, {
      seq: 3,
      prev: alice.log[1]!.hash,
      timestamp: 1,
      docId: parseDocId('profile'),
      payloadKind: 'yjs-update',
      payload: new Uint8Array(1),
    });
    const refused = await ingestor.ingest([wrong3.bytes]);
    expect(refused.rejected.map((r) => r.reason)).toEqual(['mis-chained-next']);

    const gap = await ingestor.ingest([1, 2, 3].map((s) => alice.log[s - 1]!.bytes));
    expect(gap.accepted.map((e) => e.seq)).toEqual([1, 2, 3]);
    const held = await store.getEntries(alice.id, alice.log[0]!.device, 1, 6);
    expect(held.map((e) => e.hash)).toEqual(alice.log.map((e) => e.hash));
  });

  it('keeps a fork as evidence and never applies it', async () => {
    const store = new MemoryStorageAdapter();
    const ingestor = new Ingestor(store, sharedVerifier);
    await ingestor.ingest(alice.log.slice(0, 3).map((e) => e.bytes));
    const other3 = await otherThird(alice);
    const report = await ingestor.ingest([other3.bytes]);
    expect(report.forks).toHaveLength(1);
    expect(report.accepted).toEqual([]);
    expect((await store.getEntry(alice.id, alice.log[0]!.device, 3))!.hash).toBe(
      alice.log[2]!.hash,
    );
    const forks = await store.listForks();
    expect(forks.map((f) => [f.first.hash, f.second.hash])).toEqual([
      [alice.log[2]!.hash, other3.hash],
    ]);
  });

  it('refuses entries past a fork of their log, held or found in the same batch', async () => {
    const other3 = await otherThird(alice);
    const device = alice.log[0]!.device;
    const forked = new Map<string, number>();
    const watch = (ingestor: Ingestor) =>
      ingestor.onFork((f) => forked.set(`${f.author}/${f.device}`, f.seq));

    // Found earlier: the next batch's entries above the fork are refused with their reason.
    const store = new MemoryStorageAdapter();
    const ingestor = new Ingestor(store, sharedVerifier);
    watch(ingestor);
    await ingestor.ingest(alice.log.slice(0, 3).map((e) => e.bytes));
    await ingestor.ingest([other3.bytes]);
    expect(forked.get(`${alice.id}/${device}`)).toBe(3);
    const later = await ingestor.ingest(alice.log.slice(3, 6).map((e) => e.bytes));
    expect(later.accepted).toEqual([]);
    expect(later.rejected.map((r) => r.reason)).toEqual(['past-fork', 'past-fork', 'past-fork']);
    expect((await store.listLogs())[0]!.ranges).toEqual([{ start: 1, end: 3 }]);

    // Found in the batch itself: what follows the fork in that batch is refused too.
    const store2 = new MemoryStorageAdapter();
    const ingestor2 = new Ingestor(store2, sharedVerifier);
    await ingestor2.ingest(alice.log.slice(0, 3).map((e) => e.bytes));
    const mixed = await ingestor2.ingest([
      other3.bytes,
      ...alice.log.slice(3, 5).map((e) => e.bytes),
    ]);
    expect(mixed.forks).toHaveLength(1);
    expect(mixed.accepted).toEqual([]);
    expect(mixed.rejected.map((r) => r.reason)).toEqual(['past-fork', 'past-fork']);

    // Below the fork the log still fills in.
    const store3 = new MemoryStorageAdapter();
    const ingestor3 = new Ingestor(store3, sharedVerifier);
    await ingestor3.ingest(alice.log.slice(2, 3).map((e) => e.bytes));
    await ingestor3.ingest([other3.bytes]);
    const below = await ingestor3.ingest(alice.log.slice(0, 2).map((e) => e.bytes));
    expect(below.accepted.map((e) => e.seq)).toEqual([1, 2]);
  });

  it('serialises racing batches on one log: each entry is stored once, none conflicts', async () => {
    const store = new MemoryStorageAdapter();
    const ingestor = new Ingestor(store, sharedVerifier);
    const bytes = alice.log.map((e) => e.bytes);
    const reports = await Promise.all([
      ingestor.ingest(bytes),
      ingestor.ingest([...bytes].reverse()),
      ingestor.ingest(bytes.slice(2)),
    ]);
    const accepted = reports.flatMap((r) => r.accepted.map((e) => e.seq)).sort((a, b) => a - b);
    expect(accepted).toEqual([1, 2, 3, 4, 5, 6]);
    expect(reports.every((r) => r.rejected.length === 0 && r.forks.length === 0)).toBe(true);
  });

  it('refuses entries of unwanted authors before verifying them', async () => {
    const store = new MemoryStorageAdapter();
    const ingestor = new Ingestor(store, sharedVerifier);
    const report = await ingestor.ingest([mallory.log[0]!.bytes, alice.log[0]!.bytes], {
      accept: (author) => author === alice.id,
    });
    expect(report.accepted.map((e) => e.author)).toEqual([alice.id]);
    expect(report.rejected.map((r) => [r.index, r.reason])).toEqual([[0, 'unwanted-author']]);
  });

  it('lets a full store fail with its typed error and announces nothing', async () => {
    const store = new CountingStore();
    store.full = true;
    const ingestor = new Ingestor(store, sharedVerifier);
    let announced = 0;
    ingestor.onStored(() => announced++);
    await expect(ingestor.ingest([alice.log[0]!.bytes])).rejects.toBeInstanceOf(StorageQuotaError);
    expect(announced).toBe(0);
    store.full = false;
    const report = await ingestor.ingest([alice.log[0]!.bytes]);
    expect(report.accepted).toHaveLength(1);
  });

  it('adds own entries, idempotently, and refuses one that breaks the own log', async () => {
    const store = new MemoryStorageAdapter();
    const ingestor = new Ingestor(store, sharedVerifier);
    const stored: number[] = [];
    ingestor.onStored((entries) => stored.push(...entries.map((e) => e.seq)));
    await ingestor.addOwn(alice.log[0]!);
    await ingestor.addOwn(alice.log[0]!);
    await ingestor.addOwn(alice.log[1]!);
    expect(stored).toEqual([1, 2]);
    const { OwnEntryError } = await import('./ingest.ts');
    const bad = await signEntry(alice.device, {
      seq: 3,
      prev: alice.log[0]!.hash,
      timestamp: 3,
      docId: parseDocId('profile'),
      payloadKind: 'yjs-update',
      payload: new Uint8Array(1),
    });
    await expect(ingestor.addOwn(bad)).rejects.toBeInstanceOf(OwnEntryError);
  });

  it('chains across a v1 entry dropped to its placeholder, and never takes that entry again', async () => {
    const { phone } = await coveredLogs();
    const [v1, v2, , whole] = phone;
    const store = new MemoryStorageAdapter();
    const ingestor = new Ingestor(store, sharedVerifier);
    const announced: StoredEntry[] = [];
    ingestor.onStored((entries) => announced.push(...entries));
    await ingestor.ingest([v1!.bytes, whole!.bytes]);
    // The v1 entry arrived with what covers it: only its placeholder is kept, nothing announced.
    expect(announced.map((e) => e.seq)).toEqual([4]);
    expect(await store.getEntry(v1!.author, v1!.device, 1)).toBeUndefined();

    // Its hash still vouches for seq 2: a seq 2 chained elsewhere is refused...
    const device = (await testAuthor(0xc1, 0xc2)).device;
    const misChained = await signEntry(device, {
      ...testFields(2, entryHashFromBytes(new Uint8Array(32).fill(7))),
      docId: v2!.docId,
    });
    const refused = await ingestor.ingest([misChained.bytes]);
    expect(refused.rejected.map((r) => r.reason)).toEqual(['mis-chained-prev']);
    // ...the true one is taken (without its payload: it is covered too)...
    const taken = await ingestor.ingest([v2!.bytes]);
    expect(taken.accepted.map((e) => e.seq)).toEqual([2]);
    expect(entryHasPayload((await store.getEntry(v2!.author, v2!.device, 2))!.bytes)).toBe(false);
    // ...and the v1 entry itself, offered again, is a duplicate: never stored nor announced.
    const again = await ingestor.ingest([v1!.bytes]);
    expect(again.duplicates).toHaveLength(1);
    expect(await store.getEntry(v1!.author, v1!.device, 1)).toBeUndefined();
    expect(announced.map((e) => e.seq)).toEqual([4, 2]);
  });

  it('fills in a payload a relay withheld when an honest peer sends the entry whole', async () => {
    const { phone } = await coveredLogs();
    const profile = phone[2]!;
    const store = new CountingStore();
    const ingestor = new Ingestor(store, sharedVerifier);
    const announced: StoredEntry[] = [];
    ingestor.onStored((entries) => announced.push(...entries));
    await ingestor.ingest([withoutPayload(profile)]);
    expect(await store.getDocEntries(profile.author, profile.docId)).toEqual([]);
    const report = await ingestor.ingest([profile.bytes]);
    expect(report.duplicates).toHaveLength(1);
    expect((await store.getDocEntries(profile.author, profile.docId)).map((e) => e.hash)).toEqual([
      profile.hash,
    ]);
    expect(announced.map((e) => entryHasPayload(e.bytes))).toEqual([false, true]);
    // Whole again: a further copy is a plain duplicate, with no write.
    const puts = store.puts;
    await ingestor.ingest([profile.bytes]);
    expect(store.puts).toBe(puts);
  });
});
