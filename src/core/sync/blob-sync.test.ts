/**
 * Photos between peers: a wanted blob comes in chunks, with progress, from whichever connected
 * peer holds it; a peer that lacks it says so and the next is asked; bytes that are not the blob
 * are refused and counted against their sender; a relay serves ciphertext it cannot read byte
 * for byte; and a transfer in progress never holds entries back.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { bytesEqual, randomBytes, toHex } from '../bytes.ts';
import { SymmetricKey } from '../crypto/aead.ts';
import { MAX_BLOB_BYTES, blobIdOf, openBlob, sealBlob, type BlobId } from '../crypto/blobs.ts';
import type { VerifiedEntry } from '../feed/entry-verifier.ts';
import { MemoryNetwork } from '../net/memory-network.ts';
import type { BlobProgress } from './blob-fetcher.ts';
import {
  decodeSyncMessage,
  encodeBlobChunk,
  encodeBlobMissing,
  encodeBlobWant,
  type SyncMessage,
} from './messages.ts';
import type { SessionCloseReason } from './sync-session.ts';
import { TestPerson, TestReplica, paced, settle, waitFor } from './test-helpers.ts';
import type { Transport } from './transport.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

let alice: TestPerson;
let bob: TestPerson;
let carol: TestPerson;

beforeAll(async () => {
  const people = await Promise.all(['alice', 'bob', 'carol'].map((n) => TestPerson.create(n)));
  [alice, bob, carol] = people as [TestPerson, TestPerson, TestPerson];
  await alice.append(300);
});

/** Every message `transport` receives, decoded, in order. */
function record(transport: Transport): SyncMessage[] {
  const seen: SyncMessage[] = [];
  transport.onMessage((m) => seen.push(decodeSyncMessage(m)));
  return seen;
}

/** Links two replicas; `pace` makes `from`'s sends wait a task each (a slow link). */
function link(network: MemoryNetwork, from: TestReplica, to: TestReplica, pace = false) {
  const [tf, tt] = network.connect(from.name, to.name);
  const received = record(tt);
  const sender = from.engine.attach(pace ? paced(tf) : tf, to.name);
  const receiver = to.engine.attach(tt, from.name);
  return { sender, receiver, received };
}

/** Puts `size` random bytes into `replica`'s store as a blob. */
async function holdBlob(replica: TestReplica, size: number) {
  const bytes = randomBytes(size);
  const id = blobIdOf(bytes);
  await replica.store.putBlob(id, bytes);
  return { id, bytes };
}

function chunks(messages: readonly SyncMessage[]) {
  return messages.filter((m) => m.type === 'blob-chunk');
}

function count(messages: readonly SyncMessage[], type: SyncMessage['type']): number {
  return messages.filter((m) => m.type === type).length;
}

/** Waits for `engine`'s `done` report of `id`. */
function doneOf(replica: TestReplica, id: BlobId): Promise<BlobProgress> {
  return new Promise((resolve) => {
    const off = replica.engine.onBlobProgress((p) => {
      if (p.id === id && p.state === 'done') {
        off();
        resolve(p);
      }
    });
  });
}

async function publish(replica: TestReplica, entries: readonly VerifiedEntry[]): Promise<void> {
  for (const e of entries) await replica.engine.ingestor.addOwn(e);
}

