import { describe, expect, it } from 'vitest';
import { newPostId } from '../ids.ts';
import { replyTag } from '../crypto/reply-tag.ts';
import { docIdOf, parseDocRef } from './registry.ts';
import { entryOf, expectRefused, kindsPerson, recordingViews } from './test-kinds.ts';
import { threadKind } from './thread.ts';

describe('thread kind', () => {
  it('round-trips its doc id and refuses malformed ones', () => {
    const ref = { kind: 'thread', postId: newPostId() } as const;
    expect(parseDocRef(docIdOf(ref))).toEqual(ref);
    expectRefused(['thread', 'thread/short', `thread/${newPostId()}/x`]);
  });

  it('names a friends-only post by its reply tag, never confused with a post id', async () => {
    const ada = await kindsPerson(1);
    const postId = newPostId();
    const tag = await replyTag(ada.id, postId, await ada.seal().ownContentKey(postId));
    const ref = { kind: 'thread', tag } as const;
    expect(docIdOf(ref)).toBe(`thread/~${tag}`);
    expect(parseDocRef(docIdOf(ref))).toEqual(ref);
    // A tag and a post id are both 22 characters: only the mark tells them apart.
    expect(parseDocRef(`thread/${tag}`)).toEqual({ kind: 'thread', postId: tag });
    expectRefused([`thread/~${tag}/x`, 'thread/~', `thread/~${tag.slice(1)}`]);
  });

  it('hands embedded entries back to be verified; anything else is not read', async () => {
    const ada = await kindsPerson(1);
    const ref = { kind: 'thread', postId: newPostId() } as const;
    const embedded = new Uint8Array([9, 9, 9]);
    const { views, calls } = recordingViews(ada.id);
    for (const payloadKind of ['embedded-entry', 'yjs-update', 'key-record'] as const) {
      const entry = await entryOf(ada, threadKind.format(ref), { payloadKind, payload: embedded });
      await threadKind.take(entry, ref, views, entry);
    }
    expect(calls.reingested).toEqual([embedded]);
  });
});
