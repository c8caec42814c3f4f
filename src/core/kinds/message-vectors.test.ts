/**
 * Test vectors of direct messages (`src/core/kinds/message-vectors.json`), for a second
 * implementation: a conversation record with the key and roster it opens to and each member's
 * writer tag, conversation records and message payloads a member must refuse, and message doc
 * ids that name no message. Everything derives from fixed seeds and a fixed "random" stream
 * (SHA-256 of a label and a counter), so this test rebuilds the file and requires it to match.
 * Regenerate after a deliberate format change:
 * `UPDATE_TEST_VECTORS=1 npx vitest run src/core/kinds/message-vectors.test.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { concatBytes, fromHex, toBase64Url, toHex, utf8 } from '../bytes.ts';
import { SymmetricKey } from '../crypto/aead.ts';
import { KeyRecordError } from '../crypto/audience.ts';
import {
  ROSTER_BYTES,
  makeConversationRecord,
  openConversationRecord,
} from '../crypto/conversation-record.ts';
import { writerTag, type ConversationId } from '../crypto/conversation-tag.ts';
import { domain } from '../crypto/kdf.ts';
import { makeKeySetRecord } from '../crypto/key-set.ts';
import { PairKeys } from '../crypto/pair-keys.ts';
import { CappedDoc } from '../docs/doc-caps.ts';
import { readMessage } from '../docs/message-doc.ts';
import { newDoc } from '../docs/yjs-change.ts';
import { identityFromSeed, type Identity } from '../identity/keys.ts';
import { personIdToKey, type PersonId } from '../ids.ts';
import { messageKind } from './message.ts';
import { expectRefused } from './test-kinds.ts';

const FILE = new URL('./message-vectors.json', import.meta.url);

/** The fixed stream standing in for randomness: SHA-256("kith/test-vectors/messages" ‖ u32 n). */
function stream(): (length: number) => Uint8Array {
  let counter = 0;
  let pool: Uint8Array = new Uint8Array();
  return (length) => {
    while (pool.length < length) {
      const n = new Uint8Array(4);
      new DataView(n.buffer).setUint32(0, counter++);
      pool = concatBytes(pool, sha256(concatBytes(utf8('kith/test-vectors/messages'), n)));
    }
    const out = pool.slice(0, length);
    pool = pool.slice(length);
    return out;
  };
}

/** A roster laid out by hand, so rosters the encoder refuses can be sealed too. */
function rawRoster(title: string, members: readonly PersonId[], pad = 0): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, 1);
  encoding.writeVarString(e, title);
  encoding.writeVarUint(e, members.length);
  for (const m of members) encoding.writeUint8Array(e, personIdToKey(m));
  const body = encoding.toUint8Array(e);
  const out = new Uint8Array(Math.max(ROSTER_BYTES, body.length));
  out.set(body);
  if (pad) out[out.length - 1] = pad;
  return out;
}

/** A record around `roster`, sealed under `key` bound to `aadEpoch`. */
async function recordWith(
  at: { starter: PersonId; conversation: ConversationId; epoch: number },
  key: SymmetricKey,
  pairKeys: readonly Uint8Array[],
  roster: Uint8Array,
  random: (n: number) => Uint8Array,
  aadEpoch = at.epoch,
  version = 1,
  trailing = false,
): Promise<string> {
  const keySet = await makeKeySetRecord(
    { author: at.starter, set: at.conversation, epoch: at.epoch },
    key,
    pairKeys,
    random,
  );
  const aad = domain(
    'kith/conversation-roster/v1',
    personIdToKey(at.starter),
    utf8(at.conversation),
    utf8(String(aadEpoch)),
  );
  const e = encoding.createEncoder();
  encoding.writeUint8(e, version);
  encoding.writeVarUint8Array(e, keySet);
  encoding.writeVarUint8Array(e, await key.encrypt(roster, aad, random));
  if (trailing) encoding.writeUint8(e, 0);
  return toHex(encoding.toUint8Array(e));
}

