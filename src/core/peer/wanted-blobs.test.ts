import { describe, expect, it } from 'vitest';
import { BlobError, blobIdOf } from '../crypto/blobs.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import { WantedBlobs } from './wanted-blobs.ts';

/** Wants over a fresh memory store, counting the arrivals they report. */
function setUp() {
  const store = new MemoryStorageAdapter();
  const arrivals = { count: 0 };
  const blobs = new WantedBlobs(store, () => arrivals.count++);
  const wants: string[] = [];
  const received: string[] = [];
  blobs.onWant((id) => wants.push(id));
  blobs.onReceived((id) => received.push(id));
  return { store, blobs, arrivals, wants, received };
}

const photo = new Uint8Array([1, 2, 3, 4, 5]);
const id = blobIdOf(photo);

describe('WantedBlobs', () => {
  it('wants a blob that is not held, once, and stores it when it comes', async () => {
    const { store, blobs, arrivals, wants, received } = setUp();
    expect(await blobs.heldOrWanted(id)).toBeNull();
    expect(await blobs.heldOrWanted(id)).toBeNull();
    expect(wants).toEqual([id]);
    expect(blobs.wanted()).toEqual([id]);

    expect(await blobs.receive(id, photo)).toBe(true);
    expect(blobs.wanted()).toEqual([]);
    expect(await store.getBlob(id)).toEqual(photo);
    expect(await blobs.holds(id)).toBe(true);
    expect(arrivals.count).toBe(1);
    expect(received).toEqual([id]);
    expect(await blobs.heldOrWanted(id)).toEqual(photo);
    // A blob nobody waited for is stored all the same, and said to be unwanted.
    const other = new Uint8Array([9]);
    expect(await blobs.receive(blobIdOf(other), other)).toBe(false);
  });

  it('refuses bytes that are not what the id names, storing nothing', async () => {
    const { store, blobs, arrivals } = setUp();
    blobs.want(id);
    await expect(blobs.receive(id, new Uint8Array([1, 2, 3]))).rejects.toBeInstanceOf(BlobError);
    expect(await store.hasBlob(id)).toBe(false);
    expect(blobs.wanted()).toEqual([id]);
    expect(arrivals.count).toBe(0);
  });

  it('refuses stored bytes that no longer match their id', async () => {
    const { store, blobs } = setUp();
    await store.putBlob(id, new Uint8Array([7, 7]));
    await expect(blobs.heldOrWanted(id)).rejects.toBeInstanceOf(BlobError);
  });

  it('drops ids that name no blob before sync sees them', () => {
    const { blobs, wants } = setUp();
    for (const bad of ['', 'not-a-blob', id.slice(1), `${id}A`, '!'.repeat(43)]) blobs.want(bad);
    expect(wants).toEqual([]);
    expect(blobs.wanted()).toEqual([]);
  });

  it('lets go of a blob another tab stored, and says it arrived only if it was wanted', () => {
    const { blobs, arrivals } = setUp();
    blobs.storedByAnotherTab(id);
    expect(arrivals.count).toBe(0);
    blobs.want(id);
    blobs.storedByAnotherTab(id);
    expect(blobs.wanted()).toEqual([]);
    expect(arrivals.count).toBe(1);
  });

  it('stops telling a listener once it unsubscribes', () => {
    const { blobs } = setUp();
    const heard: string[] = [];
    const stop = blobs.onWant((wanted) => heard.push(wanted));
    stop();
    blobs.want(id);
    expect(heard).toEqual([]);
  });
});
