import fc from 'fast-check';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../bytes.ts';
import { parseDocId, entryHashFromBytes } from '../ids.ts';
import { CERTIFICATE_LIFETIME_MS } from '../identity/device-certificate.ts';
import { signEd25519 } from '../identity/keys.ts';
import { MemoryRevocations, issueDeviceRevocation } from '../identity/revocation.ts';
import { DOMAIN_ENTRY, signingInput } from '../identity/signed-record.ts';
import {
  EntryDecodeError,
  decodeEntry,
  entryHasPayload,
  peekEntryAuthor,
  withoutPayload,
  MAX_ENTRY_BYTES,
  MAX_PAYLOAD_BYTES,
  type EntryFields,
  type PayloadKind,
} from './entry-codec.ts';
import { EntryVerifier, EntryVerifyError, signEntry } from './entry-verifier.ts';
import { testAuthor, testFields, type TestAuthor } from './test-helpers.ts';

const alice = await testAuthor(0xa1, 0xa2);
const mallory = await testAuthor(0x66, 0x67);
const aliceRelay = await testAuthor(0xa1, 0xa3, { role: 'relay' });
const aliceExpiring = await testAuthor(0xa1, 0xa4, { expiresAt: 1_700_000_000_500 });
const aliceSecond = await testAuthor(0xa1, 0xa5);
/** A certificate written before expiries existed (no expiry field). */
const aliceLegacy = await testAuthor(0xa1, 0xa6);
/** A certificate covering every timestamp, for properties over arbitrary fields. */
const aliceForever = await testAuthor(0xa1, 0xa7, { expiresAt: Number.MAX_SAFE_INTEGER });
const verifier = new EntryVerifier();

/** A valid body, or an invalid one when overridden: every field writable as raw. */
interface RawFields {
  version: number;
  authorKey: Uint8Array;
  deviceKey: Uint8Array;
  seq: Uint8Array;
  prev: Uint8Array;
  timestamp: number;
  docId: string;
  kind: number;
  payload: Uint8Array;
  certificate: Uint8Array;
}

function varUint(n: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, n);
  return encoding.toUint8Array(e);
}

function rawBody(author: TestAuthor, over: Partial<RawFields> = {}): Uint8Array {
  const f: RawFields = {
    version: 1,
    authorKey: author.identity.publicKey,
    deviceKey: author.device.key.publicKey,
    seq: varUint(2),
    prev: new Uint8Array(32).fill(9),
    timestamp: 1_700_000_000_000,
    docId: 'post:raw',
    kind: 0,
    payload: new Uint8Array([1, 2, 3]),
    certificate: author.device.certificate.bytes,
    ...over,
  };
  const e = encoding.createEncoder();
  encoding.writeUint8(e, f.version);
  encoding.writeUint8Array(e, f.authorKey);
  encoding.writeUint8Array(e, f.deviceKey);
  encoding.writeUint8Array(e, f.seq);
  encoding.writeUint8Array(e, f.prev);
  encoding.writeVarUint(e, f.timestamp);
  encoding.writeVarString(e, f.docId);
  encoding.writeUint8(e, f.kind);
  encoding.writeVarUint8Array(e, f.payload);
  encoding.writeVarUint8Array(e, f.certificate);
  return encoding.toUint8Array(e);
}

/** Signs raw body bytes with `signer`'s device key, whatever they claim. */
async function signRaw(signer: TestAuthor, body: Uint8Array): Promise<Uint8Array> {
  return concatBytes(
    body,
    await signEd25519(signer.device.key.keyPair.privateKey, signingInput(DOMAIN_ENTRY, body)),
  );
}

async function outcome(bytes: Uint8Array, v: EntryVerifier = verifier): Promise<string> {
  try {
    await v.verify(bytes);
    return 'valid';
  } catch (err) {
    if (err instanceof EntryDecodeError) return `decode:${err.reason}`;
    if (err instanceof EntryVerifyError) return `verify:${err.reason}`;
    throw err;
  }
}

const valid = await signEntry(
  alice.device,
  testFields(2, entryHashFromBytes(new Uint8Array(32).fill(9))),
);

