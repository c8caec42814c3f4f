import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CappedDoc } from '../docs/doc-caps.ts';
import { writeReaction } from '../docs/small-docs.ts';
import { newDoc } from '../docs/yjs-change.ts';
import { newPostId, parsePersonId } from '../ids.ts';
import { reactionKind, type ReactionRef } from './reaction.ts';
import { replyTag } from '../crypto/reply-tag.ts';
import { docIdOf, parseDocRef, replyOfItem, resolveRef } from './registry.ts';
import { entryOf, expectRefused, kindsPerson } from './test-kinds.ts';

const alice = parsePersonId('A'.repeat(43));

describe('reaction kind', () => {
  it('round-trips its doc id and its thread item id; refuses malformed ids', () => {
    const ref: ReactionRef = { kind: 'reaction', postAuthor: alice, postId: newPostId() };
    expect(parseDocRef(docIdOf(ref))).toEqual(ref);
    expect(replyOfItem(reactionKind.itemId(alice, ref), ref)).toEqual({ writer: alice, ref });
    expectRefused([
      `reaction/${alice}`,
      `reaction/${alice}/short`,
      `reaction/x/${'A'.repeat(22)}`,
      `reaction/${alice}/${'A'.repeat(22)}/x`,
    ]);
  });

  it('names a friends-only post by its reply tag: round-trips once the tag is known', async () => {
    const ada = await kindsPerson(1);
    const postId = newPostId();
    const tag = await replyTag(ada.id, postId, await ada.seal().ownContentKey(postId));
    const ref: ReactionRef = { kind: 'reaction', postAuthor: ada.id, postId, tag };
    expect(docIdOf(ref)).toBe(`reaction/~${tag}`);
    expect(await resolveRef(parseDocRef(docIdOf(ref)), ada.keys)).toEqual(ref);
    // Its thread item is the same as in clear: hide lists and views do not change.
    expect(reactionKind.itemId(alice, ref)).toBe(
      reactionKind.itemId(alice, { kind: 'reaction', postAuthor: ada.id, postId }),
    );
    expectRefused([`reaction/~${tag}/x`, 'reaction/~', `reaction/~${tag}A`]);
  });

  it('on a public post it is in clear, and opens as it is', async () => {
    const [ada, bob] = [await kindsPerson(1), await kindsPerson(2)];
    const ref: ReactionRef = { kind: 'reaction', postAuthor: ada.id, postId: newPostId() };
    const doc = newDoc(1);
    writeReaction(doc, 'love', 1);
    const state = Y.encodeStateAsUpdate(doc);
    const publicPost = new Map([[`${ada.id}/${ref.postId}`, 'public' as const]]);
    const sealed = await reactionKind.seal(ref, doc, state, bob.seal(publicPost));
    expect(sealed).toEqual({ payloadKind: 'yjs-update', payload: state });
    const entry = await entryOf(bob, reactionKind.format(ref), sealed);
    expect(await reactionKind.open(entry, ref, ada.open)).toEqual({
      kind: 'update',
      update: state,
    });
  });

  it('its caps refuse unknown fields', () => {
    const writer = newDoc(2);
    writer.getMap('reaction').set('text', 'not a reaction');
    const capped = new CappedDoc(newDoc(3), reactionKind.caps);
    expect(capped.apply(Y.encodeStateAsUpdate(writer)).kind).toBe('refused');
  });
});
