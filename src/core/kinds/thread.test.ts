import { describe, expect, it } from 'vitest';
import { newPostId } from '../ids.ts';
import { docIdOf, parseDocRef } from './registry.ts';
import { entryOf, expectRefused, kindsPerson, recordingViews } from './test-kinds.ts';
import { threadKind } from './thread.ts';

describe('thread kind', () => {
  it('round-trips its doc id and refuses malformed ones', () => {
    const ref = { kind: 'thread', postId: newPostId() } as const;
    expect(parseDocRef(docIdOf(ref))).toEqual(ref);
    expectRefused(['thread', 'thread/short', `thread/${newPostId()}/x`]);
  });

  it('hands embedded entries back to be verified; anything else is not read', async () => {
    const ada = await kindsPerson(1);
    const ref = { kind: 'thread', postId: newPostId() } as const;
    const embedded = new Uint8Array([9, 9, 9]);
    const { views, calls } = recordingViews(ada.id);
    for (const payloadKind of ['embedded-entry', 'yjs-update', 'key-record'] as const) {
      const entry = await entryOf(ada, threadKind.format(ref), { payloadKind, payload: embedded });
      await threadKind.take(entry, ref, views);
    }
    expect(calls.reingested).toEqual([embedded]);
  });
});