/**
 * A hand-over record (`docs/protocol.md`, "Conversation records") around `roster`, written by
 * `holder` for `at`, its roster box bound under `label` (the hand-over's, unless a test swaps it).
 */
async function handOverWith(
  at: { starter: PersonId; conversation: ConversationId; epoch: number },
  holder: PersonId,
  key: SymmetricKey,
  pairKeys: readonly Uint8Array[],
  roster: Uint8Array,
  random: (n: number) => Uint8Array,
  label = 'kith/conversation-handover/v1',
): Promise<string> {
  const keySet = await makeKeySetRecord(
    { author: holder, set: at.conversation, epoch: at.epoch },
    key,
    pairKeys,
    random,
  );
  const bound =
    label === 'kith/conversation-handover/v1'
      ? [personIdToKey(at.starter), personIdToKey(holder)]
      : [personIdToKey(at.starter)];
  const aad = domain(label, ...bound, utf8(at.conversation), utf8(String(at.epoch)));
  const e = encoding.createEncoder();
  encoding.writeUint8(e, 1);
  encoding.writeVarUint8Array(e, keySet);
  encoding.writeVarUint8Array(e, await key.encrypt(roster, aad, random));
  return toHex(encoding.toUint8Array(e));
}

/** A message doc's update written by hand. */
function messageUpdate(fields: Record<string, unknown>, root = 'message'): string {
  const doc = newDoc(7);
  const map = doc.getMap(root);
  for (const [k, v] of Object.entries(fields)) map.set(k, v);
  return toHex(Y.encodeStateAsUpdate(doc));
}

/** A well-formed photo reference (its blob ids stand for any ciphertext's address). */
const photo = {
  blob: 'A'.repeat(43),
  thumb: 'B'.repeat(43),
  width: 4,
  height: 3,
  mime: 'image/jpeg',
  bytes: 100,
};

