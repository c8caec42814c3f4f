/**
 * The core benchmark's page: the real core over the browser's own IndexedDB and WebCrypto, in
 * headless Chromium. It only measures and returns figures; `bench/core.ts` decides what to run,
 * bounds every call in time and prints the results. Counts are small enough to hold in memory,
 * except seeding, which signs and writes friend by friend in groups.
 */
import * as Y from 'yjs';
import { randomBytes } from '../../src/core/bytes.ts';
import { SymmetricKey } from '../../src/core/crypto/aead.ts';
import { writeNewPost } from '../../src/core/docs/post-doc.ts';
import { newDoc } from '../../src/core/docs/yjs-change.ts';
import { docIdOf } from '../../src/core/kinds/registry.ts';
import { DocCache } from '../../src/core/peer/doc-cache.ts';
import { Keyring } from '../../src/core/peer/keyring.ts';
import { Materializer } from '../../src/core/peer/materializer.ts';
import { PayloadOpener } from '../../src/core/peer/payloads.ts';
import { ManualClock } from '../../src/core/clock.ts';
import {
  EntryVerifier,
  signEntry,
  type VerifiedEntry,
} from '../../src/core/feed/entry-verifier.ts';
import { CHECK_WORKERS, browserEntryChecker } from '../../src/core/feed/browser-entry-checker.ts';
import { MIN_SLICE, WorkerEntryChecker } from '../../src/core/feed/worker-entry-checker.ts';
import { InlineEntryChecker } from '../../src/core/feed/entry-checker.ts';
import { decodeAnyEntry, entryDomain } from '../../src/core/feed/entry-codec.ts';
import { signingInput } from '../../src/core/identity/signed-record.ts';
import { Ed25519Verifier } from '../../src/core/identity/verifier.ts';
import { createIdentity } from '../../src/core/identity/device-setup.ts';
import {
  newPostId,
  parseDocId,
  personIdFromKey,
  postKey,
  type EntryHash,
} from '../../src/core/ids.ts';
import { MemoryNetwork } from '../../src/core/net/memory-network.ts';
import type { PostSummary } from '../../src/core/kinds/post.ts';
import { IdbStorageAdapter } from '../../src/core/store/idb-storage-adapter.ts';
import { MemoryStorageAdapter } from '../../src/core/store/memory-storage-adapter.ts';
import type {
  PageCursor,
  PostView,
  StorageAdapter,
  StoredEntry,
} from '../../src/core/store/storage-adapter.ts';
import { Ingestor } from '../../src/core/sync/ingest.ts';
import { SyncEngine } from '../../src/core/sync/sync-engine.ts';
import { TestPerson, settle, waitFor } from '../../src/core/sync/test-helpers.ts';
import type {
  CheckPartsResult,
  FirstPageResult,
  IngestResult,
  KithBench,
  MaterializeResult,
  PageSyncResult,
  SeedResult,
} from './api.ts';

/** Payload size of benchmark entries: a short post's encrypted Yjs update is about this big. */
const PAYLOAD_BYTES = 200;
/** Start of the seeded posts' times; one post per minute across all friends after it. */
const SEED_EPOCH = 1_700_000_000_000;
/** Friends signed (in parallel) and written per round while seeding: bounds memory. */
const SEED_GROUP = 20;
/** Rows per `putEntries` / `putPostViews` while seeding: one transaction each. */
const SEED_WRITE_BATCH = 1000;
/** Ingest batches in flight at once (the next verified while the previous one is written). */
const INGEST_IN_FLIGHT = 2;
/** Bound of the in-page sync. */
const SYNC_TIMEOUT_MS = 300_000;

function deleteDb(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error ?? new Error(`could not delete ${name}`));
    request.onblocked = () =>
      reject(new Error(`deleting ${name} is blocked by an open connection`));
  });
}

