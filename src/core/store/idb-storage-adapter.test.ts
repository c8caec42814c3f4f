import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { IdbStorageAdapter } from './idb-storage-adapter.ts';
import { runLogStoreSuite } from './log-store-suite.ts';
import { runViewStoreSuite } from './view-store-suite.ts';

// A fresh factory per adapter: every test starts from an empty disk.
const fresh = () => IdbStorageAdapter.open({ indexedDB: new IDBFactory() });
runLogStoreSuite('IdbStorageAdapter', fresh);
runViewStoreSuite('IdbStorageAdapter', fresh);