describe('blob transfer', () => {
  it('moves a 3 MiB photo from Alice to Bob intact, in 64 KiB chunks, with progress', async () => {
    const network = new MemoryNetwork();
    const a = new TestReplica('alice', alice.id, { friends: [bob.id] });
    const delivered: Uint8Array[] = [];
    const b: TestReplica = new TestReplica('bob', bob.id, {
      friends: [alice.id],
      receiveBlob: async (id, bytes) => {
        delivered.push(bytes);
        await b.store.putBlob(id, bytes);
      },
    });
    const { id, bytes } = await holdBlob(a, 3 * MiB);
    const { sender, receiver, received } = link(network, a, b);
    const reports: BlobProgress[] = [];
    b.engine.onBlobProgress((p) => reports.push(p));
    const done = doneOf(b, id);
    b.engine.wantBlobs([id]);
    expect(b.engine.wantedBlobs).toEqual([id]);

    expect(await done).toEqual({ id, state: 'done', bytesReceived: 3 * MiB, total: 3 * MiB });
    expect(bytesEqual((await b.store.getBlob(id))!, bytes)).toBe(true);
    expect(delivered).toHaveLength(1);
    const pieces = chunks(received);
    expect(pieces).toHaveLength(48);
    expect(pieces.every((c) => c.bytes.length === 64 * KiB && c.total === 3 * MiB)).toBe(true);
    const fetching = reports.filter((p) => p.state === 'fetching' && p.bytesReceived > 0);
    expect(fetching.map((p) => p.bytesReceived)).toEqual(pieces.map((c) => c.offset + 64 * KiB));
    expect(fetching.every((p) => p.total === 3 * MiB && p.from === 'alice')).toBe(true);
    expect(b.engine.blobProgress(id)).toBeUndefined();
    expect(b.engine.wantedBlobs).toEqual([]);
    await settle([a.engine, b.engine], network);
    expect(receiver.progress).toMatchObject({ blobsReceived: 1, invalid: 0 });
    expect(sender.progress).toMatchObject({ blobsSent: 1 });

    // Wanting it again asks nobody: the store has it.
    const messagesBefore = network.stats.delivered;
    const again = doneOf(b, id);
    b.engine.wantBlobs([id]);
    expect(await again).toMatchObject({ state: 'done', total: 3 * MiB });
    expect(network.stats.delivered).toBe(messagesBefore);
  });

  it('gets a photo only Carol holds while connected to Alice too: Alice answers missing', async () => {
    const network = new MemoryNetwork();
    const a = new TestReplica('alice', alice.id, { friends: [bob.id] });
    const b = new TestReplica('bob', bob.id, { friends: [alice.id, carol.id] });
    const c = new TestReplica('carol', carol.id, { friends: [bob.id] });
    const { id, bytes } = await holdBlob(c, 300 * KiB);
    const fromAlice = link(network, a, b).received;
    const fromCarol = link(network, c, b).received;
    const askedOf: string[] = [];
    b.engine.onBlobProgress((p) => {
      if (p.state === 'fetching' && p.bytesReceived === 0) askedOf.push(p.from!);
    });
    const done = doneOf(b, id);
    b.engine.wantBlobs([id]);
    await done;
    expect(bytesEqual((await b.store.getBlob(id))!, bytes)).toBe(true);
    // Alice was asked first (the older session) and said she lacks it.
    expect(askedOf).toEqual(['alice', 'carol']);
    expect(count(fromAlice, 'blob-missing')).toBe(1);
    expect(count(fromAlice, 'blob-chunk')).toBe(0);
    expect(count(fromCarol, 'blob-chunk')).toBe(5);
  });

  it('waits while no connected peer holds the photo, then fetches it from the next to connect', async () => {
    const network = new MemoryNetwork();
    const a = new TestReplica('alice', alice.id, { friends: [bob.id] });
    const b = new TestReplica('bob', bob.id, { friends: [alice.id, carol.id] });
    const c = new TestReplica('carol', carol.id, { friends: [bob.id] });
    const { id } = await holdBlob(c, 100 * KiB);
    link(network, a, b);
    b.engine.wantBlobs([id]);
    await settle([a.engine, b.engine], network);
    expect(b.engine.blobProgress(id)).toEqual({ id, state: 'waiting', bytesReceived: 0 });
    const done = doneOf(b, id);
    link(network, c, b);
    expect(await done).toMatchObject({ total: 100 * KiB });
    expect(await b.store.blobSize(id)).toBe(100 * KiB);
  });

  it('starts again with another peer when the connection drops mid-transfer', async () => {
    const network = new MemoryNetwork();
    const a = new TestReplica('alice', alice.id, { friends: [bob.id] });
    const b = new TestReplica('bob', bob.id, { friends: [alice.id, carol.id] });
    const c = new TestReplica('carol', carol.id, { friends: [bob.id] });
    const { id, bytes } = await holdBlob(a, 2 * MiB);
    await c.store.putBlob(id, bytes);
    link(network, a, b, true);
    const fromCarol = link(network, c, b).received;
    const reports: BlobProgress[] = [];
    b.engine.onBlobProgress((p) => {
      reports.push(p);
      // Alice's link fails once she has sent two chunks.
      if (p.from === 'alice' && p.bytesReceived === 128 * KiB) {
        queueMicrotask(() => network.restart('alice'));
      }
    });
    const done = doneOf(b, id);
    b.engine.wantBlobs([id]);
    await done;
    expect(bytesEqual((await b.store.getBlob(id))!, bytes)).toBe(true);
    // From scratch: Carol sent the whole blob, and progress started over at 0.
    expect(count(fromCarol, 'blob-chunk')).toBe(32);
    const handover = reports.findIndex((p) => p.from === 'carol');
    expect(reports[handover]).toMatchObject({ state: 'fetching', bytesReceived: 0 });
    expect(reports.slice(0, handover).some((p) => p.from === 'alice' && p.bytesReceived > 0)).toBe(
      true,
    );
  });
});

