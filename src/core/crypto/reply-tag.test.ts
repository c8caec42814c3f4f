import { describe, expect, it } from 'vitest';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { fromHex, toBase64Url, utf8 } from '../bytes.ts';
import { newPostId, parsePersonId, parsePostId, personIdToKey } from '../ids.ts';
import { SymmetricKey } from './aead.ts';
import { domain } from './kdf.ts';
import { parseReplyTag, replyTag, ReplyTagError, REPLY_TAG_INFO } from './reply-tag.ts';

/** Author and post of the vectors. */
const AUTHOR = parsePersonId('BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc');
const POST = parsePostId('AAAAAAAAAAAAAAAAAAAAAA');

/** Content key (hex) and the reply tag of AUTHOR's POST, computed with @noble/hashes' HKDF. */
const VECTORS: readonly (readonly [string, string])[] = [
  ['00'.repeat(32), 'cYTt18nbn6KBMwYs5-Gh-g'],
  ['42'.repeat(32), 'yOWI43CEyZNokcfqbc2suw'],
  ['000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'rgEERYz7nYoHlFNBQxVKsQ'],
];

describe('reply tags', () => {
  it.each(VECTORS)('the content key %s gives the tag %s', async (keyHex, tag) => {
    expect(await replyTag(AUTHOR, POST, await SymmetricKey.fromRaw(fromHex(keyHex)))).toBe(tag);
  });

  it('is HKDF-SHA256 of the content key, its info naming the post, truncated to 16 bytes', async () => {
    const key = await SymmetricKey.generate();
    const info = domain(REPLY_TAG_INFO, personIdToKey(AUTHOR), utf8(POST));
    const expected = hkdf(sha256, key.raw, new Uint8Array(0), info, 16);
    expect(await replyTag(AUTHOR, POST, key)).toBe(toBase64Url(expected));
  });

  it('differs between posts, even under one content key', async () => {
    const [a, b] = await Promise.all([SymmetricKey.generate(), SymmetricKey.generate()]);
    expect(await replyTag(AUTHOR, POST, a)).not.toBe(await replyTag(AUTHOR, POST, b));
    const other = newPostId();
    expect(await replyTag(AUTHOR, POST, a)).not.toBe(await replyTag(AUTHOR, other, a));
  });

  it('parses its own text form and refuses anything else', async () => {
    const tag = await replyTag(AUTHOR, POST, await SymmetricKey.generate());
    expect(parseReplyTag(tag)).toBe(tag);
    for (const bad of [
      '',
      'AaolH9Fqs1d6__0QjFhSL',
      'AaolH9Fqs1d6__0QjFhSLg=',
      'AaolH9Fqs1d6__0QjFhSLgAA',
      '~aolH9Fqs1d6__0QjFhSLg',
    ]) {
      expect(() => parseReplyTag(bad), bad).toThrow(ReplyTagError);
    }
  });
});
