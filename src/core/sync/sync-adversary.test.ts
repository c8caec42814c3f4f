/**
 * An adversary peer connected to an honest replica sends forged, tampered, replayed,
 * mis-chained and truncated entries: each is refused with its typed reason, the honest store is
 * unchanged, and after too many the adversary is disconnected.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ENTRY_VERSION,
  decodeAnyEntry,
  encodeEntryBody,
  encodeSignedEntry,
  entryDomain,
} from '../feed/entry-codec.ts';
import { signEntry } from '../feed/entry-verifier.ts';
import { signEd25519 } from '../identity/keys.ts';
import { signingInput } from '../identity/signed-record.ts';
import { entryHashFromBytes, parseDocId, type EntryHash } from '../ids.ts';
import { MemoryNetwork } from '../net/memory-network.ts';
import type { StorageAdapter } from '../store/storage-adapter.ts';
import { encodeEntries, encodeHave, encodeHello } from './messages.ts';
import type { SyncConfig } from './sync-session.ts';
import { TestPerson, TestReplica, waitFor } from './test-helpers.ts';

let alice: TestPerson;
let mallory: TestPerson;

beforeAll(async () => {
  alice = await TestPerson.create('alice');
  mallory = await TestPerson.create('mallory');
  await alice.append(15);
  await mallory.append(1);
});

function flip(bytes: Uint8Array, index: number): Uint8Array {
  const out = bytes.slice();
  out[index] = out[index]! ^ 1;
  return out;
}

/** Where the signature of an encoded v2 entry starts (its payload follows it). */
function signatureAt(bytes: Uint8Array): number {
  const { signature } = decodeAnyEntry(bytes);
  for (let at = 0; at + signature.length <= bytes.length; at++) {
    if (signature.every((b, k) => bytes[at + k] === b)) return at;
  }
  throw new Error('signature not found');
}

/** Signs with Mallory's device an entry whose author field says Alice. */
async function forged(certificate: Uint8Array): Promise<Uint8Array> {
  const body = encodeEntryBody(
    {
      seq: 11,
      prev: alice.log[9]!.hash,
      timestamp: 1_800_000_000_000,
      docId: parseDocId('profile'),
      payloadKind: 'yjs-update',
      payload: new Uint8Array(8),
    },
    alice.device.certificate.personKey,
    mallory.device.key.publicKey,
    certificate,
  );
  const sig = await signEd25519(
    mallory.device.key.keyPair.privateKey,
    signingInput(entryDomain(ENTRY_VERSION), body),
  );
  return encodeSignedEntry(body, sig, new Uint8Array(8));
}

/** Alice's own device signing an entry at `seq` after `prev` (a broken or forking device). */
async function byAliceDevice(seq: number, prev: EntryHash): Promise<Uint8Array> {
  const e = await signEntry(alice.device, {
    seq,
    prev,
    timestamp: 1_800_000_000_000,
    docId: parseDocId('profile'),
    payloadKind: 'yjs-update',
    payload: new Uint8Array([seq, 99]),
  });
  return e.bytes;
}

async function entriesSnapshot(store: StorageAdapter) {
  const logs = await store.listLogs();
  const entries = await Promise.all(
    logs.map((l) => store.getEntries(l.author, l.device, 1, Number.MAX_SAFE_INTEGER)),
  );
  return { logs, hashes: entries.flat().map((e) => e.hash) };
}

/** Bob holds Alice's seqs 1..10 and 12..15 and accepts a connection from Mallory. */
async function honestBob(config?: Partial<SyncConfig>) {
  const network = new MemoryNetwork();
  const bob = new TestReplica('bob', (await TestPerson.create('bob')).id, {
    friends: [alice.id],
    config,
  });
  const held = [...alice.log.slice(0, 10), ...alice.log.slice(11, 15)];
  await bob.engine.ingestor.ingest(held.map((e) => e.bytes));
  const [tb, tm] = network.connect('bob', 'mallory');
  const session = bob.engine.attach(tb, 'mallory');
  await tm.send(encodeHello([{ author: alice.id, mode: 'full' }]));
  const push = (entries: Uint8Array[]) =>
    tm.send(encodeEntries({ reqId: 0, last: false, pins: false, entries }));
  return { bob, session, push, tm };
}

const table: [string, () => Promise<Uint8Array> | Uint8Array, string][] = [
  [
    "forged: Mallory signs as Alice with Alice's certificate",
    () => forged(alice.device.certificate.bytes),
    'certificate-device-mismatch',
  ],
  [
    'forged: Mallory signs as Alice with her own certificate',
    () => forged(mallory.device.certificate.bytes),
    'certificate-person-mismatch',
  ],
  [
    'tampered signature',
    () => flip(alice.log[10]!.bytes, signatureAt(alice.log[10]!.bytes) + 5),
    'bad-signature',
  ],
  ['tampered body', () => flip(alice.log[10]!.bytes, 70), 'bad-signature'],
  ['truncated', () => alice.log[10]!.bytes.slice(0, alice.log[10]!.bytes.length - 1), 'truncated'],
  ['garbage', () => new Uint8Array(64).fill(0xee), 'unknown-version'],
  [
    'mis-chained: prev is not the held seq 10',
    () => byAliceDevice(11, entryHashFromBytes(new Uint8Array(32).fill(5))),
    'mis-chained-prev',
  ],
  [
    'mis-chained: held seq 12 does not follow it',
    () => byAliceDevice(11, alice.log[9]!.hash),
    'mis-chained-next',
  ],
];

