import { describe, expect, it, vi } from 'vitest';
import { EntryVerifier } from './feed/entry-verifier.ts';
import { RelayBlobs } from './relay-blobs.ts';
import { MemoryStorageAdapter } from './store/memory-storage-adapter.ts';
import { photoLogs } from './store/store-test-helpers.ts';
import { Ingestor } from './sync/ingest.ts';

async function relay() {
  const store = new MemoryStorageAdapter();
  const ingestor = new Ingestor(store, new EntryVerifier());
  const blobs = await RelayBlobs.open(store, ingestor);
  return { store, ingestor, blobs };
}

describe('a relay’s photos after an edit and a delete', () => {
  it('wants a post’s photos, then no more those the edit and the deletion released; one fetched late is not kept', async () => {
    const { entries, blobs: photos } = await photoLogs();
    const [posted, edited, deleted, message] = entries;
    const { store, ingestor, blobs } = await relay();
    const id = (n: number) => photos[n - 1]!.id;
    await ingestor.ingest([posted!.bytes, message!.bytes]);
    await vi.waitFor(() => expect(blobs.wanted().sort()).toEqual([1, 2, 3, 4].map(id).sort()));
    await blobs.receive(id(2), photos[1]!.bytes);
    await blobs.receive(id(4), photos[3]!.bytes);
    // The edit drops photo 1, not fetched yet: wanted no more.
    await ingestor.ingest([edited!.bytes]);
    await vi.waitFor(() => expect(blobs.wanted()).toEqual([id(3)]));
    // The deletion: photo 2 leaves the store, 3 is not wanted, and arriving anyway is not kept.
    await ingestor.ingest([deleted!.bytes]);
    await vi.waitFor(() => expect(blobs.wanted()).toEqual([]));
    expect(await store.hasBlob(id(2))).toBe(false);
    await blobs.receive(id(3), photos[2]!.bytes);
    expect(await store.hasBlob(id(3))).toBe(false);
    expect(await store.hasBlob(id(4))).toBe(true);
  });

  it('wants nothing of entries arriving after the deletion that covers them', async () => {
    const { entries, blobs: photos } = await photoLogs();
    const [posted, edited, deleted, message] = entries;
    const { ingestor, blobs } = await relay();
    await ingestor.ingest([deleted!.bytes]);
    // The message (another doc) in the same batch: once its photo is wanted, the batch was seen.
    await ingestor.ingest([edited!.bytes, posted!.bytes, message!.bytes]);
    await vi.waitFor(() => expect(blobs.wanted()).toEqual([photos[3]!.id]));
  });
});
