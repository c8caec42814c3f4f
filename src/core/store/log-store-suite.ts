/**
 * The behaviour every `LogStore` must show (entries, covers, forks, blobs, settings). Each
 * implementation's test file calls `runLogStoreSuite` with a factory that returns a fresh, empty
 * store; whole `StorageAdapter`s also run `view-store-suite.ts`.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EntryConflictError, StoreClosedError, StoreInputError } from './errors.ts';
import { forkedLogs } from './forks.ts';
import { entryHasPayload, withoutPayload } from '../feed/entry-codec.ts';
import type { DeviceId, PersonId } from '../ids.ts';
import type { LogStore } from './storage-adapter.ts';
import {
  ALICE,
  BOB,
  LAPTOP,
  PHONE,
  testEntries,
  testEntry,
  coveredLogs,
  crossCovers,
  photoLogs,
} from './store-test-helpers.ts';

/** An inclusive seq range, as the store reports them. */
const r = (start: number, end: number) => ({ start, end });

/** The ranges of a set of seqs, computed the obvious way (the oracle of the property test). */
function rangesOf(seqs: Set<number>): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (const seq of [...seqs].sort((a, b) => a - b)) {
    const last = out.at(-1);
    if (last && last.end + 1 === seq) last.end = seq;
    else out.push(r(seq, seq));
  }
  return out;
}

/** Makes a fresh, empty log store. */
export type MakeLogStore = () => Promise<LogStore>;

