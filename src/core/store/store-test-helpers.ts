/**
 * Test data for the store suites: entries whose hash really is the SHA-256 of their bytes,
 * chained by `prev`, so a store that mixed up fields would show it. Not signed: the store never
 * verifies, the feed layer does.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { toBase64Url } from '../bytes.ts';
import type { BlobId } from '../crypto/blobs.ts';
import {
  entryHashFromBytes,
  parseDocId,
  type DeviceId,
  type DocId,
  type PersonId,
} from '../ids.ts';
import { signEntry, type VerifiedFullEntry } from '../feed/entry-verifier.ts';
import { testAuthor } from '../feed/test-helpers.ts';
import type { HeldRecord } from './covers.ts';
import { docKey, type RecordsRun } from './idb-entry-runs.ts';
import type { PostItemView, PostView, StoredEntry } from './storage-adapter.ts';
import { copyRecord } from './validate.ts';

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

/** A comment by `author` on `postId`. */
export function testItem(
  itemId: string,
  postId: string,
  author: PersonId,
  createdAt: number,
): PostItemView {
  return { itemId, postId, kind: 'comment', author, createdAt, summary: { text: itemId } };
}

/** The order every newest-first page must follow: time descending, then id descending. */
export function newestFirst(
  a: { createdAt: number; id: string },
  b: { createdAt: number; id: string },
): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * Real signed logs of one author for the cover rule: on the phone, a post written by v1 code
 * (seq 1), edited by v2 code (seq 2), a profile entry (seq 3), and the post's whole state at
 * seq 4 covering phone 1, 2, 3 (another doc: must be ignored) and laptop 1 (an edit made on the
 * laptop, seq 1 there).
 */
export async function coveredLogs(): Promise<{
  phone: VerifiedFullEntry[];
  laptop: VerifiedFullEntry[];
}> {
  const phone = await testAuthor(0xc1, 0xc2);
  const laptop = await testAuthor(0xc1, 0xc3);
  const post = parseDocId('post:covered');
  const at = (seq: number) => 1_700_000_000_000 + seq * 1000;
  const edit = (text: string) => new TextEncoder().encode(text);
  const p1 = await signEntry(
    phone.device,
    {
      seq: 1,
      prev: undefined,
      timestamp: at(1),
      docId: post,
      payloadKind: 'yjs-update',
      payload: edit('v1 text'),
    },
    1,
  );
  const p2 = await signEntry(phone.device, {
    seq: 2,
    prev: p1.hash,
    timestamp: at(2),
    docId: post,
    payloadKind: 'yjs-update',
    payload: edit('edited'),
  });
  const p3 = await signEntry(phone.device, {
    seq: 3,
    prev: p2.hash,
    timestamp: at(3),
    docId: parseDocId('profile'),
    payloadKind: 'yjs-update',
    payload: edit('name'),
  });
  const l1 = await signEntry(laptop.device, {
    seq: 1,
    prev: undefined,
    timestamp: at(3),
    docId: post,
    payloadKind: 'yjs-update',
    payload: edit('laptop edit'),
  });
  const p4 = await signEntry(phone.device, {
    seq: 4,
    prev: p3.hash,
    timestamp: at(4),
    docId: post,
    payloadKind: 'yjs-update',
    payload: edit('whole state'),
    covers: [
      { device: phone.device.key.deviceId, seq: 1 },
      { device: phone.device.key.deviceId, seq: 2 },
      { device: phone.device.key.deviceId, seq: 3 },
      { device: laptop.device.key.deviceId, seq: 1 },
    ],
  });
  return { phone: [p1, p2, p3, p4], laptop: [l1] };
}

/**
 * A position covered by entries of two docs before it is held: the phone's first entry of a post
 * (`covered`), the laptop's whole state of that post naming it (`sameDoc`), and a laptop entry of
 * the profile naming it too (`otherDoc`: Kith never writes such a cover, the position's doc being
 * the post).
 */
export async function crossCovers(): Promise<{
  covered: VerifiedFullEntry;
  sameDoc: VerifiedFullEntry;
  otherDoc: VerifiedFullEntry;
}> {
  const phone = await testAuthor(0xc4, 0xc5);
  const laptop = await testAuthor(0xc4, 0xc6);
  const post = parseDocId('post:cross');
  const position = [{ device: phone.device.key.deviceId, seq: 1 }];
  const fields = (seq: number, prev: VerifiedFullEntry | undefined, docId: DocId) => ({
    seq,
    prev: prev?.hash,
    timestamp: 1_700_000_000_000 + seq * 1000,
    docId,
    payloadKind: 'yjs-update' as const,
    payload: new TextEncoder().encode(`${docId} ${seq}`),
  });
  const covered = await signEntry(phone.device, fields(1, undefined, post));
  const sameDoc = await signEntry(laptop.device, {
    ...fields(1, undefined, post),
    covers: position,
  });
  const otherDoc = await signEntry(laptop.device, {
    ...fields(2, sameDoc, parseDocId('profile')),
    covers: position,
  });
  return { covered, sameDoc, otherDoc };
}

/** A photo's stored bytes and its id (the base64url SHA-256 of the bytes, as `crypto/blobs.ts`). */
export function testBlob(n: number): { id: BlobId; bytes: Uint8Array } {
  const bytes = new TextEncoder().encode(`ciphertext of photo ${n}`.padEnd(100 + n, '.'));
  return { id: toBase64Url(sha256(bytes)) as BlobId, bytes };
}

/**
 * Real signed entries of a friends-only post with photos, as a relay holds them: the post
 * listing photos 1, 2, 3 (seq 1); an edit dropping photo 1, covering it (seq 2); the deletion,
 * listing nothing, covering the edit (seq 3); and a message listing photo 4 (seq 4, another doc).
 */
export async function photoLogs(): Promise<{
  entries: VerifiedFullEntry[];
  blobs: { id: BlobId; bytes: Uint8Array }[];
}> {
  const phone = await testAuthor(0xd1, 0xd2);
  const device = phone.device.key.deviceId;
  const blobs = [1, 2, 3, 4].map(testBlob);
  const post = parseDocId('post:photos');
  const at = (seq: number) => 1_700_000_000_000 + seq * 1000;
  const write = async (
    seq: number,
    prev: VerifiedFullEntry | undefined,
    fields: { docId?: DocId; listed: number[]; covers?: number[] },
  ) =>
    signEntry(phone.device, {
      seq,
      prev: prev?.hash,
      timestamp: at(seq),
      docId: fields.docId ?? post,
      payloadKind: 'yjs-update',
      payload: new TextEncoder().encode(`state ${seq}`),
      blobs: fields.listed.map((n) => blobs[n - 1]!.id),
      covers: (fields.covers ?? []).map((s) => ({ device, seq: s })),
    });
  const posted = await write(1, undefined, { listed: [1, 2, 3] });
  const edited = await write(2, posted, { listed: [2, 3], covers: [1] });
  const deleted = await write(3, edited, { listed: [], covers: [2] });
  const message = await write(4, deleted, { docId: parseDocId('message/m1'), listed: [4] });
  return { entries: [posted, edited, deleted, message], blobs };
}

/**
 * A run in the form written before session 17 (schemas 3 to 6): each record an object, no
 * `ends` (as before schema 5). Only old stores hold these; the adapter still reads them.
 */
export function recordsRun(records: readonly HeldRecord[]): RecordsRun {
  const first = records[0]!;
  return {
    author: first.author,
    device: first.device,
    seq: first.seq,
    docs: [...new Set(records.map((r) => docKey(r.author, r.docId)))],
    records: records.map(copyRecord),
  };
}
