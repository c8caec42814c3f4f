import { describe, expect, it } from 'vitest';
import {
  IdParseError,
  authorOfLogKey,
  logKey,
  newPostId,
  parsePostKey,
  postKey,
  entryHashFromBytes,
  entryHashToBytes,
  parseDeviceId,
  parseDocId,
  parseEntryHash,
  isPersonId,
  parses,
  parsePersonId,
  personIdFromKey,
  personIdToKey,
} from './ids.ts';

describe('parses', () => {
  it('says whether a parser takes a text, and throws what is not a refusal of it', () => {
    expect(parses(parseEntryHash, 'not a hash')).toBe(false);
    const broken = () => {
      throw new TypeError('a fault, not a malformed id');
    };
    expect(() => parses(broken, 'x')).toThrow(TypeError);
  });
});

describe('ids', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7);

  it('round-trips keys and hashes through their text forms', () => {
    const id = personIdFromKey(key);
    expect(parsePersonId(id)).toBe(id);
    expect(isPersonId(id)).toBe(true);
    expect(personIdToKey(id)).toEqual(key);
    expect(entryHashToBytes(parseEntryHash(entryHashFromBytes(key)))).toEqual(key);
  });

  it.each([
    ['too short', 'AAAA'],
    ['padded', `${'A'.repeat(42)}=`],
    ['non-canonical last character', `${'A'.repeat(42)}B`],
    ['foreign alphabet', `${'A'.repeat(42)}+`],
  ])('refuses a %s key id', (_, text) => {
    expect(() => parsePersonId(text)).toThrow(IdParseError);
    expect(isPersonId(text)).toBe(false);
    expect(() => parseDeviceId(text)).toThrow(expect.objectContaining({ kind: 'DeviceId' }));
  });

  it('refuses keys of the wrong length', () => {
    expect(() => personIdFromKey(new Uint8Array(31))).toThrow(IdParseError);
  });

  it('accepts doc ids of the allowed alphabet and length only', () => {
    expect(parseDocId('post:abc/1.2~x-y_z')).toBe('post:abc/1.2~x-y_z');
    for (const bad of ['', 'a b', 'é', 'x'.repeat(129), 'a\n']) {
      expect(() => parseDocId(bad)).toThrow(IdParseError);
    }
  });

  it('makes log and post keys in one text form, and reads post keys back', () => {
    const person = personIdFromKey(key);
    const device = parseDeviceId(person);
    expect(logKey(person, device)).toBe(`${person}/${device}`);
    expect(authorOfLogKey(logKey(person, device))).toBe(person);
    const postId = newPostId();
    expect(parsePostKey(postKey(person, postId))).toEqual({ author: person, postId });
    for (const bad of [person, `${person}/short`, `x/${postId}`, `${person}/${postId}/x`]) {
      expect(() => parsePostKey(bad), bad).toThrow(IdParseError);
    }
  });
});