async function freshIdb(name: string): Promise<IdbStorageAdapter> {
  await deleteDb(name);
  return IdbStorageAdapter.open({ indexedDB, name });
}

async function ingest(count: number, authors: number, batch: number): Promise<IngestResult> {
  const people = await Promise.all(
    Array.from({ length: authors }, (_, i) => TestPerson.create(`author-${i}`)),
  );
  const perAuthor = Math.ceil(count / authors);
  await Promise.all(people.map((p) => p.append(perAuthor, { payloadBytes: PAYLOAD_BYTES })));
  const bytes = people.flatMap((p) => p.log.map((e) => e.bytes)).slice(0, count);

  const verifyStart = performance.now();
  const checks = await new EntryVerifier().verifyMany(bytes);
  const verifyOnlyMs = performance.now() - verifyStart;
  const verified = checks.filter((c): c is VerifiedEntry => !(c instanceof Error));
  if (verified.length !== bytes.length) throw new Error('an entry failed to verify');

  const plain = await freshIdb('bench-store-only');
  const storeStart = performance.now();
  for (let i = 0; i < verified.length; i += batch) {
    await plain.putEntries(verified.slice(i, i + batch));
  }
  const storeOnlyMs = performance.now() - storeStart;
  await plain.close();
  await deleteDb('bench-store-only');

  const pipelined = await ingestInto(
    'bench-ingest',
    bytes,
    batch,
    INGEST_IN_FLIGHT,
    'before',
    true,
  );
  const sequential = await ingestInto('bench-ingest-sequential', bytes, batch, 1, 'before');
  const coldStart = await ingestInto('bench-ingest-cold', bytes, batch, INGEST_IN_FLIGHT, 'timed');
  const { stored, ms } = pipelined;
  if (stored !== bytes.length) throw new Error(`stored ${stored} of ${bytes.length}`);
  const total = bytes.reduce((sum, b) => sum + b.byteLength, 0);
  return {
    entries: stored,
    authors,
    batch,
    entryBytes: Math.round(total / bytes.length),
    ms,
    perSec: (stored / ms) * 1000,
    verifyOnlyMs,
    storeOnlyMs,
    inFlight: INGEST_IN_FLIGHT,
    sequentialPerSec: (sequential.stored / sequential.ms) * 1000,
    coldStartPerSec: (coldStart.stored / coldStart.ms) * 1000,
  };
}

async function checkParts(count: number): Promise<CheckPartsResult> {
  const author = await TestPerson.create('parts');
  await author.append(count, { payloadBytes: PAYLOAD_BYTES });
  const bytes = author.log.map((e) => e.bytes);
  const perEntry = async <T>(work: () => T | Promise<T>): Promise<[T, number]> => {
    const start = performance.now();
    const result = await work();
    return [result, ((performance.now() - start) * 1000) / count];
  };
  const [decoded, decodeUs] = await perEntry(() => bytes.map((b) => decodeAnyEntry(b)));
  const signatures = decoded.map((e) => ({
    publicKey: e.deviceKey,
    message: signingInput(entryDomain(e.version), e.body),
    signature: e.signature,
  }));
  const [, signaturesUs] = await perEntry(() => new Ed25519Verifier().verifyMany(signatures));
  const [outcomes, checkUs] = await perEntry(() => new InlineEntryChecker().check(bytes));
  if (outcomes.some((o) => o.kind !== 'decoded' || o.failure)) throw new Error('a check failed');
  const [, replyCloneUs] = await perEntry(() => structuredClone(outcomes));
  const [, requestCloneUs] = await perEntry(() => structuredClone(bytes));
  return { entries: count, decodeUs, signaturesUs, checkUs, replyCloneUs, requestCloneUs };
}

