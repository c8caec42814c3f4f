/**
 * Kith's entry test vectors (`test-vectors.json`), for a second implementation to check
 * itself against. Everything derives from fixed seeds and Ed25519 signatures are
 * deterministic, so this test rebuilds the file's content and requires it to match.
 * Regenerate after a deliberate format change: `UPDATE_TEST_VECTORS=1 npx vitest run src/core/feed/test-vectors.test.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromBase64Url, fromHex, toBase64Url, toHex } from '../bytes.ts';
import type { BlobId } from '../crypto/blobs.ts';
import { entryHashToBytes, parseDocId, type EntryHash } from '../ids.ts';
import { issueDeviceCertificate } from '../identity/device-certificate.ts';
import { deriveIdentityKeySeeds, deviceKeyFromSeed, identityFromSeed } from '../identity/keys.ts';
import { DOMAIN_ENTRY, signingInput } from '../identity/signed-record.ts';
import type { DeviceSession } from '../identity/device-setup.ts';
import {
  BLOBS_FLAG,
  EntryDecodeError,
  MAX_COVERS,
  MAX_ENTRY_BLOBS,
  decodeAnyEntry,
  blobIdsOf,
  entryDomain,
  withoutPayload,
  type EntryFields,
} from './entry-codec.ts';
import { EntryVerifier, EntryVerifyError, signEntry } from './entry-verifier.ts';

const FILE = new URL('./test-vectors.json', import.meta.url);
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

interface InvalidVector {
  description: string;
  bytes: string;
  error: 'EntryDecodeError' | 'EntryVerifyError';
  reason: string;
}

async function buildVectors() {
  const identitySeed = Uint8Array.from({ length: 32 }, (_, i) => i);
  const deviceSeed = Uint8Array.from({ length: 32 }, (_, i) => 32 + i);
  const identity = await identityFromSeed(identitySeed);
  const derived = deriveIdentityKeySeeds(identitySeed);
  const key = await deviceKeyFromSeed(deviceSeed);
  const certificate = await issueDeviceCertificate(identity, {
    deviceKey: key.publicKey,
    role: 'device',
    issuedAt: 1_700_000_000_000,
  });
  const device = { key, certificate };
  const plan: Omit<EntryFields, 'prev'>[] = [
    {
      seq: 1,
      timestamp: 1_700_000_001_000,
      docId: parseDocId('profile'),
      payloadKind: 'yjs-update',
      payload: fromHex('0102'),
    },
    {
      seq: 2,
      timestamp: 1_700_000_002_000,
      docId: parseDocId('post:0001'),
      payloadKind: 'encrypted',
      payload: fromHex('deadbeef'),
    },
    {
      seq: 3,
      timestamp: 1_700_000_003_000,
      docId: parseDocId('post:0001'),
      payloadKind: 'yjs-update',
      payload: new Uint8Array(),
    },
  ];
  let prev: EntryHash | undefined;
  const entries = [];
  for (const f of plan) {
    const entry = await signEntry(device, { ...f, prev }, 1);
    entries.push({
      fields: {
        ...f,
        prev: prev === undefined ? null : toHex(entryHashToBytes(prev)),
        payload: toHex(f.payload),
      },
      signingInput: toHex(signingInput(DOMAIN_ENTRY, entry.body)),
      bytes: toHex(entry.bytes),
      hash: toHex(entryHashToBytes(entry.hash)),
      hashBase64Url: entry.hash,
    });
    prev = entry.hash;
  }

  const first = fromHex(entries[0]!.bytes);
  const mutate = (f: (b: Uint8Array) => Uint8Array) => toHex(f(first.slice()));
  const s =
    first.subarray(first.length - 32).reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n) + L;
  const malleated = new Uint8Array(32).map((_, i) => Number((s >> BigInt(8 * i)) & 0xffn));
  const invalid: InvalidVector[] = [
    {
      description: 'entry 1 without its last byte',
      bytes: mutate((b) => b.subarray(0, b.length - 1)),
      error: 'EntryDecodeError',
      reason: 'truncated',
    },
    {
      description: 'entry 1 with a trailing zero byte',
      bytes: mutate((b) => concatBytes(b, new Uint8Array(1))),
      error: 'EntryDecodeError',
      reason: 'trailing-bytes',
    },
    {
      description: 'entry 1 with version 3',
      bytes: mutate((b) => b.fill(3, 0, 1)),
      error: 'EntryDecodeError',
      reason: 'unknown-version',
    },
    {
      description: 'entry 1 with a non-zero prev',
      bytes: mutate((b) => b.fill(1, 66, 67)),
      error: 'EntryDecodeError',
      reason: 'bad-prev',
    },
    {
      description: 'entry 1 with one signature bit flipped',
      bytes: mutate((b) => b.fill(b[b.length - 40]! ^ 1, b.length - 40, b.length - 39)),
      error: 'EntryVerifyError',
      reason: 'bad-signature',
    },
    {
      description: 'entry 1 with its timestamp changed',
      bytes: mutate((b) => b.fill(b[98]! ^ 1, 98, 99)),
      error: 'EntryVerifyError',
      reason: 'bad-signature',
    },
    {
      description:
        'entry 1 with S replaced by S + L (valid to a lax verifier, refused as non-canonical)',
      bytes: mutate((b) => concatBytes(b.subarray(0, b.length - 32), malleated)),
      error: 'EntryVerifyError',
      reason: 'bad-signature',
    },
  ];

  return {
    description:
      'Kith entry format test vectors (v1 in entries/invalid, v2 in v2). See docs/protocol.md, section Entries. Hex unless named otherwise.',
    identity: {
      seed: toHex(identitySeed),
      ed25519Seed: toHex(derived.ed25519),
      x25519Seed: toHex(derived.x25519),
      publicKey: toHex(identity.publicKey),
      personId: identity.personId,
      encryptionPublicKey: toHex(identity.encryptionPublicKey),
    },
    device: {
      seed: toHex(deviceSeed),
      publicKey: toHex(key.publicKey),
      deviceId: key.deviceId,
      certificate: toHex(certificate.bytes),
    },
    entries,
    invalid,
    v2: await buildV2Vectors(device),
  };
}

interface V2Vector {
  fields: Omit<EntryFields, 'prev' | 'payload' | 'covers'> & {
    prev: string | null;
    payload: string;
    covers: { deviceId: string; seq: number }[];
  };
  payloadHash: string;
  signingInput: string;
  bytes: string;
  bytesWithoutPayload: string;
  hash: string;
  hashBase64Url: string;
}

/**
 * v2: the same log written by v2 code, seq 3 covering seq 2 (a post's whole state superseding
 * its first version); each entry with and without its payload, which verify alike and share a
 * hash.
 */