describe('blobs from untrusted peers', () => {
  it('refuses a tampered photo, counts it against the sender, and gets it from an honest peer', async () => {
    const network = new MemoryNetwork();
    const m = new TestReplica('mallory', carol.id, { friends: [bob.id] });
    const c = new TestReplica('carol', carol.id, { friends: [bob.id] });
    const delivered: Uint8Array[] = [];
    const b: TestReplica = new TestReplica('bob', bob.id, {
      friends: [carol.id],
      receiveBlob: async (id, bytes) => {
        delivered.push(bytes.slice());
        await b.store.putBlob(id, bytes);
      },
    });
    const { id, bytes } = await holdBlob(c, 1 * MiB);
    // Mallory's store serves other bytes under the id (stores do not check what they are given).
    const tampered = bytes.slice();
    tampered[700 * KiB] = tampered[700 * KiB]! ^ 1;
    await m.store.putBlob(id, tampered);
    const { receiver: fromMallory, received: sentByMallory } = link(network, m, b);
    const fromCarol = link(network, c, b).received;
    const done = doneOf(b, id);
    b.engine.wantBlobs([id]);
    await done;

    expect(count(sentByMallory, 'blob-chunk')).toBe(16);
    expect(count(fromCarol, 'blob-chunk')).toBe(16);
    expect(delivered).toHaveLength(1);
    expect(bytesEqual(delivered[0]!, bytes)).toBe(true);
    expect(bytesEqual((await b.store.getBlob(id))!, bytes)).toBe(true);
    expect(fromMallory.progress).toMatchObject({
      invalid: 1,
      rejections: { 'blob-hash-mismatch': 1 },
      blobsReceived: 0,
      state: expect.not.stringMatching('closed'),
    });
    // Not asked for blobs again; entries (each verified on its own) still flow.
    expect(fromMallory.blobCapacity).toBe(0);
  });

  it('disconnects the sender of a tampered photo once it is over the invalid limit', async () => {
    const network = new MemoryNetwork();
    const m = new TestReplica('mallory', carol.id, { friends: [bob.id] });
    const b = new TestReplica('bob', bob.id, {
      friends: [carol.id],
      config: { maxInvalidEntries: 0 },
    });
    const id = blobIdOf(new Uint8Array(5000));
    await m.store.putBlob(id, new Uint8Array(5000).fill(1));
    const { receiver } = link(network, m, b);
    b.engine.wantBlobs([id]);
    await waitFor(() => receiver.closed);
    expect(receiver.progress.closed).toMatchObject({ reason: 'too-many-invalid-entries' });
    expect(await b.store.hasBlob(id)).toBe(false);
    expect(b.engine.blobProgress(id)).toMatchObject({ state: 'waiting' });
  });

  const other = blobIdOf(new Uint8Array([1])) as BlobId;
  const chunk = (id: BlobId, offset: number, total: number, size: number) =>
    encodeBlobChunk({ id, offset, total, bytes: new Uint8Array(size).fill(7) });
  const misbehaviour: [
    string,
    (id: BlobId) => Uint8Array[],
    SessionCloseReason,
    string | RegExp,
  ][] = [
    [
      'a chunk of a blob not asked for',
      () => [chunk(other, 0, 10, 10)],
      'unexpected-answer',
      /not asked/,
    ],
    [
      'blob-missing for a blob not asked for',
      () => [encodeBlobMissing(other)],
      'unexpected-answer',
      /not asked/,
    ],
    [
      'a first chunk that does not start at 0',
      (id) => [chunk(id, 5, 10, 5)],
      'bad-blob-chunk',
      /out-of-order/,
    ],
    [
      'a chunk that skips ahead',
      (id) => [chunk(id, 0, 10, 3), chunk(id, 5, 10, 5)],
      'bad-blob-chunk',
      /out-of-order/,
    ],
    [
      'a chunk that repeats',
      (id) => [chunk(id, 0, 10, 3), chunk(id, 0, 10, 3)],
      'bad-blob-chunk',
      /out-of-order/,
    ],
    [
      'a total that changes',
      (id) => [chunk(id, 0, 10, 3), chunk(id, 3, 12, 3)],
      'bad-blob-chunk',
      /total-changed/,
    ],
    [
      'a chunk beyond its total',
      (id) => [chunk(id, 8, 10, 5)],
      'malformed-message',
      'bad-blob-chunk',
    ],
    [
      'a total above 8 MiB',
      (id) => [chunk(id, 0, MAX_BLOB_BYTES + 1, 5)],
      'malformed-message',
      'bad-blob-total',
    ],
    ['a blob-want naming nothing', () => [new Uint8Array([6, 0])], 'malformed-message', 'no-blobs'],
    [
      'a truncated blob-missing',
      () => [new Uint8Array([8, 1, 2])],
      'malformed-message',
      'truncated',
    ],
    [
      'more blob wants than the queue holds',
      () => [encodeBlobWant(distinctIds(64, 1)), encodeBlobWant(distinctIds(64, 2))],
      'too-many-requests',
      /blobs queued/,
    ],
  ];

  it.each(misbehaviour)(
    'disconnects a peer that sends %s',
    async (_name, messages, reason, detail) => {
      const network = new MemoryNetwork();
      const b = new TestReplica('bob', bob.id, { friends: [alice.id] });
      const [tb, tm] = network.connect('bob', 'mallory');
      const toMallory = record(tm);
      const session = b.engine.attach(tb, 'mallory');
      const id = blobIdOf(randomBytes(10));
      b.engine.wantBlobs([id]);
      await waitFor(() => toMallory.some((m) => m.type === 'blob-want'));
      for (const m of messages(id)) await tm.send(m);
      await waitFor(() => session.closed);
      expect(session.progress.closed).toMatchObject({ reason });
      expect(session.progress.closed!.detail).toMatch(detail);
      expect(await b.store.hasBlob(id)).toBe(false);
      expect(b.engine.blobProgress(id)).toEqual({ id, state: 'waiting', bytesReceived: 0 });
    },
  );
});

