import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../bytes.ts';
import { DecryptError, SymmetricKey } from './aead.ts';
import {
  KeyRecordError,
  decodePrivatePayload,
  makeEpochRecord,
  openEpochRecord,
  openPayload,
  replyKey,
  sealPostPayload,
  sealReply,
  sealWithKey,
  unwrapContentKey,
} from './audience.ts';
import { generateX25519 } from './seal.ts';

const author = 'bob-id';

describe('friends-epoch records', () => {
  it('every recipient, and nobody else, opens the epoch key', async () => {
    const [alice, carol, dave] = await Promise.all([
      generateX25519(),
      generateX25519(),
      generateX25519(),
    ]);
    const key = await SymmetricKey.generate();
    const record = await makeEpochRecord(author, 3, key, [alice.publicKey, carol.publicKey]);
    expect((await openEpochRecord(author, 3, record, alice))?.raw).toEqual(key.raw);
    expect((await openEpochRecord(author, 3, record, carol))?.raw).toEqual(key.raw);
    expect(await openEpochRecord(author, 3, record, dave)).toBeNull();
  });

  it('names no recipient: their public keys do not appear in the record', async () => {
    const alice = await generateX25519();
    const record = await makeEpochRecord(author, 0, await SymmetricKey.generate(), [
      alice.publicKey,
    ]);
    expect(toHex(record)).not.toContain(toHex(alice.publicKey));
  });

  it('a box cannot be moved to another author or epoch', async () => {
    const alice = await generateX25519();
    const record = await makeEpochRecord(author, 1, await SymmetricKey.generate(), [
      alice.publicKey,
    ]);
    expect(await openEpochRecord('mallory-id', 1, record, alice)).toBeNull();
    await expect(openEpochRecord(author, 2, record, alice)).rejects.toBeInstanceOf(KeyRecordError);
  });

  it.each([
    ['empty', new Uint8Array()],
    ['unknown version', new Uint8Array([9, 0, 1])],
    ['zero recipients', new Uint8Array([1, 0, 0])],
    ['count larger than the bytes', new Uint8Array([1, 0, 200, 1])],
    ['truncated box', new Uint8Array([1, 0, 1, 1, 2, 3])],
  ])('rejects a malformed record (%s) with KeyRecordError', async (_name, bytes) => {
    const alice = await generateX25519();
    await expect(openEpochRecord(author, 0, bytes, alice)).rejects.toBeInstanceOf(KeyRecordError);
  });

  it('rejects trailing bytes', async () => {
    const alice = await generateX25519();
    const record = await makeEpochRecord(author, 0, await SymmetricKey.generate(), [
      alice.publicKey,
    ]);
    const longer = new Uint8Array(record.length + 1);
    longer.set(record);
    await expect(openEpochRecord(author, 0, longer, alice)).rejects.toBeInstanceOf(KeyRecordError);
  });
});

describe('private payloads', () => {
  it('a friend with the epoch key reads the post, and a reply under its content key', async () => {
    const epochKey = await SymmetricKey.generate();
    const contentKey = await SymmetricKey.generate();
    const update = utf8('yjs update bytes');
    const sealed = await sealPostPayload({
      author,
      docId: 'post/P',
      postId: 'P',
      epoch: 4,
      epochKey,
      contentKey,
      update,
    });
    expect(toHex(sealed)).not.toContain(toHex(update));
    const payload = decodePrivatePayload(sealed);
    expect(payload.epoch).toBe(4);
    const unwrapped = await unwrapContentKey(payload, epochKey, author, 'P');
    expect(await openPayload(payload, unwrapped, author, 'post/P')).toEqual(update);

    const reply = decodePrivatePayload(
      await sealWithKey({
        author: 'carol-id',
        docId: 'comment/x',
        contentKey,
        update: utf8('nice'),
      }),
    );
    expect(await openPayload(reply, unwrapped, 'carol-id', 'comment/x')).toEqual(utf8('nice'));
  });

  it('an ex-friend with an older epoch key, or a payload moved to another doc, reads nothing', async () => {
    const oldEpoch = await SymmetricKey.generate();
    const newEpoch = await SymmetricKey.generate();
    const contentKey = await SymmetricKey.generate();
    const payload = decodePrivatePayload(
      await sealPostPayload({
        author,
        docId: 'post/P',
        postId: 'P',
        epoch: 5,
        epochKey: newEpoch,
        contentKey,
        update: utf8('after the removal'),
      }),
    );
    await expect(unwrapContentKey(payload, oldEpoch, author, 'P')).rejects.toBeInstanceOf(
      DecryptError,
    );
    await expect(unwrapContentKey(payload, newEpoch, author, 'Q')).rejects.toBeInstanceOf(
      DecryptError,
    );
    await expect(openPayload(payload, contentKey, author, 'post/Q')).rejects.toBeInstanceOf(
      DecryptError,
    );
    await expect(openPayload(payload, contentKey, 'mallory', 'post/P')).rejects.toBeInstanceOf(
      DecryptError,
    );
  });

  it('a reply opens with the post’s content key and its epoch’s key, not with an older epoch’s', async () => {
    const contentKey = await SymmetricKey.generate();
    const [before, after] = await Promise.all([SymmetricKey.generate(), SymmetricKey.generate()]);
    const post = { postAuthor: author, postId: 'P', contentKey };
    const sealed = decodePrivatePayload(
      await sealReply({
        ...post,
        author: 'carol-id',
        docId: 'comment/x',
        epoch: 6,
        epochKey: after,
        update: utf8('after the removal'),
      }),
    );
    expect(sealed).toMatchObject({ version: 2, epoch: 6, wrappedKey: new Uint8Array() });
    const right = await replyKey({ ...post, epoch: 6, epochKey: after });
    expect(await openPayload(sealed, right, 'carol-id', 'comment/x')).toEqual(
      utf8('after the removal'),
    );
    for (const wrong of [
      await replyKey({ ...post, epoch: 5, epochKey: before }),
      await replyKey({ ...post, epoch: 5, epochKey: after }),
      await replyKey({ ...post, postId: 'Q', epoch: 6, epochKey: after }),
      contentKey,
    ]) {
      await expect(openPayload(sealed, wrong, 'carol-id', 'comment/x')).rejects.toBeInstanceOf(
        DecryptError,
      );
    }
  });

  it.each([
    ['empty', new Uint8Array()],
    ['unknown version', new Uint8Array([3, 0, 0, 0])],
    [
      'a reply (version 2) with a wrapped key',
      new Uint8Array([2, 0, 61, ...new Uint8Array(61), 0]),
    ],
    ['bad wrapped key length', new Uint8Array([1, 0, 3, 1, 2, 3, 0])],
    ['length past the end', new Uint8Array([1, 0, 0, 50, 1])],
    ['trailing bytes', new Uint8Array([1, 0, 0, 1, 7, 9])],
  ])('rejects a malformed payload (%s) with KeyRecordError', (_name, bytes) => {
    expect(() => decodePrivatePayload(bytes)).toThrow(KeyRecordError);
  });
});