async function buildVectors() {
  const seed = (from: number) => Uint8Array.from({ length: 32 }, (_, i) => from + i);
  const starter = await identityFromSeed(seed(0));
  const bob = await identityFromSeed(seed(64));
  const dan = await identityFromSeed(seed(96));
  const pairsOf = (who: Identity) =>
    new PairKeys({ publicKey: who.encryptionPublicKey, privateKey: who.encryptionPrivateKey });
  const random = stream();
  const conversation = toBase64Url(random(16)) as ConversationId;
  const at = { starter: starter.personId, conversation, epoch: 0 };
  const key = await SymmetricKey.fromRaw(random(32));
  const starterPairs = pairsOf(starter);
  const pairKeys = await Promise.all(
    [starter, bob].map((m) => starterPairs.pairKey(m.encryptionPublicKey)),
  );
  const roster = { title: 'Trip', members: [bob.personId] };
  const record = await makeConversationRecord(at, key, roster, pairKeys, random);
  const many = Array.from({ length: 50 }, (_, i) => ({ i }));
  const fifty: PersonId[] = [];
  for (const { i } of many) fifty.push((await identityFromSeed(seed(128 + i))).personId);
  const refuse = async (
    description: string,
    rosterBytes: Uint8Array,
    error: string,
    options: { aadEpoch?: number; version?: number; trailing?: boolean } = {},
  ) => ({
    description,
    record: await recordWith(
      at,
      key,
      pairKeys,
      rosterBytes,
      random,
      options.aadEpoch,
      options.version,
      options.trailing,
    ),
    error,
  });
  const good = rawRoster('Trip', [bob.personId]);
  const vectors = {
    description:
      'Direct messages (docs/protocol.md, "Conversation records" and "Messages"). Hex unless named otherwise. The starter is the identity of seeds 0..31, Bob 64..95 (a member), Dan 96..127 (no member).',
    starter: starter.personId,
    conversation,
    epoch: 0,
    epochKey: toHex(key.raw),
    roster: { title: roster.title, members: roster.members },
    bobPairKey: toHex(pairKeys[1]!),
    danPairKey: toHex(await starterPairs.pairKey(dan.encryptionPublicKey)),
    record: toHex(record),
    tags: {
      starter: await writerTag(at, starter.personId, key),
      bob: await writerTag(at, bob.personId, key),
    },
    invalidRecords: [
      await refuse('record version 2', good, 'unknown conversation record version', {
        version: 2,
      }),
      await refuse('one trailing byte', good, 'trailing bytes', { trailing: true }),
      await refuse(
        '51 people: the starter and 50 others',
        rawRoster('', fifty),
        'roster of 51 members over the cap',
      ),
      await refuse(
        'Bob listed twice',
        rawRoster('', [bob.personId, bob.personId]),
        'a member is listed twice',
      ),
      await refuse(
        'the starter in the roster',
        rawRoster('', [starter.personId]),
        'the starter is a member already',
      ),
      await refuse('no one but the starter', rawRoster('', []), 'at least one other member'),
      await refuse('a padding byte that is not zero', rawRoster('', [bob.personId], 1), 'padding'),
      await refuse(
        'a roster sealed for epoch 1 in the record of epoch 0',
        good,
        'does not open under the epoch key',
        { aadEpoch: 1 },
      ),
      await refuse('a title of 81 characters', rawRoster('x'.repeat(81), [bob.personId]), 'title'),
    ],
    invalidMessages: [
      {
        description: 'text of 4001 characters',
        update: messageUpdate({ text: 'x'.repeat(4001), createdAt: 1, deleted: false }),
      },
      {
        description: 'an unknown field',
        update: messageUpdate({ text: 'hi', createdAt: 1, deleted: false, to: 'everyone' }),
      },
      {
        description: 'createdAt as text',
        update: messageUpdate({ text: 'hi', createdAt: '1', deleted: false }),
      },
      {
        description: 'empty text, not deleted',
        update: messageUpdate({ text: ' ', createdAt: 1, deleted: false }),
      },
      { description: 'another root', update: messageUpdate({ text: 'hi' }, 'post') },
      {
        description: 'five photos',
        update: messageUpdate({
          text: '',
          photos: Array(5).fill(photo),
          createdAt: 1,
          deleted: false,
        }),
      },
      {
        description: 'a photo reference without its thumbnail',
        update: messageUpdate({
          text: 'hi',
          photos: [{ ...photo, thumb: '' }],
          createdAt: 1,
          deleted: false,
        }),
      },
      {
        description: 'photos that are not a list',
        update: messageUpdate({ text: 'hi', photos: photo, createdAt: 1, deleted: false }),
      },
    ],
    invalidDocIds: [
      `message/${await writerTag(at, bob.personId, key)}/${'A'.repeat(22)}`,
      `message/~${'A'.repeat(21)}/${'A'.repeat(22)}`,
      `message/~${await writerTag(at, bob.personId, key)}`,
      `message/~${await writerTag(at, bob.personId, key)}/${'A'.repeat(22)}/x`,
      `member/${await writerTag(at, bob.personId, key)}`,
      `member/~${'A'.repeat(21)}`,
      `member/~${await writerTag(at, bob.personId, key)}/x`,
      `conversation/${conversation}`,
      `conversation/${conversation}/01`,
      `conversation/short/0`,
      `conversation/~${'A'.repeat(21)}`,
      `conversation/~${await writerTag(at, bob.personId, key)}/1`,
    ],
  };
  // The starter left: Bob, next in the roster, seals epoch 1 to himself and Dan (vectors end
  // here, so the stream above is unchanged by them).
  const handedAt = { ...at, epoch: 1 };
  const handedKey = await SymmetricKey.fromRaw(random(32));
  const bobPairs = pairsOf(bob);
  const handedPairKeys = await Promise.all(
    [bob, dan].map((m) => bobPairs.pairKey(m.encryptionPublicKey)),
  );
  const handedRoster = { title: 'Trip', members: [dan.personId] };
  const handedGood = rawRoster('Trip', [dan.personId]);
  const refuseHanded = async (
    description: string,
    roster: Uint8Array,
    error: string,
    label?: string,
  ) => ({
    description,
    record: await handOverWith(
      handedAt,
      bob.personId,
      handedKey,
      handedPairKeys,
      roster,
      random,
      label,
    ),
    error,
  });
  return {
    ...vectors,
    handOver: {
      description:
        'Epoch 1 sealed by Bob after the starter left (written at conversation/~<tag>, where tag is Bob’s writer tag of epoch 0). Dan opens it with his pair key with Bob.',
      holder: bob.personId,
      epoch: 1,
      epochKey: toHex(handedKey.raw),
      roster: handedRoster,
      danPairKey: toHex(handedPairKeys[1]!),
      docId: `conversation/~${await writerTag(at, bob.personId, key)}`,
      record: toHex(
        await makeConversationRecord(
          handedAt,
          handedKey,
          handedRoster,
          handedPairKeys,
          random,
          bob.personId,
        ),
      ),
      invalidRecords: [
        await refuseHanded(
          'its roster box bound as a starter’s record',
          handedGood,
          'does not open under the epoch key',
          'kith/conversation-roster/v1',
        ),
        await refuseHanded(
          'the holder in the roster',
          rawRoster('Trip', [bob.personId]),
          'a member already',
        ),
      ],
    },
  };
}

