import { describe, expect, it } from 'vitest';
import { newPostId, parseDocId, parsePersonId } from '../ids.ts';
import {
  docCaps,
  docIdOf,
  openEntry,
  parseDocRef,
  rankOf,
  replyOfItem,
  DocRefError,
  type DocRef,
} from './registry.ts';
import { entryOf, kindsPerson } from './test-kinds.ts';

describe('kind registry', () => {
  it('refuses a doc id of a kind it does not know, naming it', () => {
    for (const text of ['letter/x', 'nope', '', 'toString', '__proto__/x', 'constructor']) {
      expect(() => parseDocRef(text), text).toThrow(DocRefError);
    }
    expect(() => parseDocRef('letter/x')).toThrow(/unknown doc kind in "letter\/x"/);
  });

  it('turns a kind’s id error into a DocRefError naming the doc id', () => {
    expect(() => parseDocRef('post/short')).toThrow(DocRefError);
    expect(() => parseDocRef('post/short')).toThrow(/post\/short/);
  });

  it('orders a batch: epoch records, then profile and friends, then posts, then the rest', () => {
    const post = docIdOf({ kind: 'post', postId: newPostId() });
    const order = ['comment/x', post, 'friends', 'epoch/1', 'profile', 'thread/y'].map((id) =>
      rankOf(parseDocId(id)),
    );
    expect(order).toEqual([3, 2, 1, 0, 1, 3]);
  });

  it('record kinds take no doc update: no caps, never opened', async () => {
    const ada = await kindsPerson(1);
    const records: DocRef[] = [
      { kind: 'epoch', epoch: 0 },
      { kind: 'thread', postId: newPostId() },
      { kind: 'revocations' },
    ];
    for (const ref of records) {
      expect(docCaps(ref).maxBytes).toBe(0);
      const entry = await entryOf(ada, docIdOf(ref), {
        payloadKind: 'yjs-update',
        payload: new Uint8Array([0]),
      });
      expect((await openEntry(entry, ref, ada.open)).kind).toBe('unreadable');
    }
  });

  it('a key record or embedded entry under a doc kind’s id is not a doc update', async () => {
    const ada = await kindsPerson(1);
    for (const payloadKind of ['key-record', 'embedded-entry'] as const) {
      const entry = await entryOf(ada, parseDocId('profile'), {
        payloadKind,
        payload: new Uint8Array([0]),
      });
      expect((await openEntry(entry, { kind: 'profile' }, ada.open)).kind).toBe('unreadable');
    }
  });

  it('refuses a malformed reply item id', () => {
    const post = { postAuthor: parsePersonId('A'.repeat(43)), postId: newPostId() };
    expect(() => replyOfItem('someone/comment/short', post)).toThrow(DocRefError);
  });
});
