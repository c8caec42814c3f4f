import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as Y from 'yjs';
import {
  MAX_PHOTOS,
  MAX_POST_TEXT,
  PostContentError,
  readPost,
  writeNewPost,
  writePostDeletion,
  writePostEdit,
  type PhotoRef,
} from './post-doc.ts';
import {
  DocContentError,
  readComment,
  readFriends,
  readProfile,
  readReaction,
  writeComment,
  writeFriend,
  writeFriendRemoval,
  writeProfile,
  writeReaction,
} from './small-docs.ts';
import { applyOwnerUpdate, newDoc, replaceText, UpdateApplyError } from './yjs-change.ts';

const photo: PhotoRef = {
  blob: 'b1',
  thumb: 't1',
  width: 800,
  height: 600,
  mime: 'image/jpeg',
  bytes: 1234,
};

/** Replays `updates` into a fresh doc, as a reader rebuilding from entries does. */
function rebuild(...updates: Uint8Array[]): Y.Doc {
  const doc = newDoc(99);
  for (const u of updates) applyOwnerUpdate(doc, u);
  return doc;
}

describe('post docs', () => {
  it('a reader rebuilds what the author wrote, edited and deleted', () => {
    const doc = newDoc(1);
    const created = writeNewPost(doc, {
      text: 'hello',
      photos: [photo],
      audience: 'friends',
      createdAt: 10,
    });
    expect(readPost(rebuild(created))).toEqual({
      text: 'hello',
      photos: [photo],
      audience: 'friends',
      createdAt: 10,
      editedAt: null,
      deleted: false,
      hidden: [],
      mentions: [],
    });
    const edited = writePostEdit(doc, { text: 'hello world', editedAt: 20 });
    expect(edited).not.toBeNull();
    expect(readPost(rebuild(created, edited!))?.text).toBe('hello world');
    const deleted = writePostDeletion(doc, 30)!;
    const after = readPost(rebuild(created, edited!, deleted));
    expect(after).toMatchObject({ deleted: true, text: '', photos: [] });
  });

  it('an edit that changes nothing signs nothing', () => {
    const doc = newDoc(1);
    writeNewPost(doc, { text: 'same', photos: [], audience: 'public', createdAt: 1 });
    expect(writePostEdit(doc, { text: 'same', editedAt: 1 })).toBeNull();
  });

  it('refuses posts over the limits or empty, before anything is signed', () => {
    const doc = newDoc(1);
    const base = { photos: [], audience: 'public' as const, createdAt: 1 };
    expect(() => writeNewPost(doc, { ...base, text: 'x'.repeat(MAX_POST_TEXT + 1) })).toThrow(
      PostContentError,
    );
    expect(() => writeNewPost(doc, { ...base, text: '   ' })).toThrow(PostContentError);
    expect(() =>
      writeNewPost(doc, { ...base, text: 'x', photos: Array(MAX_PHOTOS + 1).fill(photo) }),
    ).toThrow(PostContentError);
    expect(() =>
      writeNewPost(doc, { ...base, text: 'x', photos: [{ ...photo, width: -1 }] }),
    ).toThrow(PostContentError);
    expect(readPost(doc)).toBeNull();
  });

  it('edits of one post on two devices of its author merge', () => {
    const laptop = newDoc(1);
    const created = writeNewPost(laptop, {
      text: 'the cat sat',
      photos: [],
      audience: 'friends',
      createdAt: 1,
    });
    const phone = rebuild(created);
    phone.clientID = 2;
    const a = writePostEdit(laptop, { text: 'the black cat sat', editedAt: 2 })!;
    const b = writePostEdit(phone, { text: 'the cat sat down', editedAt: 3 })!;
    applyOwnerUpdate(laptop, b);
    applyOwnerUpdate(phone, a);
    expect(readPost(laptop)?.text).toBe('the black cat sat down');
    expect(readPost(phone)?.text).toBe('the black cat sat down');
  });

  it('validates what it reads: a hostile doc with wrong types is not a post', () => {
    const doc = newDoc(5);
    doc.getMap('post').set('text', 'not a Y.Text');
    doc.getMap('post').set('audience', 'friends');
    expect(readPost(doc)).toBeNull();
    const other = newDoc(6);
    writeNewPost(other, { text: 'x', photos: [], audience: 'public', createdAt: 1 });
    other.getMap('post').set('photos', [{ blob: 1 }]);
    expect(readPost(other)).toBeNull();
  });

  it('the delete-set attack does not reach the owner: only owner-signed updates are applied', () => {
    // Bob's post, as Alice holds it.
    const bob = newDoc(1111);
    const created = writeNewPost(bob, {
      text: 'Bob was here',
      photos: [],
      audience: 'public',
      createdAt: 1,
    });
    const alicesCopy = rebuild(created);
    // Mallory builds, from her own copy, an update with no structs, only a delete set naming
    // Bob's client id: applied to Bob's doc it would erase his text.
    const mallory = rebuild(created);
    mallory.clientID = 6666;
    const before = Y.encodeStateVector(mallory);
    (mallory.getMap('post').get('text') as Y.Text).delete(0, 12);
    const attack = Y.encodeStateAsUpdate(mallory, before);
    const decoded = Y.decodeUpdate(attack);
    expect(decoded.structs).toHaveLength(0);
    expect([...decoded.ds.clients.keys()]).toEqual([1111]);
    // The state vector cannot notice it: it is unchanged by a pure deletion.
    expect(Y.encodeStateVector(mallory)).toEqual(Y.encodeStateVector(alicesCopy));
    // Kith never applies it to Bob's doc: it arrives in Mallory's own log, so at most it lands
    // in Mallory's doc of that name (rebuilt from her entries only), and Bob's stays whole.
    const malloryDocOfThatName = rebuild(attack);
    expect(readPost(malloryDocOfThatName)).toBeNull();
    expect(readPost(alicesCopy)?.text).toBe('Bob was here');
  });

  it('a malformed update is a typed error', () => {
    expect(() => applyOwnerUpdate(newDoc(1), new Uint8Array([255, 255, 255, 255, 1]))).toThrow(
      UpdateApplyError,
    );
  });
});

