import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CappedDoc } from '../docs/doc-caps.ts';
import { writeNewPost } from '../docs/post-doc.ts';
import { writeComment } from '../docs/small-docs.ts';
import { newDoc } from '../docs/yjs-change.ts';
import { newPostId, parsePersonId } from '../ids.ts';
import { commentKind, type CommentRef } from './comment.ts';
import { replyTag } from '../crypto/reply-tag.ts';
import { Tagged } from './kind.ts';
import { contentWait, tagWait } from './payload.ts';
import { postDocId } from './post.ts';
import { docIdOf, parseDocRef, replyOfItem, resolveRef } from './registry.ts';
import { ReplyKeyError } from './reply.ts';
import { entryOf, expectRefused, kindsPerson, recordingViews } from './test-kinds.ts';

const alice = parsePersonId('A'.repeat(43));

function commentState() {
  const doc = newDoc(1);
  writeComment(doc, { text: 'nice', createdAt: 1, deleted: false });
  return { doc, state: Y.encodeStateAsUpdate(doc) };
}

describe('comment kind', () => {
  it('round-trips its doc id and its thread item id; refuses malformed ids', () => {
    const ref: CommentRef = {
      kind: 'comment',
      postAuthor: alice,
      postId: newPostId(),
      commentId: newPostId(),
    };
    expect(parseDocRef(docIdOf(ref))).toEqual(ref);
    const item = commentKind.itemId(alice, ref);
    expect(replyOfItem(item, ref)).toEqual({ writer: alice, ref });
    expectRefused([
      `comment/notaperson/${'A'.repeat(22)}/${'A'.repeat(22)}`,
      `comment/${alice}/${'A'.repeat(22)}`,
      `comment/${alice}/${'A'.repeat(22)}/short`,
      `comment/${alice}/${'A'.repeat(22)}/${'A'.repeat(22)}/x`,
    ]);
  });

  it('names a friends-only post by its reply tag: round-trips once the tag is known', async () => {
    const ada = await kindsPerson(1);
    const postId = newPostId();
    const key = await ada.seal().ownContentKey(postId);
    const tag = await replyTag(ada.id, postId, key);
    const ref: CommentRef = {
      kind: 'comment',
      postAuthor: ada.id,
      postId,
      commentId: newPostId(),
      tag,
    };
    const docId = docIdOf(ref);
    expect(docId).toBe(`comment/~${tag}/${ref.commentId}`);
    expect(docId).not.toContain(postId);
    expect(docId).not.toContain(ada.id);
    const parsed = parseDocRef(docId);
    expect(parsed).toBeInstanceOf(Tagged);
    // Known to whoever holds the post's key; waited for by anyone else.
    expect(await resolveRef(parsed, ada.keys)).toEqual(ref);
    expect(await resolveRef(parsed, (await kindsPerson(2)).keys)).toEqual({ wait: tagWait(tag) });
    expectRefused([
      `comment/~${tag}`,
      `comment/~${tag}/short`,
      `comment/~${tag}/${'A'.repeat(22)}/x`,
      `comment/~short/${'A'.repeat(22)}`,
      `comment/~${tag}=/${'A'.repeat(22)}`,
      `comment/${tag}/${'A'.repeat(22)}`,
    ]);
  });

  it('on a friends-only post: sealed under its key, waits for it, and is refused in clear', async () => {
    const [ada, bob, carol] = [await kindsPerson(1), await kindsPerson(2), await kindsPerson(3)];
    const postId = newPostId();
    const ref: CommentRef = { kind: 'comment', postAuthor: ada.id, postId, commentId: newPostId() };
    const postKey = await ada.seal().ownContentKey(postId);
    await bob.keys.setContentKey(ada.id, postId, postKey);
    bob.keys.learnEpoch(ada.id, ada.epoch.epoch, ada.epoch.key);
    const { doc, state } = commentState();
    const friendsOnly = new Map([[`${ada.id}/${postId}`, 'friends' as const]]);
    const sealed = await commentKind.seal(ref, doc, state, bob.seal(friendsOnly));
    expect(sealed.payloadKind).toBe('encrypted');
    const entry = await entryOf(bob, commentKind.format(ref), sealed);
    expect(await commentKind.open(entry, ref, ada.open)).toEqual({ kind: 'update', update: state });
    // Carol has not read the post: the comment waits for the post's key.
    expect(await commentKind.open(entry, ref, carol.open)).toEqual({
      kind: 'waiting',
      key: contentWait(ada.id, postId),
    });
    // Without the key, a comment cannot be written at all.
    await expect(commentKind.seal(ref, doc, state, carol.seal(friendsOnly))).rejects.toThrow(
      ReplyKeyError,
    );
    // In clear, it comes from someone who could not read the post.
    const clear = await entryOf(carol, commentKind.format(ref), {
      payloadKind: 'yjs-update',
      payload: state,
    });
    expect((await commentKind.open(clear, ref, ada.open)).kind).toBe('unreadable');
  });

  it('a clear comment waits for its post, and is refused once the post shows friends-only', async () => {
    const [ada, bob] = [await kindsPerson(1), await kindsPerson(2)];
    const postId = newPostId();
    const ref: CommentRef = { kind: 'comment', postAuthor: ada.id, postId, commentId: newPostId() };
    const clear = await entryOf(bob, commentKind.format(ref), {
      payloadKind: 'yjs-update',
      payload: commentState().state,
    });
    const post = newDoc(5);
    const docs = new Map([[`${ada.id} ${postDocId(postId)}`, post]]);
    const { views } = recordingViews(bob.id, { docs });
    expect(await commentKind.admit?.(clear, ref, views)).toEqual({
      wait: contentWait(ada.id, postId),
    });
    writeNewPost(post, { text: 'hi', photos: [], audience: 'friends', createdAt: 1 });
    expect(await commentKind.admit?.(clear, ref, views)).toBe('refuse');
  });

  it('its caps are smaller than a post’s and refuse unknown fields', () => {
    const writer = newDoc(2);
    writer.getMap('comment').set('likes', 99);
    const capped = new CappedDoc(newDoc(3), commentKind.caps);
    expect(capped.apply(Y.encodeStateAsUpdate(writer))).toEqual({
      kind: 'refused',
      reason: 'unknown-field',
    });
  });
});