async function buildV2Vectors(device: Pick<DeviceSession, 'key' | 'certificate'>) {
  const plan: Omit<EntryFields, 'prev'>[] = [
    {
      seq: 1,
      timestamp: 1_700_000_001_000,
      docId: parseDocId('profile'),
      payloadKind: 'yjs-update',
      payload: fromHex('0102'),
    },
    {
      seq: 2,
      timestamp: 1_700_000_002_000,
      docId: parseDocId('post:0001'),
      payloadKind: 'encrypted',
      payload: fromHex('deadbeef'),
    },
    {
      seq: 3,
      timestamp: 1_700_000_003_000,
      docId: parseDocId('post:0001'),
      payloadKind: 'encrypted',
      payload: fromHex('c0ffee'),
      covers: [{ device: device.key.deviceId, seq: 2 }],
    },
    {
      // A friends-only post's whole state listing its photo and thumbnail (ciphertext blob ids).
      seq: 4,
      timestamp: 1_700_000_004_000,
      docId: parseDocId('post:0001'),
      payloadKind: 'encrypted',
      payload: fromHex('f00d'),
      covers: [{ device: device.key.deviceId, seq: 3 }],
      blobs: [BLOB_B, BLOB_A],
    },
  ];
  let prev: EntryHash | undefined;
  const entries: V2Vector[] = [];
  for (const f of plan) {
    const entry = await signEntry(device, { ...f, prev });
    entries.push({
      fields: {
        ...f,
        prev: prev === undefined ? null : toHex(entryHashToBytes(prev)),
        payload: toHex(f.payload),
        covers: (f.covers ?? []).map((c) => ({ deviceId: c.device, seq: c.seq })),
      },
      payloadHash: toHex(entry.payloadHash!),
      signingInput: toHex(signingInput(entryDomain(2), entry.body)),
      bytes: toHex(entry.bytes),
      bytesWithoutPayload: toHex(withoutPayload(entry)),
      hash: toHex(entryHashToBytes(entry.hash)),
      hashBase64Url: entry.hash,
    });
    prev = entry.hash;
  }
  const second = fromHex(entries[1]!.bytes);
  const third = fromHex(entries[2]!.bytes);
  const fourth = fromHex(entries[3]!.bytes);
  // The blob list of entry 4: its count byte, then two ids (A before B, ascending).
  const blobsAt = indexOf(fourth, fromBase64Url(BLOB_A)) - 1;
  // The payloadKind byte follows the doc id.
  const kindAt = (b: Uint8Array) => indexOf(b, new TextEncoder().encode('post:0001')) + 9;
  const v1 = (
    await signEntry(
      device,
      {
        seq: 1,
        prev: undefined,
        timestamp: 1_700_000_001_000,
        docId: parseDocId('post:0001'),
        payloadKind: 'encrypted',
        payload: fromHex('f00d'),
      },
      1,
    )
  ).bytes;
  const mutate = (bytes: Uint8Array, f: (b: Uint8Array) => Uint8Array) => toHex(f(bytes.slice()));
  // Entry 3's covers: its count byte (1), then one (device 32 | seq varuint 2) cover.
  const coversAt = indexOf(third, fromHex(entries[2]!.payloadHash)) + 32;
  const cover = third.subarray(coversAt + 1, coversAt + 1 + 33);
  const withCovers = (count: Uint8Array, ...list: Uint8Array[]) =>
    toHex(concatBytes(third.subarray(0, coversAt), count, ...list, third.subarray(coversAt + 34)));
  const invalid: InvalidVector[] = [
    {
      description: 'entry 2 with its last payload byte changed (SHA-256 differs from payloadHash)',
      bytes: mutate(second, (b) => b.fill(b[b.length - 1]! ^ 1, b.length - 1)),
      error: 'EntryDecodeError',
      reason: 'payload-mismatch',
    },
    {
      description: 'entry 2 with another payload of the same length',
      bytes: mutate(second, (b) => concatBytes(b.subarray(0, b.length - 4), fromHex('deadbeee'))),
      error: 'EntryDecodeError',
      reason: 'payload-mismatch',
    },
    {
      description: 'entry 2 with form byte 2',
      bytes: mutate(second, (b) => b.fill(2, 1, 2)),
      error: 'EntryDecodeError',
      reason: 'bad-form',
    },
    {
      description: 'entry 2 marked payload-less (form 0) but still carrying its payload',
      bytes: mutate(second, (b) => b.fill(0, 1, 2)),
      error: 'EntryDecodeError',
      reason: 'trailing-bytes',
    },
    {
      description: 'entry 2 marked with payload (form 1) but carrying none',
      bytes: toHex(concatBytes(Uint8Array.of(2, 1), withoutPayloadBytes(second).subarray(2))),
      error: 'EntryDecodeError',
      reason: 'truncated',
    },
    {
      description: 'entry 2 without payload, one signature bit flipped',
      bytes: mutate(withoutPayloadBytes(second), (b) => b.fill(b[b.length - 1]! ^ 1, b.length - 1)),
      error: 'EntryVerifyError',
      reason: 'bad-signature',
    },
    {
      description: 'entry 2 without its last byte (the payload cut short)',
      bytes: mutate(second, (b) => b.subarray(0, b.length - 1)),
      error: 'EntryDecodeError',
      reason: 'truncated',
    },
    {
      description: 'entry 2 with a trailing zero byte after its payload',
      bytes: mutate(second, (b) => concatBytes(b, new Uint8Array(1))),
      error: 'EntryDecodeError',
      reason: 'trailing-bytes',
    },
    {
      description: 'entry 2 without payload, its payloadHash changed (the hash is signed)',
      bytes: mutate(withoutPayloadBytes(second), (b) => {
        const at = indexOf(b, fromHex(entries[1]!.payloadHash));
        return b.fill(b[at]! ^ 1, at, at + 1);
      }),
      error: 'EntryVerifyError',
      reason: 'bad-signature',
    },
    {
      description: `entry 3 with a cover count over the cap (${MAX_COVERS + 1})`,
      bytes: withCovers(Uint8Array.of(0x81, 0x02), cover),
      error: 'EntryDecodeError',
      reason: 'integer-too-large',
    },
    {
      description: 'entry 3 covering the same entry twice (covers not strictly ascending)',
      bytes: withCovers(Uint8Array.of(2), cover, cover),
      error: 'EntryDecodeError',
      reason: 'bad-covers',
    },
    {
      description: 'entry 3 covering seq 0',
      bytes: mutate(third, (b) => {
        const at = indexOf(b, fromHex(entries[2]!.payloadHash)) + 32 + 1 + 32;
        return b.fill(0, at, at + 1);
      }),
      error: 'EntryDecodeError',
      reason: 'bad-covers',
    },
    {
      description: 'entry 4 listing its blobs in descending order',
      bytes: mutate(fourth, (b) => {
        b.set(fromBase64Url(BLOB_B), blobsAt + 1);
        b.set(fromBase64Url(BLOB_A), blobsAt + 33);
        return b;
      }),
      error: 'EntryDecodeError',
      reason: 'bad-blobs',
    },
    {
      description: 'entry 4 listing one blob twice',
      bytes: mutate(fourth, (b) => b.fill(0xaa, blobsAt + 33, blobsAt + 65)),
      error: 'EntryDecodeError',
      reason: 'bad-blobs',
    },
    {
      description: 'entry 4 with the blob flag set and a count of 0',
      bytes: mutate(fourth, (b) =>
        concatBytes(b.subarray(0, blobsAt), Uint8Array.of(0), b.subarray(blobsAt + 65)),
      ),
      error: 'EntryDecodeError',
      reason: 'bad-blobs',
    },
    {
      description: `entry 4 with a blob count over the cap (${MAX_ENTRY_BLOBS + 1})`,
      bytes: mutate(fourth, (b) => b.fill(MAX_ENTRY_BLOBS + 1, blobsAt, blobsAt + 1)),
      error: 'EntryDecodeError',
      reason: 'bad-blobs',
    },
    {
      description: 'entry 4 whose blob count (3) runs past its list into the certificate',
      bytes: mutate(fourth, (b) => b.fill(3, blobsAt, blobsAt + 1)),
      error: 'EntryDecodeError',
      reason: 'bad-blobs',
    },
    {
      description: 'entry 4 with its blob list cut off after the count',
      bytes: mutate(fourth, (b) => concatBytes(b.subarray(0, blobsAt + 1))),
      error: 'EntryDecodeError',
      reason: 'truncated',
    },
    {
      description: 'a v1 entry whose payloadKind byte carries the blob flag',
      bytes: mutate(v1, (b) => b.fill(b[kindAt(b)]! | BLOBS_FLAG, kindAt(b), kindAt(b) + 1)),
      error: 'EntryDecodeError',
      reason: 'bad-payload-kind',
    },
    {
      description: 'entry 4 with its blob flag cleared (its list read as the certificate)',
      bytes: mutate(fourth, (b) => b.fill(b[kindAt(b)]! & ~BLOBS_FLAG, kindAt(b), kindAt(b) + 1)),
      error: 'EntryDecodeError',
      reason: 'bad-certificate',
    },
  ];
  return { entries, invalid };
}