describe('replaceText', () => {
  it('turns any text into any other, surrogate pairs intact', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (from, to) => {
        const doc = new Y.Doc();
        const text = doc.getText('t');
        text.insert(0, from);
        replaceText(text, to);
        expect(text.toString()).toBe(to);
      }),
    );
    const doc = new Y.Doc();
    const text = doc.getText('t');
    text.insert(0, 'a😀b');
    replaceText(text, 'a😁b');
    expect(text.toString()).toBe('a😁b');
  });
});

describe('small docs', () => {
  it('profile: writes, reads, validates', () => {
    const doc = newDoc(1);
    expect(readProfile(doc)).toBeNull();
    const u = writeProfile(doc, { name: 'Alice', bio: 'hi', avatar: photo })!;
    expect(readProfile(rebuild(u))).toEqual({
      name: 'Alice',
      bio: 'hi',
      avatar: photo,
      cover: null,
    });
    expect(writeProfile(doc, { name: 'Alice' })).toBeNull();
    expect(() => writeProfile(doc, { name: ' ' })).toThrow(DocContentError);
    expect(() => writeProfile(doc, { name: 'x'.repeat(81) })).toThrow(DocContentError);
    const hostile = newDoc(2);
    hostile.getMap('profile').set('name', { toString: 'x' });
    expect(readProfile(hostile)).toBeNull();
  });

  it('comment: write, edit, delete', () => {
    const doc = newDoc(1);
    const a = writeComment(doc, { text: 'nice', createdAt: 5, deleted: false })!;
    expect(readComment(rebuild(a))).toEqual({
      text: 'nice',
      createdAt: 5,
      deleted: false,
      mentions: [],
    });
    const b = writeComment(doc, { text: '', createdAt: 5, deleted: true })!;
    expect(readComment(rebuild(a, b))).toEqual({
      text: '',
      createdAt: 5,
      deleted: true,
      mentions: [],
    });
    expect(() => writeComment(doc, { text: '', createdAt: 5, deleted: false })).toThrow(
      DocContentError,
    );
  });

  it('reaction: one value, changeable, withdrawable; unknown values read as none', () => {
    const doc = newDoc(1);
    const a = writeReaction(doc, 'like', 1)!;
    const b = writeReaction(doc, 'love', 2)!;
    expect(readReaction(rebuild(a, b))).toEqual({ value: 'love', at: 2 });
    const c = writeReaction(doc, null, 3)!;
    expect(readReaction(rebuild(a, b, c))).toBeNull();
    const hostile = newDoc(2);
    hostile.getMap('reaction').set('value', 'pwned');
    hostile.getMap('reaction').set('at', 1);
    expect(readReaction(hostile)).toBeNull();
  });

  it('friend list: add, remove, skip invalid records', () => {
    const doc = newDoc(1);
    const record = { encryptionKey: 'k'.repeat(43), rendezvous: 'r'.repeat(43), since: 7 };
    const a = writeFriend(doc, 'bob', record)!;
    expect(readFriends(rebuild(a))).toEqual(new Map([['bob', record]]));
    const b = writeFriendRemoval(doc, 'bob')!;
    expect(readFriends(rebuild(a, b)).size).toBe(0);
    doc.getMap('friends').set('eve', { encryptionKey: 5 });
    expect(readFriends(doc).size).toBe(0);
  });
});
