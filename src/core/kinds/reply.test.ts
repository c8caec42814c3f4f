/**
 * Replies to a friends-only post under key records v2: sealed under the reply key of the newest
 * audience epoch the writer holds, opened with the epoch the payload names; older replies (under
 * the post's content key alone) still open.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { SymmetricKey } from '../crypto/aead.ts';
import { decodePrivatePayload } from '../crypto/audience.ts';
import { writeComment } from '../docs/small-docs.ts';
import { newDoc } from '../docs/yjs-change.ts';
import { newPostId, type PostId } from '../ids.ts';
import { commentKind, type CommentRef } from './comment.ts';
import { epochWait, sealedUnder } from './payload.ts';
import { ReplyKeyError } from './reply.ts';
import { entryOf, kindsPerson, type KindsPerson } from './test-kinds.ts';

function commentState() {
  const doc = newDoc(1);
  writeComment(doc, { text: 'nice', createdAt: 1, deleted: false });
  return { doc, state: Y.encodeStateAsUpdate(doc) };
}

/** Ada's friends-only post, its content key held by `readers`; a comment of the first on it. */
async function friendsOnlyPost(ada: KindsPerson, readers: readonly KindsPerson[]) {
  const postId: PostId = newPostId();
  const contentKey = await ada.seal().ownContentKey(postId);
  for (const reader of readers) await reader.keys.setContentKey(ada.id, postId, contentKey);
  const ref: CommentRef = { kind: 'comment', postAuthor: ada.id, postId, commentId: newPostId() };
  const audiences = new Map([[`${ada.id}/${postId}`, 'friends' as const]]);
  return { ref, contentKey, audiences };
}

describe('replies under key records v2', () => {
  it('are sealed under the newest audience epoch held: a reader holding only an older epoch waits for it, and reads once it comes', async () => {
    const [ada, bob, carol] = [await kindsPerson(1), await kindsPerson(2), await kindsPerson(3)];
    const { ref, audiences } = await friendsOnlyPost(ada, [bob, carol]);
    const next = await SymmetricKey.generate();
    ada.keys.learnEpoch(ada.id, 4, next);
    bob.keys.learnEpoch(ada.id, 3, ada.epoch.key);
    bob.keys.learnEpoch(ada.id, 4, next);
    // Carol was removed before epoch 4: she holds the post's key and epoch 3 only.
    carol.keys.learnEpoch(ada.id, 3, ada.epoch.key);
    const { doc, state } = commentState();
    const sealed = await commentKind.seal(ref, doc, state, bob.seal(audiences));
    const payload = decodePrivatePayload(sealed.payload);
    expect({ version: payload.version, epoch: payload.epoch }).toEqual({ version: 2, epoch: 4 });
    const entry = await entryOf(bob, commentKind.format(ref), sealed);
    expect(await commentKind.open(entry, ref, ada.open)).toEqual({ kind: 'update', update: state });
    expect(await commentKind.open(entry, ref, carol.open)).toEqual({
      kind: 'waiting',
      key: epochWait(ada.id, 4),
    });
    carol.keys.learnEpoch(ada.id, 4, next);
    expect(await commentKind.open(entry, ref, carol.open)).toEqual({
      kind: 'update',
      update: state,
    });
  });

  it('open with any key of their epoch (two devices rotated at once), and wait while only another is held', async () => {
    const [ada, bob, carol] = [await kindsPerson(1), await kindsPerson(2), await kindsPerson(3)];
    const { ref, contentKey, audiences } = await friendsOnlyPost(ada, [bob, carol]);
    bob.keys.learnEpoch(ada.id, 3, ada.epoch.key);
    const { doc, state } = commentState();
    const entry = await entryOf(
      bob,
      commentKind.format(ref),
      await commentKind.seal(ref, doc, state, bob.seal(audiences)),
    );
    // Ada's other devices wrote epoch 3 too: this one of hers holds their keys before Bob's.
    const other = await SymmetricKey.generate();
    const phone = await kindsPerson(1);
    await phone.keys.setContentKey(ada.id, ref.postId, contentKey);
    phone.keys.learnEpoch(ada.id, 3, other);
    phone.keys.learnEpoch(ada.id, 3, ada.epoch.key);
    expect(await commentKind.open(entry, ref, phone.open)).toEqual({
      kind: 'update',
      update: state,
    });
    // Carol holds epoch 3 under another key only: the reply waits for the record it was sealed
    // under, and opens once it comes.
    carol.keys.learnEpoch(ada.id, 3, other);
    expect(await commentKind.open(entry, ref, carol.open)).toEqual({
      kind: 'waiting',
      key: epochWait(ada.id, 3),
    });
    carol.keys.learnEpoch(ada.id, 3, ada.epoch.key);
    expect(await commentKind.open(entry, ref, carol.open)).toEqual({
      kind: 'update',
      update: state,
    });
  });

  it('written before key records v2 (under the post’s content key) still open', async () => {
    const [ada, bob] = [await kindsPerson(1), await kindsPerson(2)];
    const { ref, contentKey } = await friendsOnlyPost(ada, [bob]);
    const { state } = commentState();
    const docId = commentKind.format(ref);
    const entry = await entryOf(bob, docId, await sealedUnder(contentKey, bob.id, docId, state));
    expect(await commentKind.open(entry, ref, ada.open)).toEqual({ kind: 'update', update: state });
  });

  it('fall back on the post’s own epoch where no newest epoch is tracked, and are refused with neither', async () => {
    const [ada, bob] = [await kindsPerson(1), await kindsPerson(2)];
    const { ref, audiences } = await friendsOnlyPost(ada, [bob]);
    const { doc, state } = commentState();
    // Bob's keys were saved by older code: he holds the post's key but tracks no newest epoch.
    await expect(commentKind.seal(ref, doc, state, bob.seal(audiences))).rejects.toThrow(
      ReplyKeyError,
    );
    const upgraded = { ...bob.seal(audiences), postEpoch: async () => ada.epoch };
    const sealed = await commentKind.seal(ref, doc, state, upgraded);
    expect(decodePrivatePayload(sealed.payload).epoch).toBe(ada.epoch.epoch);
    const entry = await entryOf(bob, commentKind.format(ref), sealed);
    expect(await commentKind.open(entry, ref, ada.open)).toEqual({ kind: 'update', update: state });
  });
});
