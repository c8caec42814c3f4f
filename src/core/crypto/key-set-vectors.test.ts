/**
 * Test vectors of key-set records v2 and reply keys (section `keyRecordsV2` of
 * `src/core/feed/test-vectors.json`), for a second implementation: pair keys, hints, a record
 * and the key it opens to, a reply key, and records an implementation must refuse. Everything
 * derives from fixed seeds and a fixed "random" stream (SHA-256 of a label and a counter), so
 * this test rebuilds the section and requires it to match. Regenerate after a deliberate format
 * change: `UPDATE_TEST_VECTORS=1 npx vitest run src/core/crypto/key-set-vectors.test.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex, utf8 } from '../bytes.ts';
import { identityFromSeed, type Identity } from '../identity/keys.ts';
import { SymmetricKey } from './aead.ts';
import { KeyRecordError, replyKey } from './audience.ts';
import {
  HINT_BYTES,
  KEY_SET_BOX_BYTES,
  MAX_HINT_TRIES,
  decodeKeySetRecord,
  hintOf,
  type KeySetRecord,
  makeKeySetRecord,
  openKeySetRecord,
} from './key-set.ts';
import { PairKeys } from './pair-keys.ts';

const FILE = new URL('../feed/test-vectors.json', import.meta.url);
const SECTION = 'keyRecordsV2';

/** The fixed stream standing in for randomness: SHA-256("kith/test-vectors/random" ‖ u32 n). */
function stream(): (length: number) => Uint8Array {
  let counter = 0;
  let pool: Uint8Array = new Uint8Array();
  return (length) => {
    while (pool.length < length) {
      const n = new Uint8Array(4);
      new DataView(n.buffer).setUint32(0, counter++);
      pool = concatBytes(pool, sha256(concatBytes(utf8('kith/test-vectors/random'), n)));
    }
    const out = pool.slice(0, length);
    pool = pool.slice(length);
    return out;
  };
}

function header(count: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, 2);
  encoding.writeVarUint8Array(e, utf8('friends'));
  encoding.writeVarUint(e, 3);
  encoding.writeUint8Array(e, new Uint8Array(16));
  encoding.writeVarUint(e, count);
  return encoding.toUint8Array(e);
}

/** Encodes a record from its parts, as `makeKeySetRecord` lays them out (for altered records). */
function encodeRecord(record: KeySetRecord, hints: Uint8Array, boxes: readonly Uint8Array[]) {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, 2);
  encoding.writeVarUint8Array(e, utf8(record.set));
  encoding.writeVarUint(e, record.epoch);
  encoding.writeUint8Array(e, record.salt);
  encoding.writeVarUint(e, boxes.length);
  encoding.writeUint8Array(e, hints);
  for (const box of boxes) encoding.writeUint8Array(e, box);
  return encoding.toUint8Array(e);
}

/**
 * Well-formed records a member must open to nothing: Carol's hint copied by a hostile author
 * onto the two boxes before hers (a reader tries at most {@link MAX_HINT_TRIES}), and the
 * author's own box with one byte changed.
 */
async function unopenable(record: Uint8Array, hints: readonly Uint8Array[]) {
  const decoded = decodeKeySetRecord(record);
  const indexOfHint = (hint: Uint8Array) =>
    decoded.boxes.findIndex((_, i) =>
      hint.every((b, j) => decoded.hints[i * HINT_BYTES + j] === b),
    );
  const [authorHint, carolHint] = [hints[0]!, hints[1]!];
  // Carol's box moves to index MAX_HINT_TRIES; the boxes before it get her hint.
  const carolAt = indexOfHint(carolHint);
  const boxes = [...decoded.boxes];
  const table = decoded.hints.slice();
  const swap = (i: number, j: number) => {
    [boxes[i], boxes[j]] = [boxes[j]!, boxes[i]!];
    const at = table.slice(i * HINT_BYTES, (i + 1) * HINT_BYTES);
    table.copyWithin(i * HINT_BYTES, j * HINT_BYTES, (j + 1) * HINT_BYTES);
    table.set(at, j * HINT_BYTES);
  };
  swap(carolAt, MAX_HINT_TRIES);
  for (let i = 0; i < MAX_HINT_TRIES; i++) table.set(carolHint, i * HINT_BYTES);
  const authorAt = indexOfHint(authorHint);
  const flipped = decoded.boxes.map((box, i) =>
    i === authorAt ? box.map((b, j) => (j === box.length - 1 ? b ^ 1 : b)) : box,
  );
  return [
    {
      description: `Carol's hint on the ${MAX_HINT_TRIES} boxes before her own: she opens nothing`,
      reader: 1,
      record: toHex(encodeRecord(decoded, table, boxes)),
    },
    {
      description: "the author's box with its last byte changed: the author opens nothing",
      reader: 0,
      record: toHex(encodeRecord(decoded, decoded.hints, flipped)),
    },
  ];
}

