/**
 * Schema 1 (the landed code, before entries v2) to schema 2. The fixture is a database at
 * version 1 built by the landed upgrade step (`MIGRATIONS[0]`, unchanged) holding records in
 * the landed shape: v1 entries as the landed adapter wrote them (eight fields, no `covers`), their
 * log summary and a post view. After the upgrade everything reads back as before, and the new
 * cover rule works on the old records.
 */
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { signEntry } from '../feed/entry-verifier.ts';
import { testAuthor } from '../feed/test-helpers.ts';
import { parseDocId } from '../ids.ts';
import { MIGRATIONS, SCHEMA_VERSION, upgradeSchema, type KithDb } from './idb-schema.ts';
import { MAX_RUN, runFromDisk } from './idb-entry-runs.ts';
import { SLICE_ROWS } from './post-slices.ts';
import { IdbStorageAdapter } from './idb-storage-adapter.ts';
import { ALICE, BOB, PHONE, testEntries, testPost } from './store-test-helpers.ts';
import type { Page, PageCursor, PostView } from './storage-adapter.ts';

const author = await testAuthor(0xd1, 0xd2);
const post = parseDocId('post:old');
const v1 = await signEntry(
  author.device,
  {
    seq: 1,
    prev: undefined,
    timestamp: 1_700_000_001_000,
    docId: post,
    payloadKind: 'yjs-update',
    payload: new TextEncoder().encode('written before v2'),
  },
  1,
);

const NAME = 'kith-landed';

/** A schema-1 database as the landed code left it (fake-indexeddb's global factory). */
async function landedFixture(name = NAME): Promise<void> {
  const db = await openDB<KithDb>(name, 1, {
    upgrade: (database, _old, _new, tx) => MIGRATIONS[0]!(database, tx),
  });
  const tx = db.transaction(['entries', 'logs', 'posts'], 'readwrite');
  await Promise.all([
    tx.objectStore('entries').put({
      author: v1.author,
      device: v1.device,
      seq: v1.seq,
      hash: v1.hash,
      prev: v1.prev,
      docId: v1.docId,
      timestamp: v1.timestamp,
      bytes: v1.bytes,
    }),
    tx.objectStore('logs').put({
      author: v1.author,
      device: v1.device,
      ranges: [{ start: 1, end: 1 }],
      entries: 1,
      bytes: v1.bytes.length,
    }),
    tx.objectStore('posts').put(testPost('old', v1.author, 1)),
    tx.done,
  ]);
  db.close();
}

