import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { randomBytes } from '../bytes.ts';
import { personIdFromKey, type PersonId } from '../ids.ts';
import {
  MAX_MENTIONS,
  PostContentError,
  readPost,
  writeNewPost,
  writePostDeletion,
  writePostEdit,
} from './post-doc.ts';
import { DocContentError, readComment, writeComment } from './small-docs.ts';
import { newDoc } from './yjs-change.ts';

const someone = (): PersonId => personIdFromKey(randomBytes(32));
const bob = someone();
const carol = someone();

function rebuild(...updates: Uint8Array[]): Y.Doc {
  const doc = newDoc(99);
  for (const u of updates) Y.applyUpdate(doc, u);
  return doc;
}

const base = { photos: [], audience: 'friends', createdAt: 1 } as const;

describe('mentions in a post doc', () => {
  it('a reader gets the mentions the author wrote, changed and removed', () => {
    const doc = newDoc(1);
    const created = writeNewPost(doc, { ...base, text: 'Lunch with @Bob', mentions: [bob] });
    expect(readPost(rebuild(created))?.mentions).toEqual([bob]);
    const edited = writePostEdit(doc, {
      text: 'Lunch with @Bob and @Carol',
      mentions: [bob, carol],
      editedAt: 2,
    });
    expect(readPost(rebuild(created, edited!))?.mentions).toEqual([bob, carol]);
    // An edit that leaves mentions out keeps them.
    const textOnly = writePostEdit(doc, { text: 'Lunch with @Bob and @Carol!', editedAt: 3 });
    expect(readPost(rebuild(created, edited!, textOnly!))?.mentions).toEqual([bob, carol]);
    const cleared = writePostEdit(doc, { text: 'Lunch', mentions: [], editedAt: 4 });
    expect(readPost(rebuild(created, edited!, textOnly!, cleared!))?.mentions).toEqual([]);
  });

  it('changing only the mentions is an edit; the same mentions sign nothing', () => {
    const doc = newDoc(1);
    writeNewPost(doc, { ...base, text: '@Bob', mentions: [bob] });
    expect(writePostEdit(doc, { text: '@Bob', mentions: [bob], editedAt: 2 })).toBeNull();
    expect(writePostEdit(doc, { text: '@Bob', mentions: [carol], editedAt: 2 })).not.toBeNull();
  });

  it('a deleted post keeps no mentions', () => {
    const doc = newDoc(1);
    writeNewPost(doc, { ...base, text: '@Bob', mentions: [bob] });
    writePostDeletion(doc, 5);
    expect(readPost(doc)?.mentions).toEqual([]);
  });

  it('refuses too many, duplicate or malformed mentions before anything is signed', () => {
    const many = Array.from({ length: MAX_MENTIONS + 1 }, someone);
    const cases: unknown[][] = [many, [bob, bob], ['not-a-person'], ['A'.repeat(42)], [42]];
    for (const mentions of cases) {
      const doc = newDoc(1);
      expect(() =>
        writeNewPost(doc, { ...base, text: 'hi', mentions: mentions as PersonId[] }),
      ).toThrow(PostContentError);
      expect(Y.encodeStateAsUpdate(doc).length).toBeLessThan(3);
    }
    const doc = newDoc(1);
    writeNewPost(doc, { ...base, text: 'hi' });
    expect(() => writePostEdit(doc, { text: 'hi', mentions: [bob, bob], editedAt: 2 })).toThrow(
      PostContentError,
    );
    // Exactly the limit is fine.
    const limit = Array.from({ length: MAX_MENTIONS }, someone);
    expect(
      readPost(rebuild(writeNewPost(newDoc(2), { ...base, text: 'x', mentions: limit })))?.mentions,
    ).toHaveLength(MAX_MENTIONS);
  });

  it('a post written before mentions reads with none; a hostile list mentions nobody', () => {
    const old = newDoc(1);
    writeNewPost(old, { ...base, text: 'old post' });
    expect(old.getMap('post').has('mentions')).toBe(false);
    expect(readPost(old)).toMatchObject({ text: 'old post', mentions: [] });
    for (const hostile of ['@everyone', [bob, bob], [{ id: bob }], Array(21).fill(bob)]) {
      const doc = newDoc(1);
      writeNewPost(doc, { ...base, text: 'still shows' });
      doc.getMap('post').set('mentions', hostile);
      expect(readPost(doc)).toMatchObject({ text: 'still shows', mentions: [] });
    }
  });
});

describe('mentions in a comment doc', () => {
  it('writes, keeps and drops mentions; a deleted comment has none', () => {
    const doc = newDoc(1);
    const first = writeComment(doc, {
      text: '@Bob look',
      createdAt: 1,
      deleted: false,
      mentions: [bob],
    });
    expect(readComment(rebuild(first!))?.mentions).toEqual([bob]);
    expect(
      writeComment(doc, { text: '@Bob look', createdAt: 1, deleted: false, mentions: [bob] }),
    ).toBeNull();
    writeComment(doc, { text: 'look', createdAt: 1, deleted: false });
    expect(readComment(doc)?.mentions).toEqual([]);
    writeComment(doc, { text: '@Bob', createdAt: 1, deleted: false, mentions: [bob] });
    writeComment(doc, { text: '', createdAt: 1, deleted: true });
    expect(readComment(doc)).toEqual({ text: '', createdAt: 1, deleted: true, mentions: [] });
  });

  it('refuses malformed mentions with a DocContentError; old and hostile docs still read', () => {
    const doc = newDoc(1);
    expect(() =>
      writeComment(doc, { text: 'hi', createdAt: 1, deleted: false, mentions: [carol, carol] }),
    ).toThrow(DocContentError);
    expect(() =>
      writeComment(doc, {
        text: 'hi',
        createdAt: 1,
        deleted: false,
        mentions: ['x' as PersonId],
      }),
    ).toThrow(DocContentError);
    const old = newDoc(2);
    old.getMap('comment').set('text', 'old');
    old.getMap('comment').set('createdAt', 1);
    old.getMap('comment').set('deleted', false);
    expect(readComment(old)).toEqual({ text: 'old', createdAt: 1, deleted: false, mentions: [] });
    old.getMap('comment').set('mentions', 'everyone');
    expect(readComment(old)?.mentions).toEqual([]);
  });
});
