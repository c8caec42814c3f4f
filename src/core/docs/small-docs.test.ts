import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { PhotoRef } from './post-doc.ts';
import {
  DocContentError,
  normalizeProfile,
  readProfile,
  readProfileChecked,
  writeProfile,
} from './small-docs.ts';
import { newDoc } from './yjs-change.ts';

const avatar: PhotoRef = {
  blob: 'A'.repeat(43),
  thumb: 'B'.repeat(43),
  width: 512,
  height: 512,
  mime: 'image/jpeg',
  bytes: 40_000,
};
const cover: PhotoRef = { ...avatar, blob: 'C'.repeat(43), width: 1600, height: 600 };

function rebuild(...updates: Uint8Array[]): Y.Doc {
  const doc = newDoc(99);
  for (const u of updates) Y.applyUpdate(doc, u);
  return doc;
}

describe('profile pictures', () => {
  it('sets, replaces and removes a photo and a cover', () => {
    const doc = newDoc(1);
    const first = writeProfile(doc, { name: 'Alice', avatar, cover })!;
    expect(readProfile(rebuild(first))).toEqual({ name: 'Alice', bio: '', avatar, cover });

    const replaced = { ...avatar, blob: 'D'.repeat(43) };
    const second = writeProfile(doc, { avatar: replaced })!;
    expect(readProfile(rebuild(first, second))?.avatar).toEqual(replaced);

    const third = writeProfile(doc, { avatar: null })!;
    expect(readProfile(rebuild(first, second, third))).toEqual({
      name: 'Alice',
      bio: '',
      avatar: null,
      cover,
    });
  });

  it('signs nothing when the same pictures are saved again', () => {
    const doc = newDoc(1);
    writeProfile(doc, { name: 'Alice', avatar, cover });
    expect(writeProfile(doc, { name: 'Alice', avatar: { ...avatar }, cover })).toBeNull();
    expect(writeProfile(doc, { avatar: undefined })).toBeNull();
  });

  it('refuses to write a malformed picture, with a clear error', () => {
    const doc = newDoc(1);
    const bad = { ...avatar, width: -1 };
    expect(() => writeProfile(doc, { name: 'Alice', avatar: bad })).toThrow(DocContentError);
    expect(() => writeProfile(doc, { name: 'Alice', cover: { blob: 'x' } as never })).toThrow(
      /cover is not a valid photo reference/,
    );
    // Nothing was written by the refused changes.
    expect(readProfile(doc)).toBeNull();
  });

  it('reads a hostile profile field by field, naming each refused field', () => {
    const doc = newDoc(2);
    const map = doc.getMap('profile');
    map.set('name', 'Mallory');
    map.set('bio', 42);
    map.set('avatar', { ...avatar, blob: 'x'.repeat(500) });
    map.set('cover', 'https://tracker.example/pixel.png');
    const { profile, problems } = readProfileChecked(doc);
    expect(profile).toEqual({ name: 'Mallory', bio: '', avatar: null, cover: null });
    expect(problems).toEqual([
      'bio: not at most 500 characters of text',
      'avatar: not a photo reference',
      'cover: not a photo reference',
    ]);
    map.set('name', '');
    expect(readProfileChecked(doc)).toEqual({
      profile: null,
      problems: ['name: not 1 to 80 characters of text'],
    });
  });

  it('reads an old profile without pictures, in a doc and as a stored view', () => {
    const doc = newDoc(3);
    doc.getMap('profile').set('name', 'Old Alice');
    expect(readProfile(doc)).toEqual({ name: 'Old Alice', bio: '', avatar: null, cover: null });
    expect(normalizeProfile({ name: 'Old Alice', bio: 'from before' })).toEqual({
      name: 'Old Alice',
      bio: 'from before',
      avatar: null,
      cover: null,
    });
    expect(normalizeProfile({ name: 'x', avatar: 'nope' })?.avatar).toBeNull();
    expect(normalizeProfile('garbage')).toBeNull();
    expect(normalizeProfile(undefined)).toBeNull();
  });
});