/** `n` distinct blob ids (a seed keeps two lists apart). */
function distinctIds(n: number, seed: number): BlobId[] {
  return Array.from({ length: n }, (_, i) => blobIdOf(new Uint8Array([seed, i])));
}

describe('blind relay of private photos', () => {
  it('a relay without the key serves the ciphertext it holds byte for byte', async () => {
    const network = new MemoryNetwork();
    const key = await SymmetricKey.generate();
    const plaintext = randomBytes(200 * KiB);
    const sealed = await sealBlob(plaintext, key);
    const a = new TestReplica('alice', alice.id, { friends: [bob.id] });
    const r = new TestReplica('relay', carol.id, { friends: [] });
    const b = new TestReplica('bob', bob.id, { friends: [alice.id] });
    await a.store.putBlob(sealed.id, sealed.stored);

    // The relay fetches the ciphertext from Alice, then Alice goes away.
    link(network, a, r);
    const atRelay = doneOf(r, sealed.id);
    r.engine.wantBlobs([sealed.id]);
    await atRelay;
    network.restart('alice');
    const relayed = (await r.store.getBlob(sealed.id))!;
    expect(bytesEqual(relayed, sealed.stored)).toBe(true);
    expect(relayed.length).toBeGreaterThan(plaintext.length);
    expect(toHex(relayed)).not.toContain(toHex(plaintext.subarray(0, 32)));

    // Bob, who has the key, gets it from the relay alone and reads it.
    const { received } = link(network, r, b);
    const atBob = doneOf(b, sealed.id);
    b.engine.wantBlobs([sealed.id]);
    await atBob;
    expect(count(received, 'blob-chunk')).toBe(4);
    const stored = (await b.store.getBlob(sealed.id))!;
    expect(bytesEqual(stored, sealed.stored)).toBe(true);
    expect(bytesEqual(await openBlob(stored, key), plaintext)).toBe(true);
  });
});