/** Two blob ids (A < B bytewise). */
const BLOB_A = toBase64Url(new Uint8Array(32).fill(0xaa)) as BlobId;
const BLOB_B = toBase64Url(new Uint8Array(32).fill(0xbb)) as BlobId;

function withoutPayloadBytes(full: Uint8Array): Uint8Array {
  return withoutPayload(decodeAnyEntry(full));
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  for (let at = 0; at + needle.length <= haystack.length; at++) {
    if (needle.every((b, k) => haystack[at + k] === b)) return at;
  }
  throw new Error('not found');
}

describe('entry test vectors', async () => {
  const built = await buildVectors();
  // Other sections of the file (`keyRecordsV2`: `crypto/key-set-vectors.test.ts`) are kept
  // and checked by their own tests.
  const others = JSON.parse(readFileSync(FILE, 'utf8')) as Record<string, unknown>;
  if (process.env.UPDATE_TEST_VECTORS === '1')
    writeFileSync(FILE, `${JSON.stringify({ ...others, ...built }, null, 2)}\n`);
  const all = JSON.parse(readFileSync(FILE, 'utf8')) as Record<string, unknown>;
  const file = Object.fromEntries(Object.keys(built).map((k) => [k, all[k]])) as Awaited<
    ReturnType<typeof buildVectors>
  >;
  const verifier = new EntryVerifier();

  it('match what this implementation produces', () => {
    expect(file).toEqual(built);
  });

  it('verify, with the listed hashes', async () => {
    for (const v of file.entries) {
      const entry = await verifier.verify(fromHex(v.bytes));
      expect(toHex(entryHashToBytes(entry.hash))).toBe(v.hash);
      expect(entry.seq).toBe(v.fields.seq);
      expect(toHex(signingInput(DOMAIN_ENTRY, entry.body))).toBe(v.signingInput);
    }
  });

  it('v2: verify with and without their payload, to the same hash', async () => {
    for (const v of file.v2.entries) {
      const full = await verifier.verify(fromHex(v.bytes));
      const bare = await verifier.verify(fromHex(v.bytesWithoutPayload));
      expect(toHex(entryHashToBytes(full.hash))).toBe(v.hash);
      expect(bare.hash).toBe(full.hash);
      expect(toHex(full.payload!)).toBe(v.fields.payload);
      expect(bare.payload).toBeUndefined();
      expect(toHex(signingInput(entryDomain(2), bare.body))).toBe(v.signingInput);
      expect(bare.covers.map((c) => ({ deviceId: c.device, seq: c.seq }))).toEqual(v.fields.covers);
      // A relay reads the blob list, sorted, with or without the payload.
      expect(blobIdsOf(fromHex(v.bytesWithoutPayload))).toEqual([...(v.fields.blobs ?? [])].sort());
    }
  });

  it('reject the invalid ones with the listed error', async () => {
    for (const v of [...file.invalid, ...file.v2.invalid]) {
      const error = await verifier.verify(fromHex(v.bytes)).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error, v.description).toBeInstanceOf(
        v.error === 'EntryDecodeError' ? EntryDecodeError : EntryVerifyError,
      );
      expect(error, v.description).toMatchObject({ reason: v.reason });
    }
  });
});