describe('entries', () => {
  it('round-trips every field', async () => {
    const prev = entryHashFromBytes(new Uint8Array(32).fill(3));
    const fields: EntryFields = {
      seq: 7,
      prev,
      timestamp: 1_700_000_123_456,
      docId: parseDocId('post:abc-DEF_1.2/x~y'),
      payloadKind: 'encrypted',
      payload: new Uint8Array([0, 255, 7]),
    };
    const signed = await signEntry(alice.device, fields);
    const entry = await verifier.verify(signed.bytes);
    expect(entry).toMatchObject(fields);
    expect(entry.author).toBe(alice.identity.personId);
    expect(entry.device).toBe(alice.device.key.deviceId);
    expect(entry.hash).toBe(signed.hash);
    expect(entry.certificate.bytes).toEqual(alice.device.certificate.bytes);
  });

  it('still verifies a v1 entry, which signs its payload itself and covers nothing', async () => {
    const v1 = await signEntry(alice.device, testFields(2, valid.prev), 1);
    expect(v1.bytes[0]).toBe(1);
    const entry = await verifier.verify(v1.bytes);
    expect(entry).toMatchObject({ version: 1, payloadHash: undefined, covers: [] });
    expect(entry.payload).toEqual(testFields(2, valid.prev).payload);
    expect(await outcome(await signRaw(alice, rawBody(alice)))).toBe('valid');
  });

  it('verifies a v2 entry with and without its payload, under one hash', async () => {
    const covers = [
      { device: aliceSecond.device.key.deviceId, seq: 4 },
      { device: alice.device.key.deviceId, seq: 1 },
    ];
    const full = await signEntry(alice.device, { ...testFields(2, valid.prev), covers });
    const bare = withoutPayload(full);
    expect(bare.length).toBeLessThan(full.bytes.length);
    const a = await verifier.verify(full.bytes);
    const b = await verifier.verify(bare);
    expect(b.hash).toBe(a.hash);
    expect(b.payload).toBeUndefined();
    expect(b.covers).toEqual(a.covers);
    expect(a.covers).toHaveLength(2);
    for (const c of covers) expect(a.covers).toContainEqual(c);
    expect(entryHasPayload(full.bytes)).toBe(true);
    expect(entryHasPayload(bare)).toBe(false);
    // Readers of content refuse the payload-less form rather than see an empty payload.
    expect(() => decodeEntry(bare)).toThrow(expect.objectContaining({ reason: 'payload-absent' }));
  });

  it('refuses a v2 entry whose payload does not match its signed hash', async () => {
    const full = await signEntry(alice.device, testFields(2, valid.prev));
    const tampered = full.bytes.slice();
    tampered[tampered.length - 1] = tampered.at(-1)! ^ 1; // the payload's last byte
    const error: unknown = await verifier.verify(tampered).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EntryDecodeError);
    expect(error).toMatchObject({ reason: 'payload-mismatch', field: 'payload' });
    expect(String(error)).toContain('SHA-256 differs from payloadHash');
  });

  it('refuses covers that are not strictly ascending', async () => {
    const fields = {
      ...testFields(2, valid.prev),
      covers: [
        { device: alice.device.key.deviceId, seq: 1 },
        { device: alice.device.key.deviceId, seq: 1 },
      ],
    };
    await expect(signEntry(alice.device, fields)).rejects.toThrow('covered twice');
  });

  it("decodes a device's certificate once across its entries, and another device's apart", async () => {
    const first = await signEntry(alice.device, testFields(1, undefined));
    const second = await signEntry(alice.device, testFields(2, first.hash));
    const theirs = await signEntry(mallory.device, testFields(1, undefined));
    const a = decodeEntry(first.bytes).certificate;
    expect(decodeEntry(second.bytes).certificate).toBe(a);
    expect(decodeEntry(theirs.bytes).certificate).not.toBe(a);
    expect(decodeEntry(theirs.bytes).certificate.person).toBe(theirs.author);
  });

  it('peeks the author from the header alone, refusing a header that is not one', async () => {
    const v2 = await signEntry(alice.device, testFields(1, undefined));
    const v1 = await signEntry(alice.device, testFields(1, undefined), 1);
    expect(peekEntryAuthor(v2.bytes)).toBe(v2.author);
    expect(peekEntryAuthor(v1.bytes)).toBe(v1.author);
    for (const bad of [new Uint8Array([3]), new Uint8Array([2, 7]), v2.bytes.subarray(0, 20)]) {
      expect(() => peekEntryAuthor(bad)).toThrow(EntryDecodeError);
    }
  });

  it('marks seq 1 by an all-zero prev', async () => {
    const first = await signEntry(alice.device, testFields(1, undefined));
    expect((await verifier.verify(first.bytes)).prev).toBeUndefined();
  });

  const longDoc = 'd'.repeat(129);
  const revocations = new MemoryRevocations();
  const revoking = new EntryVerifier({ revocations });
  const cases: [string, () => Promise<Uint8Array>, string, EntryVerifier?][] = [
    ['empty bytes', async () => new Uint8Array(), 'decode:truncated'],
    ['random garbage', async () => new Uint8Array(200).fill(0x42), 'decode:unknown-version'],
    [
      'a future version',
      async () => signRaw(alice, rawBody(alice, { version: 3 })),
      'decode:unknown-version',
    ],
    [
      'a truncated entry',
      async () => valid.bytes.subarray(0, valid.bytes.length - 1),
      'decode:truncated',
    ],
    ['an entry cut inside its header', async () => valid.bytes.subarray(0, 40), 'decode:truncated'],
    ['trailing bytes', async () => new Uint8Array([...valid.bytes, 0]), 'decode:trailing-bytes'],
    [
      'an oversized entry',
      async () => concatBytes(valid.bytes, new Uint8Array(MAX_ENTRY_BYTES)),
      'decode:too-large',
    ],
    [
      'an oversized payload',
      async () =>
        signRaw(alice, rawBody(alice, { payload: new Uint8Array(MAX_PAYLOAD_BYTES + 1) })),
      'decode:length-too-large',
    ],
    ['seq 0', async () => signRaw(alice, rawBody(alice, { seq: varUint(0) })), 'decode:bad-seq'],
    [
      'a seq above 2^53 - 1',
      async () =>
        signRaw(
          alice,
          rawBody(alice, { seq: new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]) }),
        ),
      'decode:integer-too-large',
    ],
    [
      'a non-minimal seq varuint',
      async () => signRaw(alice, rawBody(alice, { seq: new Uint8Array([0x82, 0x00]) })),
      'decode:non-canonical-varuint',
    ],
    [
      'seq 1 with a prev',
      async () => signRaw(alice, rawBody(alice, { seq: varUint(1) })),
      'decode:bad-prev',
    ],
    [
      'seq 2 without a prev',
      async () => signRaw(alice, rawBody(alice, { prev: new Uint8Array(32) })),
      'decode:bad-prev',
    ],
    [
      'an empty doc id',
      async () => signRaw(alice, rawBody(alice, { docId: '' })),
      'decode:bad-doc-id',
    ],
    [
      'a doc id with a space',
      async () => signRaw(alice, rawBody(alice, { docId: 'post x' })),
      'decode:bad-doc-id',
    ],
    [
      'a doc id over 128 bytes',
      async () => signRaw(alice, rawBody(alice, { docId: longDoc })),
      'decode:length-too-large',
    ],
    [
      'an unknown payload kind',
      async () => signRaw(alice, rawBody(alice, { kind: 9 })),
      'decode:bad-payload-kind',
    ],
    [
      'a malformed certificate',
      async () => signRaw(alice, rawBody(alice, { certificate: new Uint8Array(100) })),
      'decode:bad-certificate',
    ],
    [
      'a forgery: Alice’s device named, signed by Mallory’s key',
      async () => signRaw(mallory, rawBody(alice)),
      'verify:bad-signature',
    ],
    [
      'a certificate of another person',
      async () => signRaw(alice, rawBody(alice, { certificate: mallory.device.certificate.bytes })),
      'verify:certificate-person-mismatch',
    ],
    [
      'a certificate for another device of the author',
      async () =>
        signRaw(alice, rawBody(alice, { certificate: aliceSecond.device.certificate.bytes })),
      'verify:certificate-device-mismatch',
    ],
    [
      'a certificate Mallory forged for Alice’s key',
      async () => {
        const cert = mallory.device.certificate.bytes.slice();
        cert.set(alice.identity.publicKey, 1);
        cert.set(alice.device.key.publicKey, 33);
        return signRaw(alice, rawBody(alice, { certificate: cert }));
      },
      'verify:bad-certificate',
    ],
    [
      'Mallory’s own valid entry re-labelled as Alice’s',
      async () => {
        const bytes = (await signEntry(mallory.device, testFields(1, undefined))).bytes.slice();
        bytes.set(alice.identity.publicKey, 2); // after the version and form bytes
        return bytes;
      },
      'verify:certificate-person-mismatch',
    ],
    [
      'an entry by a relay device',
      async () => signRaw(aliceRelay, rawBody(aliceRelay)),
      'verify:relay-cannot-author',
    ],
    [
      'an entry after its certificate expired',
      async () => signRaw(aliceExpiring, rawBody(aliceExpiring, { timestamp: 1_700_000_000_501 })),
      'verify:certificate-expired',
    ],
    [
      'an entry signed after the lifetime of a certificate without expiry',
      async () =>
        signRaw(
          aliceLegacy,
          rawBody(aliceLegacy, {
            timestamp: 1_700_000_000_000 + CERTIFICATE_LIFETIME_MS + 1,
          }),
        ),
      'verify:certificate-expired',
    ],
    [
      'an entry after its device was revoked',
      async () => {
        revocations.add(
          await issueDeviceRevocation(alice.identity, {
            deviceKey: alice.device.key.publicKey,
            revokedAt: 0,
            lastValidSeq: 1,
          }),
        );
        return valid.bytes;
      },
      'verify:device-revoked',
      revoking,
    ],
  ];

  it.each(cases)('rejects %s', async (_, make, expected, v) => {
    expect(await outcome(await make(), v)).toBe(expected);
  });

  it('rejects a flip in every field with a typed error', async () => {
    // Offsets into `valid`: version 0, author 1, device 33, seq 65, prev 66, timestamp 98,
    // then docId, kind, payload, certificate, signature.
    const offsets = [
      0,
      1,
      20,
      33,
      50,
      65,
      66,
      97,
      98,
      103,
      110,
      115,
      120,
      140,
      200,
      valid.bytes.length - 64,
      valid.bytes.length - 1,
    ];
    for (const offset of offsets) {
      const bytes = valid.bytes.slice();
      bytes[offset] = bytes[offset]! ^ 0x04;
      expect(await outcome(bytes), `offset ${offset}`).toMatch(/^(decode|verify):/);
    }
  });

  it('keeps an entry signed at its certificate’s expiry valid, whenever it is checked', async () => {
    const atExpiry = await signRaw(
      aliceExpiring,
      rawBody(aliceExpiring, { timestamp: 1_700_000_000_500 }),
    );
    expect(await outcome(atExpiry)).toBe('valid');
    const legacyLast = await signRaw(
      aliceLegacy,
      rawBody(aliceLegacy, { timestamp: 1_700_000_000_000 + CERTIFICATE_LIFETIME_MS }),
    );
    expect(await outcome(legacyLast)).toBe('valid');
  });

  it('accepts the revoked device’s entries up to the last valid seq', async () => {
    const first = await signEntry(alice.device, testFields(1, undefined));
    expect(await outcome(first.bytes, revoking)).toBe('valid');
  });

  it('verifies a batch with one result per entry, in order', async () => {
    const forged = await signRaw(mallory, rawBody(alice));
    const results = await verifier.verifyMany([valid.bytes, forged, new Uint8Array([1])]);
    expect(results[0]).toMatchObject({ verified: true, seq: 2 });
    expect(results[1]).toMatchObject({ reason: 'bad-signature' });
    expect(results[2]).toBeInstanceOf(EntryDecodeError);
  });
});