async function materialize(
  count: number,
  friends: number,
  batch: number,
): Promise<MaterializeResult> {
  const clock = new ManualClock(SEED_EPOCH);
  const me = await createIdentity({ clock });
  const authors = await Promise.all(
    Array.from({ length: friends }, () => createIdentity({ clock })),
  );
  const logs = authors.map(() => ({ seq: 0, prev: undefined as EntryHash | undefined }));
  const entries: VerifiedEntry[] = [];
  for (let n = 0; n < count; n++) {
    const { device } = authors[n % friends]!;
    const log = logs[n % friends]!;
    const createdAt = SEED_EPOCH + n * 60_000;
    const doc = newDoc(device.yjsClientId);
    writeNewPost(doc, { text: postText(n), photos: [], audience: 'public', createdAt });
    const entry = await signEntry(device, {
      seq: ++log.seq,
      prev: log.prev,
      timestamp: createdAt,
      docId: docIdOf({ kind: 'post', postId: newPostId() }),
      payloadKind: 'yjs-update',
      payload: Y.encodeStateAsUpdate(doc),
    });
    log.prev = entry.hash;
    entries.push(entry);
  }
  const store = await freshIdb('bench-materialize');
  let written = 0;
  for (let i = 0; i < entries.length; i += batch) {
    written += (await store.putEntries(entries.slice(i, i + batch))).length;
  }
  if (written !== entries.length) throw new Error(`stored ${written} of ${entries.length}`);
  // Handed over decoded, as the `Ingestor` announces what it stored (`onStored`): the entries
  // verified, not copies read back that the materializer would decode a second time.
  const stored: StoredEntry[] = entries;
  const personId = me.identity.personId;
  const keyring = new Keyring(
    store,
    personId,
    {
      publicKey: me.identity.encryptionPublicKey,
      privateKey: me.identity.encryptionPrivateKey,
    },
    () => null,
  );
  const selfKey = await SymmetricKey.generate();
  const opener = new PayloadOpener(keyring, personId, () => selfKey);
  const docs = new DocCache((a, d) => store.getDocEntries(a, d), opener, me.device.yjsClientId);
  const friendIds = new Set(authors.map((a) => a.identity.personId));
  const materializer = new Materializer({
    me: personId,
    store,
    keyring,
    docs,
    opener,
    isFriend: (person) => friendIds.has(person),
    onFriends: () => undefined,
    republish: async () => undefined,
    reingest: async () => undefined,
    prefetch: async () => undefined,
    dropPhotos: async () => undefined,
    now: () => clock.now(),
  });
  const start = performance.now();
  for (let i = 0; i < stored.length; i += batch) {
    await materializer.apply(stored.slice(i, i + batch), 'stored');
  }
  const ms = performance.now() - start;
  const views: PostView[] = [];
  let before: PageCursor | undefined;
  for (;;) {
    const page = await store.timelinePage({ before, limit: 500 });
    views.push(...page.items);
    if (!page.next) break;
    before = page.next;
  }
  await store.close();
  await deleteDb('bench-materialize');
  const rows = views.length;
  if (rows !== count) throw new Error(`the timeline shows ${rows} of ${count} posts`);
  // The floor under it: the same rows written alone, in the same batches, into a fresh store,
  // as the materializer writes them (new posts, known to be new).
  views.reverse();
  const floor = await freshIdb('bench-materialize-floor');
  const floorStart = performance.now();
  for (let i = 0; i < views.length; i += batch) {
    await floor.writeViews(
      views.slice(i, i + batch).map((post) => ({ op: 'putPost', post, knownNew: true })),
    );
  }
  const writeFloorMs = performance.now() - floorStart;
  await floor.close();
  await deleteDb('bench-materialize-floor');
  return {
    posts: count,
    friends,
    batch,
    ms,
    perSec: (count / ms) * 1000,
    rows,
    writeFloorMs,
    vsWriteFloor: ms / writeFloorMs,
  };
}

