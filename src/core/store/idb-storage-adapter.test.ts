import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { IdbStorageAdapter } from './idb-storage-adapter.ts';
import { runStorageAdapterSuite } from './storage-adapter-suite.ts';

// A fresh factory per adapter: every test starts from an empty disk.
runStorageAdapterSuite('IdbStorageAdapter', () =>
  IdbStorageAdapter.open({ indexedDB: new IDBFactory() }),
);
