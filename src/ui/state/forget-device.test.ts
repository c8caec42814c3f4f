import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { IdbStorageAdapter } from '../../core/store/idb-storage-adapter.ts';
import { SHARE_INBOX_CACHE } from './shared-inbox.ts';
import { followForgetting, forgetThisDevice } from './forget-device.ts';

/** Opens a database the way FlexSearch does: a plain connection that ignores `versionchange`. */
function openPlain(indexedDB: IDBFactory, name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => request.result.createObjectStore('words');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('open failed'));
  });
}

describe('deleting this device’s data', () => {
  it('deletes every database, localStorage and the share inbox, waiting for another tab to let go', async () => {
    const indexedDB = new IDBFactory();
    const store = await IdbStorageAdapter.open({ indexedDB });
    await store.setSetting('device', { key: new Uint8Array([1, 2, 3]) });
    await store.putBlob('photo', new Uint8Array(100));
    // Another tab holds the store and a search database that does not close by itself.
    const otherStore = await IdbStorageAdapter.open({ indexedDB });
    const otherSearch = await openPlain(indexedDB, 'flexsearch:kith-search');
    const unrelated = await openPlain(indexedDB, 'some-other-db');
    unrelated.close();
    let released = 0;
    let stopFollowing = () => {};
    const otherTabDone = new Promise<void>((resolve) => {
      stopFollowing = followForgetting(
        (name) => new BroadcastChannel(name),
        {
          stopNetwork: async () => void released++,
          closeDatabases: async () => {
            otherSearch.close();
            await otherStore.close();
          },
        },
        resolve,
      );
    });
    const cleared: string[] = [];
    const cachesDeleted: string[] = [];
    let networkStopped = false;

    await forgetThisDevice(
      {
        stopNetwork: async () => void (networkStopped = true),
        closeDatabases: () => store.close(),
      },
      {
        indexedDB,
        localStorage: { clear: () => void cleared.push('all') },
        caches: { delete: async (name) => (cachesDeleted.push(name), true) },
        channel: (name) => new BroadcastChannel(name),
      },
    );
    await otherTabDone;
    stopFollowing();

    expect(networkStopped).toBe(true);
    expect(released).toBe(1);
    expect(await indexedDB.databases()).toEqual([]);
    expect(cleared).toEqual(['all']);
    expect(cachesDeleted).toEqual([SHARE_INBOX_CACHE]);
    // Opened again, the store is new: no device, no photo.
    const fresh = await IdbStorageAdapter.open({ indexedDB });
    expect(await fresh.getSetting('device')).toBeUndefined();
    expect(await fresh.hasBlob('photo')).toBe(false);
    await fresh.close();
  });
});