describe('IndexedDB schema 1 -> 2 -> 3 -> 4 -> 5 -> 6', () => {
  it('opens a store written by the landed code with its data intact, and covers apply to it', async () => {
    await landedFixture();
    const store = await IdbStorageAdapter.open({ indexedDB, name: NAME });
    expect(SCHEMA_VERSION).toBe(6);
    expect(await store.getEntry(v1.author, v1.device, 1)).toEqual({
      author: v1.author,
      device: v1.device,
      seq: 1,
      hash: v1.hash,
      prev: undefined,
      docId: post,
      timestamp: v1.timestamp,
      bytes: v1.bytes,
    });
    expect(await store.getDocEntries(v1.author, post)).toHaveLength(1);
    expect(await store.getPostView('old')).toEqual(testPost('old', v1.author, 1));

    // A v2 edit covering the old entry turns it into a placeholder, in the new `covered` store.
    const whole = await signEntry(author.device, {
      seq: 2,
      prev: v1.hash,
      timestamp: 1_700_000_002_000,
      docId: post,
      payloadKind: 'yjs-update',
      payload: new TextEncoder().encode('whole state'),
      covers: [{ device: v1.device, seq: 1 }],
    });
    await store.putEntries([whole]);
    expect(await store.getEntry(v1.author, v1.device, 1)).toBeUndefined();
    expect(await store.hashAt(v1.author, v1.device, 1)).toBe(v1.hash);
    expect((await store.listLogs())[0]).toMatchObject({ entries: 2, bytes: whole.bytes.length });
    await store.close();

    // Reopening runs no step again and keeps what the new code wrote.
    const again = await IdbStorageAdapter.open({ indexedDB, name: NAME });
    expect(await again.hashAt(v1.author, v1.device, 1)).toBe(v1.hash);
    expect(await again.getDocEntries(v1.author, post)).toHaveLength(1);
    await again.close();
  });

  it('a crash during the upgrade leaves the landed store as it was, and the next open upgrades it', async () => {
    const name = 'kith-landed-crash';
    await landedFixture(name);
    // The tab dies after every step ran but before the upgrade committed: IndexedDB then rolls
    // the one versionchange transaction back, as an abort does.
    await expect(
      openDB<KithDb>(name, SCHEMA_VERSION, {
        upgrade: (db, oldVersion, _new, tx) => {
          upgradeSchema(db, oldVersion, tx);
          // The open request reports the abort; `done` would report it a second time, unheard.
          void tx.done.catch(() => undefined);
          tx.abort();
        },
      }),
    ).rejects.toThrow();
    const landed = await openDB<KithDb>(name);
    expect(landed.version).toBe(1);
    expect([...landed.objectStoreNames]).not.toContain('covered');
    expect(await landed.count('entries')).toBe(1);
    landed.close();

    const store = await IdbStorageAdapter.open({ indexedDB, name });
    expect(await store.getEntry(v1.author, v1.device, 1)).toMatchObject({ hash: v1.hash });
    expect(await store.getPostView('old')).toEqual(testPost('old', v1.author, 1));
    await store.close();
    const upgraded = await openDB<KithDb>(name);
    expect(upgraded.version).toBe(SCHEMA_VERSION);
    upgraded.close();
  });
});

/** A schema-2 database as the entries-v2 code left it: one record per position. */
async function schema2Fixture(name: string): Promise<void> {
  const db = await openDB<KithDb>(name, 2, {
    upgrade: (database, _old, _new, tx) => {
      MIGRATIONS[0]!(database, tx);
      MIGRATIONS[1]!(database, tx);
    },
  });
  const alice = testEntries(ALICE, PHONE, 1, 300);
  const bob = testEntries(BOB, PHONE, 5, 6);
  const [first, ...rest] = alice;
  const placeholder = {
    author: first!.author,
    device: first!.device,
    seq: first!.seq,
    hash: first!.hash,
    prev: first!.prev,
    docId: first!.docId,
    timestamp: first!.timestamp,
    placeholder: true as const,
  };
  const tx = db.transaction(['entries', 'logs'], 'readwrite');
  await Promise.all([
    ...[placeholder, ...rest, ...bob].map((r) => tx.objectStore('entries').put(r)),
    tx.objectStore('logs').put({
      author: ALICE,
      device: PHONE,
      ranges: [{ start: 1, end: 300 }],
      entries: 300,
      bytes: rest.reduce((n, e) => n + e.bytes.length, 0),
    }),
    tx.objectStore('logs').put({
      author: BOB,
      device: PHONE,
      ranges: [{ start: 5, end: 6 }],
      entries: 2,
      bytes: bob.reduce((n, e) => n + e.bytes.length, 0),
    }),
    tx.done,
  ]);
  db.close();
}

