import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { SymmetricKey } from '../crypto/aead.ts';
import { docCaps, docIdOf } from '../kinds/registry.ts';
import { newPostId } from '../ids.ts';
import { writeNewPost } from '../docs/post-doc.ts';
import { newDoc } from '../docs/yjs-change.ts';
import { DocCache } from './doc-cache.ts';
import { Keyring } from './keyring.ts';
import { PayloadOpener } from './payloads.ts';
import { befriend, makePeople, signOnNewDevice, type TestPerson } from './test-people.ts';

/** A cache of `person`'s docs made afresh from their store, as after a reload. */
async function freshCache(person: TestPerson): Promise<DocCache> {
  const keyring = new Keyring(
    person.store,
    person.id,
    {
      publicKey: person.identity.encryptionPublicKey,
      privateKey: person.identity.encryptionPrivateKey,
    },
    () => null,
  );
  const opener = new PayloadOpener(keyring, person.id, await SymmetricKey.generate());
  return new DocCache((a, d) => person.store.getDocEntries(a, d), opener, 1);
}

describe('doc cache', () => {
  it('a friend cannot grow one post doc to 10 MB: the doc stays under its cap, the view shows the post', async () => {
    const [alice, mallory] = await makePeople('alice', 'mallory');
    await befriend(alice, mallory);
    const postId = newPostId();
    const docId = docIdOf({ kind: 'post', postId });
    const doc = newDoc(7);
    const payloads = [
      writeNewPost(doc, { text: 'hi', photos: [], audience: 'public', createdAt: 1 }),
    ];
    for (let i = 0; i < 40; i++) {
      const before = Y.encodeStateVector(doc);
      (doc.getMap('post').get('text') as Y.Text).insert(2, 'x'.repeat(250_000));
      payloads.push(Y.encodeStateAsUpdate(doc, before));
    }
    const entries = await signOnNewDevice(
      mallory,
      payloads.map((payload) => ({ docId, payloadKind: 'yjs-update' as const, payload })),
    );
    const report = await alice.ingestor.ingest(entries.map((e) => e.bytes));
    expect(report.accepted).toHaveLength(41);
    await alice.peer.settled();
    const view = await alice.peer.post({ author: mallory.id, postId });
    expect((view?.summary as { text: string }).text.startsWith('hi')).toBe(true);
    // Rebuilt from the store, as after a reload: refused again, with its reason.
    const cache = await freshCache(alice);
    const held = await cache.get(mallory.id, docId);
    expect(Y.encodeStateAsUpdate(held).length).toBeLessThanOrEqual(
      docCaps({ kind: 'post', postId }).maxBytes,
    );
    expect(cache.refusal(mallory.id, docId)).toBe('state-too-large');
  });
});
