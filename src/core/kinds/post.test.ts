import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { SymmetricKey } from '../crypto/aead.ts';
import { CappedDoc } from '../docs/doc-caps.ts';
import { writeNewPost } from '../docs/post-doc.ts';
import { newDoc } from '../docs/yjs-change.ts';
import { newPostId } from '../ids.ts';
import { epochWait } from './payload.ts';
import { postKind } from './post.ts';
import { docIdOf, parseDocRef } from './registry.ts';
import { entryOf, expectRefused, kindsPerson } from './test-kinds.ts';

function postState(audience: 'friends' | 'public') {
  const doc = newDoc(1);
  writeNewPost(doc, { text: 'hello', photos: [], audience, createdAt: 1 });
  return { doc, state: Y.encodeStateAsUpdate(doc) };
}

describe('post kind', () => {
  it('round-trips its doc id and refuses malformed ones', () => {
    const ref = { kind: 'post', postId: newPostId() } as const;
    expect(parseDocRef(docIdOf(ref))).toEqual(ref);
    expectRefused(['post', 'post/short', `post/${'A'.repeat(22)}/x`, `post/${'A'.repeat(21)}+`]);
  });

  it('a public post is in clear', async () => {
    const ada = await kindsPerson(1);
    const ref = { kind: 'post', postId: newPostId() } as const;
    const { doc, state } = postState('public');
    expect(await postKind.seal(ref, doc, state, ada.seal())).toEqual({
      payloadKind: 'yjs-update',
      payload: state,
    });
  });

  it('a friends-only post opens with the epoch key alone, and teaches its content key', async () => {
    const [ada, bob] = [await kindsPerson(1), await kindsPerson(2)];
    const ref = { kind: 'post', postId: newPostId() } as const;
    const { doc, state } = postState('friends');
    const sealed = await postKind.seal(ref, doc, state, ada.seal());
    expect(sealed.payloadKind).toBe('encrypted');
    const entry = await entryOf(ada, postKind.format(ref), sealed);
    // Bob has not got Ada's epoch key yet: the post waits for it.
    expect(await postKind.open(entry, ref, bob.open)).toEqual({
      kind: 'waiting',
      key: epochWait(ada.id, ada.epoch.epoch),
    });
    bob.keys.learnEpoch(ada.id, ada.epoch.epoch, ada.epoch.key);
    expect(await postKind.open(entry, ref, bob.open)).toEqual({ kind: 'update', update: state });
    expect((await bob.keys.contentKey(ada.id, ref.postId))?.raw).toEqual(
      (await ada.keys.contentKey(ada.id, ref.postId))?.raw,
    );
  });

  it('a friends-only post opens with any key of its epoch (own devices that rotated at once)', async () => {
    const [ada, bob] = [await kindsPerson(1), await kindsPerson(2)];
    const ref = { kind: 'post', postId: newPostId() } as const;
    const { doc, state } = postState('friends');
    const entry = await entryOf(
      ada,
      postKind.format(ref),
      await postKind.seal(ref, doc, state, ada.seal()),
    );
    bob.keys.learnEpoch(ada.id, ada.epoch.epoch, await SymmetricKey.generate());
    bob.keys.learnEpoch(ada.id, ada.epoch.epoch, ada.epoch.key);
    expect(await postKind.open(entry, ref, bob.open)).toEqual({ kind: 'update', update: state });
  });

  it('a sealed payload that is malformed is unreadable; one moved to another post never opens', async () => {
    const ada = await kindsPerson(1);
    const ref = { kind: 'post', postId: newPostId() } as const;
    const { doc, state } = postState('friends');
    const sealed = await postKind.seal(ref, doc, state, ada.seal());
    const garbage = await entryOf(ada, postKind.format(ref), {
      payloadKind: 'encrypted',
      payload: new Uint8Array([1, 2, 3]),
    });
    expect((await postKind.open(garbage, ref, ada.open)).kind).toBe('unreadable');
    // The same payload under another post's id: its content key is not unwrapped there. A failed
    // unwrap cannot tell that from a key of its epoch not held yet (another own device's record
    // of the same number): it waits for one, and no key of the epoch opens it.
    const other = { kind: 'post', postId: newPostId() } as const;
    const moved = await entryOf(ada, postKind.format(other), sealed);
    const opened = await postKind.open(moved, other, ada.open);
    expect(opened.kind).toBe('waiting');
    expect(opened).not.toHaveProperty('update');
  });

  it('its caps refuse a field posts do not have', () => {
    const { doc, state } = postState('public');
    const before = Y.encodeStateVector(doc);
    doc.getMap('post').set('junk', 'x');
    const capped = new CappedDoc(newDoc(2), postKind.caps);
    expect(capped.apply(state).kind).toBe('applied');
    expect(capped.apply(Y.encodeStateAsUpdate(doc, before))).toEqual({
      kind: 'refused',
      reason: 'unknown-field',
    });
  });
});