describe('IndexedDB schema 2 -> 3 (entry runs) -> 4 (views owed)', () => {
  it('moves every per-entry record into runs, placeholders included, and drops the old store', async () => {
    await schema2Fixture('kith-schema2');
    const store = await IdbStorageAdapter.open({ indexedDB, name: 'kith-schema2' });
    expect(await store.getEntries(ALICE, PHONE, 1, 300)).toEqual(testEntries(ALICE, PHONE, 2, 300));
    expect(await store.hashAt(ALICE, PHONE, 1)).toBe(testEntries(ALICE, PHONE, 1, 1)[0]!.hash);
    expect(await store.getLinks(ALICE, PHONE, 1, 2)).toMatchObject([
      { seq: 1, payload: false },
      { seq: 2, payload: true },
    ]);
    expect(await store.getEntries(BOB, PHONE, 1, 10)).toEqual(testEntries(BOB, PHONE, 5, 6));
    expect(await store.getLatestEntries(ALICE, PHONE, 1)).toEqual(
      testEntries(ALICE, PHONE, 300, 300),
    );
    // Schema 4: what the old version stored, it materialized.
    expect(await store.owedEntries(10)).toEqual([]);
    await store.close();

    const raw = await openDB<KithDb>('kith-schema2', SCHEMA_VERSION);
    expect([...raw.objectStoreNames]).not.toContain('entries');
    // 300 positions of one log cut into runs (`cutIntoRuns`: at most MAX_RUN positions and
    // MAX_RUN_BYTES each); Bob's two: one run.
    const lengths = (await raw.getAll('runs')).map((run) => runFromDisk(run).records.length);
    expect(lengths.at(-1)).toBe(2);
    expect(lengths.slice(0, -1).reduce((a, b) => a + b)).toBe(300);
    expect(lengths.length).toBeGreaterThan(2);
    for (const n of lengths) expect(n).toBeLessThanOrEqual(MAX_RUN);
    raw.close();

    // Only entries stored from now on are owed their views.
    const again = await IdbStorageAdapter.open({ indexedDB, name: 'kith-schema2' });
    await again.putEntries(testEntries(BOB, PHONE, 7, 7));
    expect(await again.owedEntries(10)).toEqual(testEntries(BOB, PHONE, 7, 7));
    await again.close();
  });
});

/** A schema-5 database holding `posts` as one record each, as the code before slices left it. */
async function schema5Fixture(name: string, posts: readonly PostView[]): Promise<void> {
  const db = await openDB<KithDb>(name, 5, {
    upgrade: (database, _old, _new, tx) => {
      for (const step of MIGRATIONS.slice(0, 5)) step(database, tx);
    },
  });
  const tx = db.transaction(['posts'], 'readwrite');
  await Promise.all([...posts.map((p) => tx.objectStore('posts').put(p)), tx.done]);
  db.close();
}

describe('IndexedDB schema 5 -> 6 (post slices)', () => {
  it('packs every post into slices, keeps every read the same and drops the old store', async () => {
    const name = 'kith-schema5';
    // Two authors, times out of key order, one friend of a friend's post (unanswered: off the
    // timeline), so the pages show the indexes were rebuilt, not the records' order.
    const posts = Array.from({ length: 2 * SLICE_ROWS + 6 }, (_, i) =>
      testPost(`p${String(i).padStart(3, '0')}`, i % 2 ? BOB : ALICE, (i * 37) % 101),
    );
    const stranger = { ...testPost('far', BOB, 50), via: [] };
    await schema5Fixture(name, [...posts, stranger]);
    const store = await IdbStorageAdapter.open({ indexedDB, name });
    const newestFirst = (list: readonly PostView[]) =>
      [...list].sort((a, b) => b.createdAt - a.createdAt || (a.postId < b.postId ? 1 : -1));
    const everyPage = async (read: (before?: PageCursor) => Promise<Page<PostView>>) => {
      const out: PostView[] = [];
      let before: PageCursor | undefined;
      do {
        const page = await read(before);
        out.push(...page.items);
        before = page.next ?? undefined;
      } while (before);
      return out;
    };
    expect(await everyPage((before) => store.timelinePage({ before, limit: 7 }))).toEqual(
      newestFirst(posts),
    );
    expect(await everyPage((before) => store.authorPostsPage(BOB, { before, limit: 9 }))).toEqual(
      newestFirst([...posts.filter((p) => p.author === BOB), stranger]),
    );
    expect(await store.getPostView('far')).toEqual(stranger);
    await store.close();

    const raw = await openDB<KithDb>(name, SCHEMA_VERSION);
    expect([...raw.objectStoreNames]).not.toContain('posts');
    const slices = await raw.getAll('postSlices');
    expect(slices.map((s) => s.rows.length)).toEqual([SLICE_ROWS, SLICE_ROWS, 7]);
    raw.close();
  });
});
