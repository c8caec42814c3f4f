/**
 * What only the IndexedDB adapter can get wrong: schema versions, other tabs, a full disk, a
 * write that fails half-way, damaged records. Failures are injected into fake-indexeddb's own
 * object store (the adapter under test is the real one).
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  StorageQuotaError,
  StoreClosedError,
  StoreCorruptError,
  StoreVersionError,
} from './errors.ts';
import { SCHEMA_VERSION } from './idb-schema.ts';
import { failNthRunPut } from './idb-fault-injection.ts';
import { IdbStorageAdapter } from './idb-storage-adapter.ts';
import type { StorageAdapter } from './storage-adapter.ts';
import {
  ALICE,
  BOB,
  PHONE,
  testEntries,
  testEntry,
  testItem,
  testPost,
} from './store-test-helpers.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Opens a raw connection (as another tab, or an older/newer Kith, would). */
function rawOpen(factory: IDBFactory, version?: number): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = factory.open('kith', version);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Everything the entry side of a store shows, to compare before and after a failed write. */
async function snapshot(store: StorageAdapter) {
  return {
    logs: await store.listLogs(),
    alice: await store.getEntries(ALICE, PHONE, 1, 100),
    bob: await store.getEntries(BOB, PHONE, 1, 100),
    usage: await store.usage(),
  };
}

describe('IdbStorageAdapter schema', () => {
  it('creates every store at the current version and keeps data across reopening', async () => {
    const factory = new IDBFactory();
    const store = await IdbStorageAdapter.open({ indexedDB: factory });
    await store.putEntries(testEntries(ALICE, PHONE, 1, 3));
    await store.putPostViews([testPost('p1', ALICE, 1)]);
    await store.setSetting('name', 'Alice');
    await store.close();

    const raw = await rawOpen(factory);
    expect(raw.version).toBe(SCHEMA_VERSION);
    expect([...raw.objectStoreNames].sort()).toEqual([
      'blobs',
      'covered',
      'forks',
      'logs',
      'meta',
      'notifications',
      'owed',
      'postItems',
      'postSlices',
      'runs',
      'settings',
    ]);
    raw.close();

    const again = await IdbStorageAdapter.open({ indexedDB: factory });
    expect(await again.heldRanges(ALICE, PHONE)).toEqual([{ start: 1, end: 3 }]);
    expect(await again.getEntry(ALICE, PHONE, 2)).toEqual(testEntry(ALICE, PHONE, 2));
    expect((await again.timelinePage({ limit: 5 })).items).toEqual([testPost('p1', ALICE, 1)]);
    expect(await again.getSetting('name')).toBe('Alice');
    await again.close();
  });

  it('refuses a database written by a newer Kith with StoreVersionError, leaving it alone', async () => {
    const factory = new IDBFactory();
    const newer = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open('kith', SCHEMA_VERSION + 1);
      request.onupgradeneeded = () => request.result.createObjectStore('future');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    newer.close();
    const error = await IdbStorageAdapter.open({ indexedDB: factory }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreVersionError);
    expect((error as StoreVersionError).knownVersion).toBe(SCHEMA_VERSION);
    const raw = await rawOpen(factory);
    expect(raw.version).toBe(SCHEMA_VERSION + 1);
    expect([...raw.objectStoreNames]).toEqual(['future']);
    raw.close();
  });

  it('closes when another tab upgrades, so that upgrade is not blocked', async () => {
    const factory = new IDBFactory();
    const closed: string[] = [];
    const store = await IdbStorageAdapter.open({
      indexedDB: factory,
      onClosed: (reason) => closed.push(reason),
    });
    // Resolves only if our connection closed: an open connection would block this upgrade.
    const upgraded = await rawOpen(factory, SCHEMA_VERSION + 1);
    expect(upgraded.version).toBe(SCHEMA_VERSION + 1);
    upgraded.close();
    expect(closed).toEqual(['versionchange']);
    await expect(store.getEntry(ALICE, PHONE, 1)).rejects.toBeInstanceOf(StoreClosedError);
  });
});

