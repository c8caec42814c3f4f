import { MemoryStorageAdapter } from './memory-storage-adapter.ts';
import { runLogStoreSuite } from './log-store-suite.ts';
import { runViewStoreSuite } from './view-store-suite.ts';

runLogStoreSuite('MemoryStorageAdapter', async () => new MemoryStorageAdapter());
runLogStoreSuite(
  'MemoryStorageAdapter keeping keys as bytes',
  async () => new MemoryStorageAdapter({ keyForm: 'bytes' }),
);
runViewStoreSuite('MemoryStorageAdapter', async () => new MemoryStorageAdapter());
