import { MemoryStorageAdapter } from './memory-storage-adapter.ts';
import { runStorageAdapterSuite } from './storage-adapter-suite.ts';

runStorageAdapterSuite('MemoryStorageAdapter', async () => new MemoryStorageAdapter());