describe('IdbStorageAdapter failed writes', () => {
  it('keeps nothing of a batch whose put throws on its second run', async () => {
    const store = await IdbStorageAdapter.open({ indexedDB: new IDBFactory() });
    await store.putEntries(testEntries(ALICE, PHONE, 1, 4));
    const before = await snapshot(store);
    const crash = new Error('disk gone');
    failNthRunPut(2, () => {
      throw crash;
    });
    const batch = [...testEntries(ALICE, PHONE, 5, 12), ...testEntries(BOB, PHONE, 1, 3)];
    await expect(store.putEntries(batch)).rejects.toBe(crash);
    vi.restoreAllMocks();
    expect(await snapshot(store)).toEqual(before);
    // The store still works, and the same batch now lands whole.
    await store.putEntries(batch);
    expect(await store.heldRanges(ALICE, PHONE)).toEqual([{ start: 1, end: 12 }]);
    expect(await store.heldRanges(BOB, PHONE)).toEqual([{ start: 1, end: 3 }]);
    await store.close();
  });

  it('keeps nothing of a batch of view changes whose last write fails, and takes it again', async () => {
    const store = await IdbStorageAdapter.open({ indexedDB: new IDBFactory() });
    const crash = new Error('disk gone');
    const realPut = IDBObjectStore.prototype.put;
    let items = 0;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      ...args: Parameters<IDBObjectStore['put']>
    ) {
      const request = realPut.apply(this, args);
      // The posts' slice and the setting are written by then.
      if (this.name === 'postItems' && ++items === 2) throw crash;
      return request;
    });
    const batch = [
      { op: 'putPost', post: testPost('p1', ALICE, 1) },
      { op: 'setSetting', key: 'view/notified/x', value: true },
      { op: 'putItem', item: testItem('c1', 'p1', BOB, 4) },
      { op: 'putPost', post: testPost('p2', ALICE, 2) },
      { op: 'putItem', item: testItem('c2', 'p2', BOB, 5) },
      { op: 'putPost', post: testPost('p3', BOB, 3), knownNew: true },
    ] as const;
    await expect(store.writeViews(batch)).rejects.toBe(crash);
    vi.restoreAllMocks();
    expect(await store.getPostViews(['p1', 'p2', 'p3'])).toEqual([undefined, undefined, undefined]);
    expect(await store.getSetting('view/notified/x')).toBeUndefined();
    expect(await store.itemsByPost('p1')).toEqual([]);
    await store.writeViews(batch);
    expect((await store.timelinePage({ limit: 5 })).items.map((p) => p.postId)).toEqual([
      'p3',
      'p2',
      'p1',
    ]);
    await store.close();
  });

  it('turns a QuotaExceededError thrown by put into StorageQuotaError, keeping nothing', async () => {
    const store = await IdbStorageAdapter.open({ indexedDB: new IDBFactory() });
    await store.putEntries(testEntries(ALICE, PHONE, 1, 2));
    const before = await snapshot(store);
    failNthRunPut(2, () => {
      throw new DOMException('quota', 'QuotaExceededError');
    });
    const error = await store
      .putEntries([...testEntries(ALICE, PHONE, 3, 9), ...testEntries(BOB, PHONE, 1, 2)])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageQuotaError);
    expect((error as StorageQuotaError).cause).toBeInstanceOf(DOMException);
    vi.restoreAllMocks();
    expect(await snapshot(store)).toEqual(before);
    await store.close();
  });

  it('turns a transaction aborted for quota (as browsers report it) into StorageQuotaError', async () => {
    const store = await IdbStorageAdapter.open({ indexedDB: new IDBFactory() });
    const before = await snapshot(store);
    failNthRunPut(1, (objectStore) => {
      // fake-indexeddb's internal abort with an error name, a moment after the puts were
      // issued: what a browser does when the origin's quota is full.
      const tx = objectStore.transaction as unknown as { _abort(name: string): void };
      queueMicrotask(() => tx._abort('QuotaExceededError'));
    });
    await expect(store.putEntries(testEntries(ALICE, PHONE, 1, 6))).rejects.toBeInstanceOf(
      StorageQuotaError,
    );
    vi.restoreAllMocks();
    expect(await snapshot(store)).toEqual(before);
    await store.close();
  });
});

describe('IdbStorageAdapter damaged records', () => {
  it('reports a run holding an entry of the wrong shape as StoreCorruptError', async () => {
    const factory = new IDBFactory();
    const store = await IdbStorageAdapter.open({ indexedDB: factory, name: 'kith' });
    await store.putEntries([testEntry(ALICE, PHONE, 1)]);
    await store.close();
    const raw = await rawOpen(factory);
    await new Promise<void>((resolve, reject) => {
      const tx = raw.transaction('runs', 'readwrite');
      tx.objectStore('runs').put({
        author: ALICE,
        device: PHONE,
        seq: 2,
        docs: [],
        records: [{ author: ALICE, device: PHONE, seq: 2, hash: 'nope' }],
      });
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    raw.close();
    const again = await IdbStorageAdapter.open({ indexedDB: factory });
    await expect(again.getEntry(ALICE, PHONE, 2)).rejects.toBeInstanceOf(StoreCorruptError);
    await expect(again.getLatestEntries(ALICE, PHONE, 5)).rejects.toBeInstanceOf(StoreCorruptError);
    expect(await again.getEntry(ALICE, PHONE, 1)).toEqual(testEntry(ALICE, PHONE, 1));
    await again.close();
  });
});
