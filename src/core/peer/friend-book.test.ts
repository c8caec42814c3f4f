import { describe, expect, it } from 'vitest';
import { randomBytes, toBase64Url } from '../bytes.ts';
import { FriendBook, type FriendEntry } from './friend-book.ts';

const secret = randomBytes(32);
const entry = (bytes: Uint8Array): FriendEntry => ({ rendezvous: toBase64Url(bytes) });

describe('FriendBook', () => {
  it('tells its readers of a friend added, of a new rendezvous secret and of a removal, not of the same list again', () => {
    const book = new FriendBook();
    let told = 0;
    book.onChange(() => told++);
    book.replace(new Map([['bob', entry(secret)]]));
    expect(told).toBe(1);
    // The friend-list doc read again with nothing changed (as every materialization does).
    book.replace(new Map([['bob', entry(secret)]]));
    expect(told).toBe(1);
    book.replace(new Map([['bob', entry(randomBytes(32))]]));
    expect(told).toBe(2);
    book.replace(new Map());
    expect(told).toBe(3);
  });

  it('gives each friend with the secret their devices are met by', () => {
    const book = new FriendBook(new Map([['bob', entry(secret)]]));
    expect(book.persons()).toEqual(['bob']);
    expect(book.links()).toEqual([{ person: 'bob', pairwiseSecret: secret }]);
  });
});