describe('blobs and entries share a link', () => {
  it('a live entry pushed during a large transfer arrives before the transfer ends', async () => {
    const network = new MemoryNetwork();
    const a = new TestReplica('alice', alice.id, { friends: [bob.id] });
    const b = new TestReplica('bob', bob.id, { friends: [alice.id] });
    await publish(a, alice.log.slice(0, 10));
    const { id } = await holdBlob(a, 3 * MiB);
    const { received } = link(network, a, b, true);
    await settle([a.engine, b.engine], network);
    const done = doneOf(b, id);
    b.engine.wantBlobs([id]);
    await waitFor(() => chunks(received).length > 0);
    await publish(a, alice.log.slice(10, 11));
    await done;
    const push = received.findIndex((m) => m.type === 'entries' && m.reqId === 0);
    const lastChunk = received.findLastIndex((m) => m.type === 'blob-chunk');
    expect(push).toBeGreaterThan(received.findIndex((m) => m.type === 'blob-chunk'));
    expect(push).toBeLessThan(lastChunk);
    expect((await b.held(alice)).at(-1)).toBe(11);
  });

  // On a fast link the rule matters most: chunk sends never wait there, while an answer waits
  // on its store reads between messages.
  it.each([
    ['a fast link', false],
    ['a slow link', true],
  ])(
    'while an entry answer is being sent over %s, chunks alternate with its messages',
    async (_name, pace) => {
      const network = new MemoryNetwork();
      const a = new TestReplica('alice', alice.id, {
        friends: [bob.id],
        config: { maxBatchBytes: 2 * KiB },
      });
      const b = new TestReplica('bob', bob.id, {
        friends: [alice.id],
        config: { firstBudgetBytes: 1 * MiB },
      });
      await publish(a, alice.log);
      const { id } = await holdBlob(a, 3 * MiB);
      const { received } = link(network, a, b, pace);
      const done = doneOf(b, id);
      b.engine.wantBlobs([id]);
      await done;
      await settle([a.engine, b.engine], network);
      expect((await b.held(alice)).length).toBe(300);

      const kinds = received.map((m) =>
        m.type === 'entries' && m.entries.length > 0 ? 'E' : m.type === 'blob-chunk' ? 'C' : '-',
      );
      const span = kinds.slice(kinds.indexOf('E'), kinds.lastIndexOf('E') + 1).join('');
      expect(span.split('E').length - 1).toBeGreaterThan(10);
      // The blob kept moving during the answer, one chunk at a time between entry messages.
      expect(span).toContain('C');
      expect(span).not.toContain('CC');
    },
  );
});
