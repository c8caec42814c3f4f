import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { SymmetricKey } from '../crypto/aead.ts';
import { writeFriend } from '../docs/small-docs.ts';
import { newDoc } from '../docs/yjs-change.ts';
import { friendsKind } from './friends.ts';
import { docIdOf, parseDocRef } from './registry.ts';
import { entryOf, expectRefused, kindsPerson } from './test-kinds.ts';

const ref = { kind: 'friends' } as const;

describe('friends kind', () => {
  it('round-trips its doc id and refuses any field after it', () => {
    expect(parseDocRef(docIdOf(ref))).toEqual(ref);
    expectRefused(['friends/x', 'friends/']);
  });

  it('is sealed under the self key: its own person opens it, nobody else, never in clear', async () => {
    const [ada, bob] = [await kindsPerson(1), await kindsPerson(2)];
    const doc = newDoc(1);
    writeFriend(doc, bob.id, { encryptionKey: 'k', rendezvous: 'r', since: 1 });
    const state = Y.encodeStateAsUpdate(doc);
    const sealed = await friendsKind.seal(ref, doc, state, ada.seal());
    expect(sealed.payloadKind).toBe('encrypted');
    const entry = await entryOf(ada, friendsKind.format(ref), sealed);
    expect(await friendsKind.open(entry, ref, ada.open)).toEqual({ kind: 'update', update: state });
    // Another person, even holding the same self key, does not open it.
    expect(
      (await friendsKind.open(entry, ref, { ...bob.open, selfKey: ada.open.selfKey })).kind,
    ).toBe('unreadable');
    // Another self key does not decrypt it.
    const otherKey = { ...ada.open, selfKey: await SymmetricKey.generate() };
    expect((await friendsKind.open(entry, ref, otherKey)).kind).toBe('unreadable');
    // A friend list in clear is refused rather than shown.
    const plain = await entryOf(ada, friendsKind.format(ref), {
      payloadKind: 'yjs-update',
      payload: state,
    });
    expect(await friendsKind.open(plain, ref, ada.open)).toEqual({
      kind: 'unreadable',
      reason: 'plain friend list',
    });
  });
});