describe('an adversary peer', () => {
  it.each(table)(
    '%s: refused with its reason, the honest store unchanged',
    async (_name, make, reason) => {
      const { bob, session, push } = await honestBob();
      const before = await entriesSnapshot(bob.store);
      await push([await make()]);
      await waitFor(() => Object.keys(session.progress.rejections).length === 1 && session.idle);
      expect(session.progress.rejections).toEqual({ [reason]: 1 });
      // Forgery and tampering are the sender's doing; a validly signed entry that does not
      // chain is its author's, and the peer that relayed it is not blamed.
      expect(session.progress.invalid).toBe(reason.startsWith('mis-chained') ? 0 : 1);
      expect(await entriesSnapshot(bob.store)).toEqual(before);
      expect(session.closed).toBe(false);
    },
  );

  it('replays held entries: counted as duplicates, nothing stored, no penalty', async () => {
    const { bob, session, push } = await honestBob();
    const before = await entriesSnapshot(bob.store);
    await push(alice.log.slice(0, 10).map((e) => e.bytes));
    await waitFor(() => session.idle);
    expect(session.progress).toMatchObject({ invalid: 0, received: 0, rejections: {} });
    expect(await entriesSnapshot(bob.store)).toEqual(before);
  });

  it('relays a fork signed by the author: kept as evidence, never applied', async () => {
    const { bob, session, push } = await honestBob();
    const before = await entriesSnapshot(bob.store);
    await push([await byAliceDevice(5, alice.log[3]!.hash)]);
    await waitFor(() => session.idle);
    expect(await entriesSnapshot(bob.store)).toEqual(before);
    const forks = await bob.store.listForks();
    expect(forks.map((f) => f.first.hash)).toEqual([alice.log[4]!.hash]);
    expect(session.progress.invalid).toBe(0);
  });

  it('is disconnected after too many invalid entries, and the store stays as it was', async () => {
    const { bob, session, push } = await honestBob();
    const before = await entriesSnapshot(bob.store);
    const bad = flip(alice.log[10]!.bytes, 70);
    for (let i = 0; i < 5 && !session.closed; i++) {
      await push(Array.from({ length: 10 }, () => bad)).catch(() => undefined);
      await waitFor(() => session.idle);
    }
    expect(session.progress.closed).toMatchObject({ reason: 'too-many-invalid-entries' });
    expect(await entriesSnapshot(bob.store)).toEqual(before);
    expect(bob.engine.sessions).toEqual([]);
  });

  it('cannot make a replica store entries of authors it does not replicate', async () => {
    const { bob, session, push } = await honestBob();
    const before = await entriesSnapshot(bob.store);
    await push(mallory.log.map((e) => e.bytes));
    await waitFor(() => session.idle);
    expect(session.progress.rejections).toEqual({ 'unwanted-author': 1 });
    expect(await entriesSnapshot(bob.store)).toEqual(before);
  });

  it('says it holds what Bob lacks and never answers: Bob closes the stalled session, so the connection is made again', async () => {
    const { session, tm } = await honestBob({ stallMs: 200 });
    let closedBy: string | undefined;
    tm.onClose((info) => (closedBy = info.by));
    const device = alice.log[0]!.device;
    await tm.send(encodeHave([{ author: alice.id, device, ranges: [{ start: 1, end: 15 }] }]));
    await waitFor(() => !session.idle);
    await waitFor(() => session.closed, 10_000);
    expect(session.progress.closed).toMatchObject({ reason: 'stalled' });
    expect(session.progress.closed!.detail).toMatch(/^nothing moved for \d+ ms$/);
    expect(closedBy).toBeDefined();
  });

  it('watches a session for a stall only while it is busy: an idle one runs no timer', async () => {
    const { bob, session, push } = await honestBob({ stallMs: 200 });
    // (That a busy one is watched, the test before shows: it closes stalled.)
    const watching = () => (session as unknown as { stallWatch?: unknown }).stallWatch;
    await waitFor(() => session.idle && watching() === undefined);
    await push([alice.log[10]!.bytes]);
    await waitFor(() => session.idle && watching() === undefined);
    expect(session.closed).toBe(false);
    expect(await bob.store.heldRanges(alice.id, alice.log[0]!.device)).toEqual([
      { start: 1, end: 15 },
    ]);
  });

  it('cannot send an answer nobody asked for', async () => {
    const { session, tm } = await honestBob();
    await tm.send(encodeEntries({ reqId: 5, last: true, pins: false, entries: [] }));
    await waitFor(() => session.closed);
    expect(session.progress.closed).toMatchObject({ reason: 'unexpected-answer' });
  });
});