/**
 * Ingests `bytes` in batches into a fresh database with a fresh verifier over fresh checking
 * workers (cold certificate caches), at most `inFlight` batches at once: with two, the next batch
 * is verified in the workers while this one is written, as pipelined sync delivers them.
 * `workersStart` says whether the workers load their script before the clock starts (as the
 * app's do, at start-up, long before a sync) or inside the timed run. The `marked` run is the
 * one whose CPU time `bench/core.ts` reads (`kithBenchIngestMark`).
 */
async function ingestInto(
  db: string,
  bytes: readonly Uint8Array[],
  batch: number,
  inFlight: number,
  workersStart: 'before' | 'timed',
  marked = false,
): Promise<{ stored: number; ms: number }> {
  const store = await freshIdb(db);
  const checker = browserEntryChecker();
  if (workersStart === 'before') await untilWorkersRun(checker);
  const ingestor = new Ingestor(store, new EntryVerifier({ checker }));
  let stored = 0;
  const running = new Set<Promise<void>>();
  if (marked) await window.kithBenchIngestMark?.('start');
  const start = performance.now();
  for (let i = 0; i < bytes.length; i += batch) {
    const run: Promise<void> = ingestor.ingest(bytes.slice(i, i + batch)).then((report) => {
      running.delete(run);
      if (report.rejected.length > 0) {
        throw new Error(`ingest refused ${report.rejected.length}: ${report.rejected[0]!.reason}`);
      }
      stored += report.accepted.length;
    });
    running.add(run);
    if (running.size >= inFlight) await Promise.race(running);
  }
  await Promise.all(running);
  const ms = performance.now() - start;
  if (marked) await window.kithBenchIngestMark?.('end');
  if (checker instanceof WorkerEntryChecker) checker.close();
  await store.close();
  await deleteDb(db);
  return { stored, ms };
}

/**
 * Resolves once every checking worker has loaded its script and answered: a check of entries that
 * do not decode, enough of them to reach each worker. It verifies nothing and caches no
 * certificate, so what is measured after it still starts cold.
 */
async function untilWorkersRun(checker: ReturnType<typeof browserEntryChecker>): Promise<void> {
  const junk = Array.from({ length: CHECK_WORKERS * MIN_SLICE }, () => new Uint8Array([0]));
  const outcomes = await checker.check(junk);
  if (outcomes.some((o) => o.kind !== 'undecodable')) throw new Error('junk decoded');
}

async function sync(count: number, kind: 'idb' | 'memory'): Promise<PageSyncResult> {
  const alice = await TestPerson.create('alice');
  const bob = await TestPerson.create('bob');
  await alice.append(count, { payloadBytes: PAYLOAD_BYTES });

  const floorStart = performance.now();
  const checks = await new EntryVerifier().verifyMany(alice.log.map((e) => e.bytes));
  const floorMs = performance.now() - floorStart;
  if (checks.some((c) => c instanceof Error)) throw new Error('floor: an entry failed to verify');

  const open = async (name: string): Promise<StorageAdapter> =>
    kind === 'idb' ? freshIdb(name) : new MemoryStorageAdapter();
  const storeA = await open('bench-sync-a');
  const storeB = await open('bench-sync-b');
  await storeA.putEntries(alice.log);
  const network = new MemoryNetwork();
  const a = new SyncEngine({ store: storeA, self: alice.id, friends: [bob.id] });
  const b = new SyncEngine({
    store: storeB,
    self: bob.id,
    friends: [alice.id],
    verifier: new EntryVerifier(),
  });
  let held = 0;
  b.ingestor.onStored((entries) => (held += entries.length));
  const start = performance.now();
  const [ta, tb] = network.connect('alice', 'bob');
  a.attach(ta, 'bob');
  b.attach(tb, 'alice');
  await waitFor(() => held >= count, SYNC_TIMEOUT_MS);
  const ms = performance.now() - start;
  a.close();
  b.close();
  await settle([a, b], network);
  await storeA.close();
  await storeB.close();
  if (kind === 'idb') {
    await deleteDb('bench-sync-a');
    await deleteDb('bench-sync-b');
  }
  return { store: kind, entries: count, ms, floorMs, ratio: ms / floorMs };
}