/** Registers the shared log-store tests under `describe(name)`. */
export function runLogStoreSuite(name: string, makeStore: MakeLogStore): void {
  describe(`LogStore: ${name}`, () => {
    let store: LogStore;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('entries', () => {
      it('gives back an entry as it was stored, and nothing where nothing was stored', async () => {
        const e = testEntry(ALICE, PHONE, 1);
        await store.putEntries([e]);
        expect(await store.getEntry(ALICE, PHONE, 1)).toEqual(e);
        expect(await store.getEntry(ALICE, PHONE, 2)).toBeUndefined();
        expect(await store.getEntry(ALICE, LAPTOP, 1)).toBeUndefined();
        expect(await store.hashAt(ALICE, PHONE, 1)).toEqual(e.hash);
        expect(await store.hashAt(BOB, PHONE, 1)).toBeUndefined();
      });

      it('hands back what it stored with bytes of their own, never a view into a larger buffer', async () => {
        const entries = testEntries(ALICE, PHONE, 1, 3);
        // As a batch cut from one message would give them.
        const message = new Uint8Array(entries.reduce((n, e) => n + e.bytes.length + 1, 0));
        let at = 1;
        const views = entries.map((e) => {
          message.set(e.bytes, at);
          const view = { ...e, bytes: message.subarray(at, at + e.bytes.length) };
          at += e.bytes.length + 1;
          return view;
        });
        const stored = await store.putEntries(views);
        expect(stored).toEqual(entries);
        for (const e of stored) expect(e.bytes.buffer.byteLength).toBe(e.bytes.length);
      });

      it('keeps its own copy of the bytes', async () => {
        const e = testEntry(ALICE, PHONE, 1);
        const original = e.bytes.slice();
        await store.putEntries([e]);
        e.bytes[0] = 0xff;
        const read = await store.getEntry(ALICE, PHONE, 1);
        expect(read?.bytes).toEqual(original);
        read!.bytes[1] = 0xff;
        expect((await store.getEntry(ALICE, PHONE, 1))?.bytes).toEqual(original);
      });

      it('summarises a log as seq ranges that grow as gaps fill (recent first)', async () => {
        await store.putEntries(testEntries(ALICE, PHONE, 90, 100));
        expect(await store.heldRanges(ALICE, PHONE)).toEqual([r(90, 100)]);
        await store.putEntries(testEntries(ALICE, PHONE, 40, 50));
        expect(await store.heldRanges(ALICE, PHONE)).toEqual([r(40, 50), r(90, 100)]);
        await store.putEntries(testEntries(ALICE, PHONE, 51, 89));
        expect(await store.heldRanges(ALICE, PHONE)).toEqual([r(40, 100)]);
        expect(await store.heldRanges(ALICE, LAPTOP)).toEqual([]);
      });

      it('lists every log with its counts and bytes', async () => {
        const phone = testEntries(ALICE, PHONE, 1, 5);
        const laptop = testEntries(ALICE, LAPTOP, 3, 4);
        const bob = testEntries(BOB, PHONE, 1, 1);
        await store.putEntries([...phone, ...laptop, ...bob]);
        const sum = (es: typeof phone) => es.reduce((n, e) => n + e.bytes.length, 0);
        const logs = await store.listLogs();
        const byKey = new Map(logs.map((l) => [`${l.author}/${l.device}`, l]));
        expect(logs).toHaveLength(3);
        expect(byKey.get('alice/phone')).toEqual({
          author: ALICE,
          device: PHONE,
          ranges: [r(1, 5)],
          entries: 5,
          bytes: sum(phone),
        });
        expect(byKey.get('alice/laptop')?.ranges).toEqual([r(3, 4)]);
        expect(byKey.get('bob/phone')?.bytes).toBe(sum(bob));
        const usage = await store.usage();
        expect(usage.byAuthor.get(ALICE)).toBe(sum(phone) + sum(laptop));
        expect(usage.byAuthor.get(BOB)).toBe(sum(bob));
      });

      it('stores an identical entry twice as once', async () => {
        await store.putEntries(testEntries(ALICE, PHONE, 1, 3));
        const before = await store.listLogs();
        await store.putEntries([...testEntries(ALICE, PHONE, 2, 3), testEntry(ALICE, PHONE, 2)]);
        expect(await store.listLogs()).toEqual(before);
      });

      it('refuses a whole batch when one entry collides with a held one (a fork)', async () => {
        await store.putEntries(testEntries(ALICE, PHONE, 1, 3));
        const before = await store.listLogs();
        const batch = [
          testEntry(BOB, PHONE, 1),
          testEntry(ALICE, PHONE, 4),
          testEntry(ALICE, PHONE, 2, 1),
        ];
        await expect(store.putEntries(batch)).rejects.toBeInstanceOf(EntryConflictError);
        expect(await store.listLogs()).toEqual(before);
        expect(await store.getEntry(ALICE, PHONE, 4)).toBeUndefined();
        expect(await store.getEntry(BOB, PHONE, 1)).toBeUndefined();
        expect(await store.getEntry(ALICE, PHONE, 2)).toEqual(testEntry(ALICE, PHONE, 2));
      });

      it('refuses a batch that holds two different entries at one position', async () => {
        const batch = [testEntry(ALICE, PHONE, 1), testEntry(ALICE, PHONE, 1, 1)];
        await expect(store.putEntries(batch)).rejects.toBeInstanceOf(EntryConflictError);
        expect(await store.listLogs()).toEqual([]);
      });

      it('refuses malformed entries with StoreInputError', async () => {
        const good = testEntry(ALICE, PHONE, 1);
        const bad = [
          { ...good, seq: 0 },
          { ...good, seq: 1.5 },
          { ...good, hash: good.hash.slice(1) },
          { ...good, hash: new Uint8Array(32) },
          { ...good, prev: good.hash },
          { ...testEntry(ALICE, PHONE, 3), prev: undefined },
          { ...good, docId: '' },
          { ...good, author: '' },
        ];
        for (const e of bad) {
          await expect(
            store.putEntries([testEntry(ALICE, PHONE, 2), e as never]),
          ).rejects.toBeInstanceOf(StoreInputError);
        }
        expect(await store.listLogs()).toEqual([]);
        await expect(store.getEntry(ALICE, PHONE, 0)).rejects.toBeInstanceOf(StoreInputError);
      });

      it('reads a seq range ascending and the latest entries newest first, across gaps', async () => {
        await store.putEntries([
          ...testEntries(ALICE, PHONE, 1, 3),
          ...testEntries(ALICE, PHONE, 7, 9),
        ]);
        await store.putEntries(testEntries(ALICE, LAPTOP, 1, 20));
        const seqs = (es: { seq: number }[]) => es.map((e) => e.seq);
        expect(seqs(await store.getEntries(ALICE, PHONE, 2, 8))).toEqual([2, 3, 7, 8]);
        expect(seqs(await store.getEntries(ALICE, PHONE, 4, 6))).toEqual([]);
        expect(seqs(await store.getLatestEntries(ALICE, PHONE, 4))).toEqual([9, 8, 7, 3]);
        expect(seqs(await store.getLatestEntries(ALICE, PHONE, 100))).toEqual([9, 8, 7, 3, 2, 1]);
        expect(await store.getLatestEntries(BOB, PHONE, 5)).toEqual([]);
        expect(await store.getEntries(ALICE, PHONE, 8, 8)).toEqual([testEntry(ALICE, PHONE, 8)]);
      });

      it("gathers one author's doc from all their devices, by device then seq", async () => {
        await store.putEntries([
          ...testEntries(ALICE, PHONE, 1, 7),
          ...testEntries(ALICE, LAPTOP, 1, 4),
          ...testEntries(BOB, PHONE, 1, 7),
        ]);
        const doc = testEntry(ALICE, PHONE, 1).docId;
        const found = await store.getDocEntries(ALICE, doc);
        expect(found.map((e) => `${e.device}#${e.seq}`)).toEqual([
          'laptop#1',
          'laptop#4',
          'phone#1',
          'phone#4',
          'phone#7',
        ]);
        expect(found[0]).toEqual(testEntry(ALICE, LAPTOP, 1));
        expect(await store.getDocEntries(ALICE, testEntry(ALICE, PHONE, 3).docId)).toHaveLength(3);
      });

      it('gathers many docs in one call, each as getDocEntries gives it, in the order asked', async () => {
        await store.putEntries([
          ...testEntries(ALICE, PHONE, 1, 7),
          ...testEntries(BOB, PHONE, 1, 4),
        ]);
        const docs = [
          { author: BOB, docId: testEntry(BOB, PHONE, 2).docId },
          { author: ALICE, docId: testEntry(ALICE, PHONE, 1).docId },
          { author: ALICE, docId: testEntry(BOB, PHONE, 99).docId },
        ];
        const one = await Promise.all(docs.map((d) => store.getDocEntries(d.author, d.docId)));
        expect(one.map((entries) => entries.length)).toEqual([1, 3, 2]);
        expect(await store.getManyDocsEntries(docs)).toEqual(one);
        expect(await store.getManyDocsEntries([])).toEqual([]);
      });

      it('prunes the old part of a log, or all of it', async () => {
        await store.putEntries([
          ...testEntries(ALICE, PHONE, 1, 10),
          ...testEntries(ALICE, PHONE, 15, 20),
        ]);
        await store.putEntries(testEntries(ALICE, LAPTOP, 1, 2));
        await store.pruneLog(ALICE, PHONE, 8);
        expect(await store.heldRanges(ALICE, PHONE)).toEqual([r(8, 10), r(15, 20)]);
        expect(await store.getEntry(ALICE, PHONE, 7)).toBeUndefined();
        const kept = [...testEntries(ALICE, PHONE, 8, 10), ...testEntries(ALICE, PHONE, 15, 20)];
        const phone = (await store.listLogs()).find((l) => l.device === PHONE);
        expect(phone?.entries).toBe(kept.length);
        expect(phone?.bytes).toBe(kept.reduce((n, e) => n + e.bytes.length, 0));

        await store.pruneLog(ALICE, PHONE, Number.POSITIVE_INFINITY);
        expect(await store.heldRanges(ALICE, PHONE)).toEqual([]);
        expect(await store.getLatestEntries(ALICE, PHONE, 10)).toEqual([]);
        expect((await store.listLogs()).map((l) => l.device)).toEqual([LAPTOP]);
        await store.pruneLog(BOB, PHONE, 5);
      });

      it('reads, prunes and gathers a long log exactly at any seq (layouts that group entries)', async () => {
        // 700 entries in batches of 300, 1 and the rest: whatever groups a store keeps, a range
        // crossing their borders, a prune cutting one, and a doc spread over them read exactly.
        await store.putEntries(testEntries(ALICE, PHONE, 1, 300));
        await store.putEntries(testEntries(ALICE, PHONE, 301, 301));
        await store.putEntries(testEntries(ALICE, PHONE, 302, 700));
        expect(await store.getEntries(ALICE, PHONE, 250, 310)).toEqual(
          testEntries(ALICE, PHONE, 250, 310),
        );
        expect(await store.getLinks(ALICE, PHONE, 256, 257)).toHaveLength(2);
        expect(await store.getEntry(ALICE, PHONE, 513)).toEqual(testEntry(ALICE, PHONE, 513));
        expect(await store.hashAt(ALICE, PHONE, 700)).toBe(testEntry(ALICE, PHONE, 700).hash);
        expect(await store.getLatestEntries(ALICE, PHONE, 402)).toEqual(
          testEntries(ALICE, PHONE, 299, 700).reverse(),
        );
        const doc = testEntry(ALICE, PHONE, 3).docId;
        expect((await store.getDocEntries(ALICE, doc)).map((e) => e.seq)).toEqual(
          testEntries(ALICE, PHONE, 1, 700)
            .filter((e) => e.docId === doc)
            .map((e) => e.seq),
        );

        await store.pruneLog(ALICE, PHONE, 400);
        expect(await store.heldRanges(ALICE, PHONE)).toEqual([r(400, 700)]);
        expect(await store.getEntries(ALICE, PHONE, 1, 401)).toEqual(
          testEntries(ALICE, PHONE, 400, 401),
        );
        expect((await store.getDocEntries(ALICE, doc))[0]!.seq).toBe(400 + ((3 - (400 % 3)) % 3));
        const kept = testEntries(ALICE, PHONE, 400, 700);
        expect((await store.listLogs())[0]).toMatchObject({
          entries: kept.length,
          bytes: kept.reduce((n, e) => n + e.bytes.length, 0),
        });
        // Positions below the prune can be stored again, next to those kept.
        await store.putEntries(testEntries(ALICE, PHONE, 390, 399));
        expect(await store.getEntries(ALICE, PHONE, 395, 404)).toEqual(
          testEntries(ALICE, PHONE, 395, 404),
        );
      });

      it('keeps heldRanges equal to the ranges of every seq ever stored', async () => {
        const batches = fc.array(
          fc.uniqueArray(fc.integer({ min: 1, max: 120 }), { maxLength: 30 }),
          {
            maxLength: 8,
          },
        );
        await fc.assert(
          fc.asyncProperty(batches, async (seqSets) => {
            const s = await makeStore();
            try {
              const all = new Set<number>();
              for (const seqs of seqSets) {
                await s.putEntries(seqs.map((seq) => testEntry(ALICE, PHONE, seq)));
                seqs.forEach((seq) => all.add(seq));
                expect(await s.heldRanges(ALICE, PHONE)).toEqual(rangesOf(all));
              }
              const count = (await s.listLogs())[0]?.entries ?? 0;
              expect(count).toBe(all.size);
            } finally {
              await s.close();
            }
          }),
          { numRuns: 40 },
        );
      });
    });

    describe('covered entries (entries v2)', () => {
      /** Sum of the held entries' sizes, read back entry by entry (the summary's oracle). */
      async function heldBytes(author: PersonId, device: DeviceId): Promise<number> {
        const held = await store.getEntries(author, device, 1, 100);
        return held.reduce((sum, e) => sum + e.bytes.length, 0);
      }

      it('drops what a whole-state entry covers: a v2 entry keeps all but its payload, a v1 entry its hash', async () => {
        const { phone, laptop } = await coveredLogs();
        const [v1, v2, profile, whole] = phone;
        expect(await store.putEntries([v1!, v2!, profile!, laptop[0]!])).toHaveLength(4);
        const stored = await store.putEntries([whole!]);
        expect(stored.map((e) => e.seq)).toEqual([4]);

        // The v1 entry is gone; its position, hash and prev stay for the chain check.
        expect(await store.getEntry(v1!.author, v1!.device, 1)).toBeUndefined();
        expect(await store.hashAt(v1!.author, v1!.device, 1)).toBe(v1!.hash);
        expect(await store.heldRanges(v1!.author, v1!.device)).toEqual([r(1, 4)]);
        expect(await store.getLinks(v1!.author, v1!.device, 1, 4)).toEqual(
          // Only the profile entry (another doc) and the whole state still carry a payload.
          phone.map((e) => ({ seq: e.seq, hash: e.hash, prev: e.prev, payload: e.seq >= 3 })),
        );
        // The v2 entries covered (on both devices) are held without payload, same hash.
        for (const e of [v2!, laptop[0]!]) {
          const held = await store.getEntry(e.author, e.device, e.seq);
          expect(held?.hash).toBe(e.hash);
          expect(held?.bytes).toEqual(withoutPayload(e));
        }
        // An entry of another doc named by the cover keeps its payload.
        expect((await store.getEntry(profile!.author, profile!.device, 3))?.bytes).toEqual(
          profile!.bytes,
        );
        // The doc is rebuilt from its whole-state entry alone.
        expect((await store.getDocEntries(whole!.author, whole!.docId)).map((e) => e.hash)).toEqual(
          [whole!.hash],
        );
        // Sync reads the payload-less forms, and never the placeholder.
        expect((await store.getEntries(v1!.author, v1!.device, 1, 4)).map((e) => e.seq)).toEqual([
          2, 3, 4,
        ]);
        expect(
          (await store.getLatestEntries(v1!.author, v1!.device, 10)).map((e) => e.seq),
        ).toEqual([4, 3, 2]);
        const [summary] = (await store.listLogs()).filter((l) => l.device === v1!.device);
        expect(summary).toMatchObject({
          entries: 4,
          bytes: await heldBytes(v1!.author, v1!.device),
        });
      });

      it('stores an entry arriving at a covered position without its payload, ever after', async () => {
        const { phone, laptop } = await coveredLogs();
        const [v1, v2, profile, whole] = phone;
        await store.putEntries([whole!]);
        const stored = await store.putEntries([v1!, v2!, profile!, laptop[0]!]);
        // The v1 entry is not stored (nor announced): only its placeholder.
        expect(stored.map((e) => `${e.seq}:${entryHasPayload(e.bytes)}`).sort()).toEqual([
          '1:false',
          '2:false',
          '3:true',
        ]);
        expect(await store.getEntry(v1!.author, v1!.device, 1)).toBeUndefined();
        expect(await store.hashAt(v1!.author, v1!.device, 1)).toBe(v1!.hash);
        expect((await store.getEntry(v2!.author, v2!.device, 2))?.bytes).toEqual(
          withoutPayload(v2!),
        );
        expect((await store.getDocEntries(whole!.author, whole!.docId)).map((e) => e.hash)).toEqual(
          [whole!.hash],
        );
        const [summary] = (await store.listLogs()).filter((l) => l.device === v1!.device);
        expect(summary).toMatchObject({
          entries: 4,
          bytes: await heldBytes(v1!.author, v1!.device),
        });
      });

      it('remembers the first cover of a position not yet held, whichever batches come after', async () => {
        // Every store keeps one remembered cover per position: the first. (A cover naming a
        // position of another doc, which Kith never writes, shadows a later one of the
        // position's own doc: docs/storage.md "Covered entries".)
        const { covered, sameDoc, otherDoc } = await crossCovers();
        await store.putEntries([sameDoc]);
        await store.putEntries([otherDoc]);
        const [stored] = await store.putEntries([covered]);
        expect(stored?.bytes).toEqual(withoutPayload(covered));
      });

      it('applies covers within one batch, and refuses a different entry at a placeholder', async () => {
        const { phone } = await coveredLogs();
        await store.putEntries(phone);
        expect(await store.getEntry(phone[0]!.author, phone[0]!.device, 1)).toBeUndefined();
        expect((await store.getDocEntries(phone[3]!.author, phone[3]!.docId)).length).toBe(1);
        const other = { ...phone[0]!, hash: phone[1]!.hash };
        await expect(store.putEntries([other])).rejects.toBeInstanceOf(EntryConflictError);
      });

      it('fills in a payload a relay withheld, never one a cover dropped', async () => {
        const { phone } = await coveredLogs();
        const [, v2, profile, whole] = phone;
        const bare = (e: typeof v2) => ({ ...e!, bytes: withoutPayload(e!) });
        // Withheld by a relay: the profile entry and the edit arrive without payload.
        await store.putEntries([bare(profile), bare(v2)]);
        expect(await store.getDocEntries(profile!.author, profile!.docId)).toEqual([]);
        const refilled = await store.putEntries([profile!]);
        expect(refilled.map((e) => e.seq)).toEqual([3]);
        expect((await store.getEntry(profile!.author, profile!.device, 3))?.bytes).toEqual(
          profile!.bytes,
        );
        // Once the whole state covering the edit is held, its payload is never taken again.
        await store.putEntries([whole!]);
        expect(await store.putEntries([v2!])).toEqual([]);
        expect((await store.getEntry(v2!.author, v2!.device, 2))?.bytes).toEqual(
          withoutPayload(v2!),
        );
        const [summary] = await store.listLogs();
        expect(summary!.bytes).toBe(await heldBytes(v2!.author, v2!.device));
      });

      it('deletes the photo ciphertext a covered entry listed once no entry keeping its payload lists it (a relay after an edit and a delete)', async () => {
        const { entries, blobs } = await photoLogs();
        const [posted, edited, deleted, message] = entries;
        for (const blob of blobs) await store.putBlob(blob.id, blob.bytes);
        const held = async () =>
          (await Promise.all(blobs.map(async (b) => ((await store.hasBlob(b.id)) ? b.id : []))))
            .flat()
            .map((id) => blobs.findIndex((b) => b.id === id) + 1);
        await store.putEntries([posted!, message!]);
        expect(await held()).toEqual([1, 2, 3, 4]);
        // The edit drops photo 1 and lists 2 and 3 again: only 1 goes.
        await store.putEntries([edited!]);
        expect(await held()).toEqual([2, 3, 4]);
        expect(await store.getBlob(blobs[0]!.id)).toBeUndefined();
        // The deletion lists nothing: the post's photos go; the message's (another doc) stays.
        await store.putEntries([deleted!]);
        expect(await held()).toEqual([4]);
        expect((await store.usage()).blobBytes).toBe(blobs[3]!.bytes.length);
      });

      it('keeps photos an entry of the same batch still lists, and drops those of an entry arriving covered', async () => {
        const { entries, blobs } = await photoLogs();
        const [posted, edited, deleted] = entries;
        for (const blob of blobs) await store.putBlob(blob.id, blob.bytes);
        // The post and its edit together: photo 1 goes, 2 and 3 stay (the edit lists them).
        await store.putEntries([posted!, edited!]);
        expect(await store.hasBlob(blobs[0]!.id)).toBe(false);
        expect(await store.hasBlob(blobs[1]!.id)).toBe(true);
        // The deletion first, then the edit it covers, arriving with its payload: 2 and 3 go.
        const other = await makeStore();
        for (const blob of blobs) await other.putBlob(blob.id, blob.bytes);
        await other.putEntries([posted!, deleted!]);
        await other.putEntries([edited!]);
        for (const n of [1, 2, 3]) expect(await other.hasBlob(blobs[n - 1]!.id)).toBe(false);
        expect(await other.hasBlob(blobs[3]!.id)).toBe(true);
        await other.close();
      });

      it('keeps working across a prune of the covered positions', async () => {
        const { phone } = await coveredLogs();
        await store.putEntries(phone);
        await store.pruneLog(phone[0]!.author, phone[0]!.device, 3);
        const [summary] = await store.listLogs();
        expect(summary).toMatchObject({ ranges: [r(3, 4)], entries: 2 });
        expect(summary!.bytes).toBe(await heldBytes(phone[0]!.author, phone[0]!.device));
      });
    });

    describe('forks', () => {
      it('keeps one piece of evidence per position', async () => {
        const a = testEntry(ALICE, PHONE, 5);
        const b = testEntry(ALICE, PHONE, 5, 1);
        await store.putForkEvidence(a, b);
        await store.putForkEvidence(a, testEntry(ALICE, PHONE, 5, 2));
        expect(await store.listForks()).toEqual([{ first: a, second: b }]);
        expect(await store.getEntry(ALICE, PHONE, 5)).toBeUndefined();
      });

      it('names each forked log with its lowest forked seq', async () => {
        await store.putForkEvidence(testEntry(ALICE, PHONE, 7), testEntry(ALICE, PHONE, 7, 1));
        await store.putForkEvidence(testEntry(ALICE, PHONE, 5), testEntry(ALICE, PHONE, 5, 1));
        await store.putForkEvidence(testEntry(BOB, LAPTOP, 2), testEntry(BOB, LAPTOP, 2, 1));
        expect(await store.forkSeq(ALICE, PHONE)).toBe(5);
        expect(await store.forkSeq(ALICE, LAPTOP)).toBeUndefined();
        const logs = await forkedLogs(store);
        expect(logs).toEqual(
          expect.arrayContaining([
            { author: ALICE, device: PHONE, seq: 5 },
            { author: BOB, device: LAPTOP, seq: 2 },
          ]),
        );
        expect(logs).toHaveLength(2);
      });

      it("leaves out of a doc's entries those at and past a fork of their log", async () => {
        // Seqs 1..9 of Alice's phone and laptop; the phone's log forked at 5.
        await store.putEntries([
          ...testEntries(ALICE, PHONE, 1, 9),
          ...testEntries(ALICE, LAPTOP, 1, 9),
        ]);
        await store.putForkEvidence(testEntry(ALICE, PHONE, 5), testEntry(ALICE, PHONE, 5, 1));
        const doc = testEntry(ALICE, PHONE, 1).docId;
        const found = await store.getDocEntries(ALICE, doc);
        expect(found.map((e) => `${e.device}/${e.seq}`)).toEqual([
          'laptop/1',
          'laptop/4',
          'laptop/7',
          'phone/1',
          'phone/4',
        ]);
        // The entries stay held: they are the evidence, relayed like any other.
        expect(await store.getEntry(ALICE, PHONE, 6)).toBeDefined();
      });

      it('refuses evidence that is no fork', async () => {
        const a = testEntry(ALICE, PHONE, 5);
        await expect(store.putForkEvidence(a, a)).rejects.toBeInstanceOf(StoreInputError);
        await expect(store.putForkEvidence(a, testEntry(ALICE, PHONE, 6))).rejects.toBeInstanceOf(
          StoreInputError,
        );
        expect(await store.listForks()).toEqual([]);
      });
    });

    describe('blobs', () => {
      it('stores content-addressed blobs once', async () => {
        const bytes = new Uint8Array(3000).map((_, i) => i % 251);
        await store.putBlob('h1', bytes);
        await store.putBlob('h1', bytes);
        await store.putBlob('h2', new Uint8Array(10));
        expect(await store.getBlob('h1')).toEqual(bytes);
        expect(await store.hasBlob('h1')).toBe(true);
        expect(await store.blobSize('h1')).toBe(3000);
        expect(await store.hasBlob('nope')).toBe(false);
        expect(await store.getBlob('nope')).toBeUndefined();
        expect(await store.blobSize('nope')).toBeUndefined();
        expect((await store.usage()).blobBytes).toBe(3010);
        await expect(store.putBlob('', bytes)).rejects.toBeInstanceOf(StoreInputError);
      });

      it('deletes blobs, and their bytes leave the usage', async () => {
        await store.putBlob('h1', new Uint8Array(3000));
        await store.putBlob('h2', new Uint8Array(10));
        await store.deleteBlobs(['h1', 'nope']);
        expect(await store.hasBlob('h1')).toBe(false);
        expect(await store.getBlob('h1')).toBeUndefined();
        expect(await store.hasBlob('h2')).toBe(true);
        expect((await store.usage()).blobBytes).toBe(10);
        await store.deleteBlobs([]);
        expect((await store.usage()).blobBytes).toBe(10);
      });
    });

    describe('settings', () => {
      it('keeps structured values and deletes on undefined', async () => {
        expect(await store.getSetting('theme')).toBeUndefined();
        await store.setSetting('theme', { mode: 'dark', sizes: [1, 2] });
        expect(await store.getSetting('theme')).toEqual({ mode: 'dark', sizes: [1, 2] });
        await store.setSetting('theme', undefined);
        expect(await store.getSetting('theme')).toBeUndefined();
      });

      it('keeps a CryptoKey usable, or refuses it when keys are kept as bytes', async () => {
        const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, [
          'sign',
          'verify',
        ])) as CryptoKeyPair;
        if (store.keyForm === 'bytes') {
          await expect(
            store.setSetting('identity', { privateKey: pair.privateKey }),
          ).rejects.toBeInstanceOf(StoreInputError);
          expect(await store.getSetting('identity')).toBeUndefined();
          return;
        }
        await store.setSetting('identity', { privateKey: pair.privateKey });
        const read = (await store.getSetting('identity')) as { privateKey: CryptoKey };
        expect(read.privateKey).toBeInstanceOf(CryptoKey);
        expect(read.privateKey.extractable).toBe(false);
        const message = new TextEncoder().encode('hello');
        const signature = await crypto.subtle.sign({ name: 'Ed25519' }, read.privateKey, message);
        expect(
          await crypto.subtle.verify({ name: 'Ed25519' }, pair.publicKey, signature, message),
        ).toBe(true);
      });

      it('keeps bytes, maps and nested values as they were', async () => {
        const value = {
          seed: new Uint8Array([1, 2, 3]),
          map: new Map([['a', [1, null]]]),
          n: -0.5,
        };
        await store.setSetting('device/state', value);
        expect(await store.getSetting('device/state')).toEqual(value);
      });
    });

    it('rejects every call after close with StoreClosedError', async () => {
      await store.close();
      await expect(store.getEntry(ALICE, PHONE, 1)).rejects.toBeInstanceOf(StoreClosedError);
      await expect(store.putEntries([testEntry(ALICE, PHONE, 1)])).rejects.toBeInstanceOf(
        StoreClosedError,
      );
      await expect(store.getSetting('theme')).rejects.toBeInstanceOf(StoreClosedError);
    });
  });
}
