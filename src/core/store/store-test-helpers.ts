/**
 * Test data for the store suites: entries whose hash really is the SHA-256 of their bytes,
 * chained by `prev`, so a store that mixed up fields would show it. Not signed: the store never
 * verifies, the feed layer does.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { entryHashFromBytes, parseDocId, type DeviceId, type PersonId } from '../ids.ts';
import type { PostView, StoredEntry } from './storage-adapter.ts';

/** Test people and devices (any non-empty string is a valid id to the store). */
export const ALICE = 'alice' as PersonId;
/** A second person. */
export const BOB = 'bob' as PersonId;
/** Alice's phone. */
export const PHONE = 'phone' as DeviceId;
/** Alice's laptop. */
export const LAPTOP = 'laptop' as DeviceId;

function bytesOf(author: string, device: string, seq: number, variant: number): Uint8Array {
  // Sizes vary with seq so byte accounting is checked on more than one size. The first byte
  // is a v1 entry's version byte, so the store takes it for an entry holding its payload.
  return new TextEncoder().encode(
    `\u0001${author}/${device}/${seq}/${variant}/`.padEnd(40 + (seq % 7), '.'),
  );
}

/** The entry at (author, device, seq); `variant` > 0 makes a different entry at that place (a fork). */
export function testEntry(
  author: PersonId,
  device: DeviceId,
  seq: number,
  variant = 0,
): StoredEntry {
  const bytes = bytesOf(author, device, seq, variant);
  return {
    author,
    device,
    seq,
    hash: entryHashFromBytes(sha256(bytes)),
    prev: seq === 1 ? undefined : entryHashFromBytes(sha256(bytesOf(author, device, seq - 1, 0))),
    docId: parseDocId(`post/${seq % 3}`),
    timestamp: 1_700_000_000_000 + seq,
    bytes,
  };
}

/** Entries `from..to` of one log, ascending. */
export function testEntries(
  author: PersonId,
  device: DeviceId,
  from: number,
  to: number,
): StoredEntry[] {
  const out: StoredEntry[] = [];
  for (let seq = from; seq <= to; seq++) out.push(testEntry(author, device, seq));
  return out;
}

/** A timeline post; `createdAt` repeats on purpose in callers to test tie-breaking. */
export function testPost(postId: string, author: PersonId, createdAt: number): PostView {
  return { postId, author, createdAt, summary: { text: `post ${postId}`, photos: 0 } };
}

/** The order every newest-first page must follow: time descending, then id descending. */
export function newestFirst(
  a: { createdAt: number; id: string },
  b: { createdAt: number; id: string },
): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