/** Words for post texts, so that views carry text of a realistic, varying length. */
const WORDS = 'the a walk by river today coffee with friends new photo garden rain sun cat'.split(
  ' ',
);

function postText(n: number): string {
  const words: string[] = [];
  for (let i = 0; i < 8 + (n % 40); i++) words.push(WORDS[(n * 7 + i * 3) % WORDS.length]!);
  return words.join(' ');
}

/** Signs one friend's posts (a chained log) and the views the materializer would write. */
async function friendPosts(
  friendIndex: number,
  friends: number,
  perFriend: number,
): Promise<{ entries: VerifiedEntry[]; views: PostView[] }> {
  const { identity, device } = await createIdentity({ clock: new ManualClock(SEED_EPOCH) });
  const author = personIdFromKey(identity.publicKey);
  const entries: VerifiedEntry[] = [];
  const views: PostView[] = [];
  let prev: EntryHash | undefined;
  for (let k = 0; k < perFriend; k++) {
    // Friends take turns, one post a minute overall: every friend's log spans the whole period.
    const createdAt = SEED_EPOCH + (k * friends + friendIndex) * 60_000;
    const postId = newPostId();
    const entry = await signEntry(device, {
      seq: k + 1,
      prev,
      timestamp: createdAt,
      docId: parseDocId(`post/${postId}`),
      payloadKind: 'encrypted',
      payload: randomBytes(PAYLOAD_BYTES),
    });
    prev = entry.hash;
    entries.push(entry);
    views.push({
      postId: postKey(author, postId),
      author,
      createdAt,
      summary: {
        text: postText(k * friends + friendIndex),
        photos: [],
        audience: 'friends',
        editedAt: null,
        hidden: [],
      } satisfies PostSummary,
    });
  }
  return { entries, views };
}

async function seed(db: string, posts: number, friends: number): Promise<SeedResult> {
  const start = performance.now();
  const store = await freshIdb(db);
  const perFriend = Math.ceil(posts / friends);
  let views = 0;
  let entries = 0;
  let entryBytes = 0;
  for (let first = 0; first < friends; first += SEED_GROUP) {
    const group = await Promise.all(
      Array.from({ length: Math.min(SEED_GROUP, friends - first) }, (_, i) =>
        friendPosts(first + i, friends, perFriend),
      ),
    );
    const groupEntries = group.flatMap((g) => g.entries);
    const groupViews = group.flatMap((g) => g.views);
    for (let i = 0; i < groupEntries.length; i += SEED_WRITE_BATCH) {
      await store.putEntries(groupEntries.slice(i, i + SEED_WRITE_BATCH));
    }
    for (let i = 0; i < groupViews.length; i += SEED_WRITE_BATCH) {
      await store.putPostViews(groupViews.slice(i, i + SEED_WRITE_BATCH));
    }
    entries += groupEntries.length;
    views += groupViews.length;
    entryBytes += groupEntries.reduce((sum, e) => sum + e.bytes.byteLength, 0);
  }
  const logs = (await store.listLogs()).length;
  await store.close();
  return { db, friends, views, entries, entryBytes, logs, ms: performance.now() - start };
}

async function firstPage(db: string): Promise<FirstPageResult> {
  const start = performance.now();
  const store = await IdbStorageAdapter.open({ indexedDB, name: db });
  const opened = performance.now();
  const page = await store.timelinePage({ limit: 20 });
  const end = performance.now();
  await store.close();
  return {
    openMs: opened - start,
    pageMs: end - opened,
    ms: end - start,
    items: page.items.length,
    newest: page.items[0]?.createdAt ?? 0,
  };
}

window.kithBench = {
  ingest,
  checkParts,
  materialize,
  sync,
  seed,
  firstPage,
  deleteDb,
} satisfies KithBench;
