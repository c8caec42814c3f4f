/**
 * A post for one of its author's lists (issue 28, "audiences"): private payload version 3
 * (`audience.ts`), `3 | epoch 0 | wrapped key 61 | box`. The post's content key is wrapped under
 * the list's current epoch key (`kinds/audience-list.ts`), the update sealed under the content key
 * as any private post's. Neither the list nor its epoch is named: a friend outside the list
 * learns only that a post exists they cannot open, and two list posts do not show whether they
 * share a list. A member tries the list keys of the author it holds (`peer/list-keys.ts`).
 */
import { utf8 } from '../bytes.ts';
import { SymmetricKey } from './aead.ts';
import { encodePrivatePayload, payloadContext, type PrivatePayload } from './audience.ts';
import { domain } from './kdf.ts';

function listWrapContext(author: string, postId: string): Uint8Array {
  return domain('kith/list-content-key/v1', utf8(author), utf8(postId));
}

/** Seals an update of a list post: the content key wrapped under the list's epoch key. */
export async function sealListPostPayload(input: {
  author: string;
  docId: string;
  postId: string;
  listKey: SymmetricKey;
  contentKey: SymmetricKey;
  update: Uint8Array;
}): Promise<Uint8Array> {
  const wrappedKey = await input.listKey.encrypt(
    input.contentKey.raw,
    listWrapContext(input.author, input.postId),
  );
  const box = await input.contentKey.encrypt(
    input.update,
    payloadContext(input.author, input.docId),
  );
  return encodePrivatePayload({ version: 3, epoch: 0, wrappedKey, box });
}

/** Unwraps a list post's content key with one list key; throws `DecryptError` if not its key. */
export async function unwrapListContentKey(
  payload: PrivatePayload,
  listKey: SymmetricKey,
  author: string,
  postId: string,
): Promise<SymmetricKey> {
  return SymmetricKey.fromRaw(
    await listKey.decrypt(payload.wrappedKey, listWrapContext(author, postId)),
  );
}