async function buildVectors() {
  const seed = (from: number) => Uint8Array.from({ length: 32 }, (_, i) => from + i);
  const author = await identityFromSeed(seed(0));
  const carol = await identityFromSeed(seed(64));
  const dave = await identityFromSeed(seed(96));
  const pairsOf = (who: Identity) =>
    new PairKeys({ publicKey: who.encryptionPublicKey, privateKey: who.encryptionPrivateKey });
  const authorPairs = pairsOf(author);
  const at = { author: author.personId, set: 'friends', epoch: 3 };
  const random = stream();
  const epochKey = await SymmetricKey.fromRaw(random(32));
  const members = [author, carol];
  const pairKeys = await Promise.all(
    members.map((m) => authorPairs.pairKey(m.encryptionPublicKey)),
  );
  const record = await makeKeySetRecord(at, epochKey, pairKeys, random);
  const { salt } = decodeKeySetRecord(record);
  const contentKey = await SymmetricKey.fromRaw(random(32));
  const reply = await replyKey({
    postAuthor: author.personId,
    postId: 'P',
    contentKey,
    epoch: 3,
    epochKey,
  });
  const hints = await Promise.all(pairKeys.map((pairKey) => hintOf(pairKey, at, salt)));
  const body = (count: number, extra: number) =>
    toHex(
      concatBytes(header(count), new Uint8Array(count * (HINT_BYTES + KEY_SET_BOX_BYTES) + extra)),
    );
  return {
    description:
      'Key-set records v2 (docs/protocol.md, "Key-set records v2") and reply keys. Hex unless named otherwise. Members are identities made from seeds 0..31 (the author, also in the entry vectors), 64..95 (Carol); 96..127 (Dave) is no member.',
    set: at.set,
    epoch: at.epoch,
    author: { personId: author.personId, encryptionPublicKey: toHex(author.encryptionPublicKey) },
    members: await Promise.all(
      members.map(async (m, i) => ({
        personId: m.personId,
        encryptionPublicKey: toHex(m.encryptionPublicKey),
        pairKey: toHex(pairKeys[i]!),
        hint: toHex(hints[i]!),
      })),
    ),
    nonMember: {
      personId: dave.personId,
      encryptionPublicKey: toHex(dave.encryptionPublicKey),
      pairKey: toHex(await authorPairs.pairKey(dave.encryptionPublicKey)),
    },
    epochKey: toHex(epochKey.raw),
    record: toHex(record),
    unopenable: await unopenable(record, hints),
    reply: {
      postAuthor: author.personId,
      postId: 'P',
      epoch: 3,
      contentKey: toHex(contentKey.raw),
      epochKey: toHex(epochKey.raw),
      replyKey: toHex(reply.raw),
    },
    invalid: [
      { description: 'empty', bytes: '', error: 'truncated key-set record' },
      { description: 'version 3', bytes: '03', error: 'unknown key-set record version' },
      {
        description: 'a box count over the cap (4096)',
        bytes: toHex(header(4096)),
        error: 'over the cap',
      },
      {
        description: 'a box count that is no size class (9)',
        bytes: body(9, 0),
        error: 'not a size class',
      },
      {
        description: 'a hint table cut short (8 boxes, 63 hint bytes)',
        bytes: toHex(concatBytes(header(8), new Uint8Array(63))),
        error: 'truncated hint table',
      },
      {
        description: 'a box table cut short by one byte',
        bytes: body(8, -1),
        error: 'truncated box table',
      },
      { description: 'one trailing byte', bytes: body(8, 1), error: 'trailing bytes' },
    ],
  };
}

describe('key-set record test vectors', async () => {
  const built = await buildVectors();
  const whole = JSON.parse(readFileSync(FILE, 'utf8')) as Record<string, unknown>;
  if (process.env.UPDATE_TEST_VECTORS === '1') {
    writeFileSync(FILE, `${JSON.stringify({ ...whole, [SECTION]: built }, null, 2)}\n`);
    whole[SECTION] = built;
  }
  const file = whole[SECTION] as typeof built;

  it('match what this implementation produces', () => {
    expect(file).toEqual(built);
  });

  it('open: each member finds its hint and the epoch key, the non-member finds none', async () => {
    const at = { author: file.author.personId, set: file.set, epoch: file.epoch };
    for (const m of file.members) {
      const key = await openKeySetRecord(at, fromHex(file.record), fromHex(m.pairKey));
      expect(toHex(key!.raw)).toBe(file.epochKey);
    }
    expect(
      await openKeySetRecord(at, fromHex(file.record), fromHex(file.nonMember.pairKey)),
    ).toBeNull();
  });

  it('open to nothing: well-formed records altered against a member', async () => {
    const at = { author: file.author.personId, set: file.set, epoch: file.epoch };
    for (const v of file.unopenable) {
      const pairKey = fromHex(file.members[v.reader]!.pairKey);
      expect(await openKeySetRecord(at, fromHex(v.record), pairKey), v.description).toBeNull();
    }
  });

  it('refuse the invalid records with the listed error', () => {
    for (const v of file.invalid) {
      expect(() => decodeKeySetRecord(fromHex(v.bytes)), v.description).toThrow(KeyRecordError);
      expect(() => decodeKeySetRecord(fromHex(v.bytes)), v.description).toThrow(v.error);
    }
  });
});
