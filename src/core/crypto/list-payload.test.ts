/** List post payloads (version 3): what opens, and what is refused as malformed. */
import { describe, expect, it } from 'vitest';
import { DecryptError, SymmetricKey } from './aead.ts';
import {
  decodePrivatePayload,
  encodePrivatePayload,
  KeyRecordError,
  WRAPPED_KEY_BYTES,
} from './audience.ts';
import { sealListPostPayload, unwrapListContentKey } from './list-payload.ts';

async function sealed() {
  const listKey = await SymmetricKey.generate();
  const contentKey = await SymmetricKey.generate();
  const bytes = await sealListPostPayload({
    author: 'alice',
    docId: 'post/p',
    postId: 'p',
    listKey,
    contentKey,
    update: new Uint8Array([1, 2, 3]),
  });
  return { listKey, contentKey, bytes };
}

describe('a list post payload', () => {
  it('opens with its list key for its own author and post only', async () => {
    const { listKey, contentKey, bytes } = await sealed();
    const payload = decodePrivatePayload(bytes);
    expect(payload).toMatchObject({ version: 3, epoch: 0 });
    const key = await unwrapListContentKey(payload, listKey, 'alice', 'p');
    expect(key.raw).toEqual(contentKey.raw);
    await expect(unwrapListContentKey(payload, listKey, 'alice', 'q')).rejects.toThrow(
      DecryptError,
    );
    await expect(unwrapListContentKey(payload, listKey, 'bob', 'p')).rejects.toThrow(DecryptError);
    const other = await SymmetricKey.generate();
    await expect(unwrapListContentKey(payload, other, 'alice', 'p')).rejects.toThrow(DecryptError);
  });

  it('refuses one that names an epoch, or whose wrapped key is not one key', async () => {
    const { bytes } = await sealed();
    const payload = decodePrivatePayload(bytes);
    const bad = [
      encodePrivatePayload({ ...payload, epoch: 1 }),
      encodePrivatePayload({ ...payload, wrappedKey: new Uint8Array() }),
      encodePrivatePayload({ ...payload, wrappedKey: new Uint8Array(WRAPPED_KEY_BYTES + 1) }),
      new Uint8Array([...bytes, 0]),
      new Uint8Array([4, ...bytes.subarray(1)]),
    ];
    for (const b of bad) expect(() => decodePrivatePayload(b)).toThrow(KeyRecordError);
  });
});