describe('entry properties', () => {
  const docIdArb = fc.stringMatching(/^[A-Za-z0-9._:/~-]{1,128}$/).map(parseDocId);
  const fieldsArb = fc
    .record({
      seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      prevBytes: fc
        .uint8Array({ minLength: 32, maxLength: 32 })
        .filter((b) => b.some((x) => x !== 0)),
      timestamp: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      docId: docIdArb,
      payloadKind: fc.constantFrom<PayloadKind>('yjs-update', 'encrypted'),
      payload: fc.uint8Array({ maxLength: 600 }),
    })
    .map(({ prevBytes, ...f }): EntryFields => ({
      ...f,
      prev: f.seq === 1 ? undefined : entryHashFromBytes(prevBytes),
    }));

  it('decodes what it encodes, for arbitrary valid fields', async () => {
    await fc.assert(
      fc.asyncProperty(fieldsArb, async (fields) => {
        const signed = await signEntry(aliceForever.device, fields);
        const entry = await verifier.verify(signed.bytes);
        expect(entry).toMatchObject(fields);
        expect(entry.bytes).toEqual(signed.bytes);
      }),
      { numRuns: 150 },
    );
  });

  it('rejects any single-byte change by decode or verify', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: valid.bytes.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (index, xor) => {
          const bytes = valid.bytes.slice();
          bytes[index] = bytes[index]! ^ xor;
          expect(await outcome(bytes)).not.toBe('valid');
        },
      ),
      { numRuns: 400 },
    );
  });

  it('rejects every byte of a valid entry flipped, exhaustively', async () => {
    const mutants = [...valid.bytes].map((_, i) => {
      const bytes = valid.bytes.slice();
      bytes[i] = bytes[i]! ^ 0xff;
      return bytes;
    });
    const results = await verifier.verifyMany(mutants);
    expect(results.filter((r) => !(r instanceof Error))).toEqual([]);
  });
});
