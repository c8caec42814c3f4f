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
async function freshCache(person: TestPerson, clientId = 1): Promise<DocCache> {
  const keyring = new Keyring(
    person.store,
    person.id,
    {
      publicKey: person.identity.encryptionPublicKey,
      privateKey: person.identity.encryptionPrivateKey,
    },
    () => null,
  );
  const selfKey = await SymmetricKey.generate();
  const opener = new PayloadOpener(keyring, person.id, () => selfKey);
  return new DocCache((a, d) => person.store.getDocEntries(a, d), opener, clientId);
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

  it('a doc rebuilt from this device’s own entries keeps the device’s Yjs client id', async () => {
    const [alice] = await makePeople('alice');
    const post = await alice.peer.createPost({ text: 'mine' });
    const { yjsClientId } = alice.device;
    // As after a reload: the doc is rebuilt from the entries this same device wrote. Applying
    // them must not read as "another client uses this id" (Yjs would then draw a new one).
    const cache = await freshCache(alice, yjsClientId);
    const doc = await cache.get(alice.id, docIdOf({ kind: 'post', postId: post.postId }));
    expect(doc.clientID).toBe(yjsClientId);
    // An edit continues the device's own clock for that id, after what it wrote before.
    const before = Y.encodeStateVector(doc);
    (doc.getMap('post').get('text') as Y.Text).insert(0, 'all ');
    const update = Y.decodeUpdate(Y.encodeStateAsUpdate(doc, before));
    expect(update.structs.map((s) => s.id.client)).toEqual([yjsClientId]);
    expect(update.structs[0]?.id.clock).toBeGreaterThan(0);
  });
});