describe('direct message test vectors', async () => {
  const built = await buildVectors();
  if (process.env.UPDATE_TEST_VECTORS === '1') {
    writeFileSync(FILE, `${JSON.stringify(built, null, 2)}\n`);
  }
  const file = JSON.parse(readFileSync(FILE, 'utf8')) as typeof built;
  const at = { starter: file.starter, conversation: file.conversation, epoch: file.epoch };

  it('match what this implementation produces', () => {
    expect(file).toEqual(built);
  });

  it('open: Bob finds the key and the roster, Dan finds nothing', async () => {
    const opened = await openConversationRecord(at, fromHex(file.record), fromHex(file.bobPairKey));
    expect(toHex(opened!.key.raw)).toBe(file.epochKey);
    expect(opened!.roster).toEqual(file.roster);
    expect(
      await openConversationRecord(at, fromHex(file.record), fromHex(file.danPairKey)),
    ).toBeNull();
  });

  it('refuse the invalid records with the listed error', async () => {
    for (const v of file.invalidRecords) {
      const opening = openConversationRecord(at, fromHex(v.record), fromHex(file.bobPairKey));
      await expect(opening, v.description).rejects.toThrow(KeyRecordError);
      await expect(
        openConversationRecord(at, fromHex(v.record), fromHex(file.bobPairKey)),
        v.description,
      ).rejects.toThrow(v.error);
    }
  });

  it('a hand-over record: Dan opens it as Bob’s; as the starter’s, or under another holder, it opens to nothing or is refused', async () => {
    const h = file.handOver;
    const handed = { ...at, epoch: h.epoch };
    const opened = await openConversationRecord(
      handed,
      fromHex(h.record),
      fromHex(h.danPairKey),
      h.holder,
    );
    expect(toHex(opened!.key.raw)).toBe(h.epochKey);
    expect(opened!.roster).toEqual(h.roster);
    // Read as a record of the starter's, it holds no box for Dan.
    expect(
      await openConversationRecord(handed, fromHex(h.record), fromHex(h.danPairKey)),
    ).toBeNull();
    for (const v of h.invalidRecords) {
      await expect(
        openConversationRecord(handed, fromHex(v.record), fromHex(h.danPairKey), h.holder),
        v.description,
      ).rejects.toThrow(v.error);
    }
  });

  it('refuse the invalid message payloads: caps or the reader', () => {
    for (const v of file.invalidMessages) {
      const capped = new CappedDoc(newDoc(9), messageKind.caps);
      const applied = capped.apply(fromHex(v.update));
      expect(applied.kind === 'refused' || readMessage(capped.doc) === null, v.description).toBe(
        true,
      );
    }
  });

  it('refuse the invalid doc ids', () => {
    expectRefused(file.invalidDocIds);
  });
});
