import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CappedDoc } from '../docs/doc-caps.ts';
import { writeProfile } from '../docs/small-docs.ts';
import { newDoc } from '../docs/yjs-change.ts';
import { parseDocId } from '../ids.ts';
import { profileKind } from './profile.ts';
import { entryOf, expectRefused, kindsPerson } from './test-kinds.ts';
import { docIdOf, parseDocRef } from './registry.ts';

describe('profile kind', () => {
  it('round-trips its doc id and refuses any field after it', () => {
    expect(parseDocRef(docIdOf({ kind: 'profile' }))).toEqual({ kind: 'profile' });
    expect(profileKind.format({ kind: 'profile' })).toBe('profile');
    expectRefused(['profile/x', 'profile/', 'Profile']);
  });

  it('is sealed in clear and opened as it is; an encrypted profile is refused', async () => {
    const ada = await kindsPerson(1);
    const doc = newDoc(1);
    writeProfile(doc, { name: 'Ada' });
    const state = Y.encodeStateAsUpdate(doc);
    const sealed = await profileKind.seal({ kind: 'profile' }, doc, state, ada.seal());
    expect(sealed).toEqual({ payloadKind: 'yjs-update', payload: state });
    const entry = await entryOf(ada, profileKind.format({ kind: 'profile' }), sealed);
    expect(await profileKind.open(entry, { kind: 'profile' }, ada.open)).toEqual({
      kind: 'update',
      update: state,
    });
    const hidden = await entryOf(ada, parseDocId('profile'), {
      payloadKind: 'encrypted',
      payload: state,
    });
    expect((await profileKind.open(hidden, { kind: 'profile' }, ada.open)).kind).toBe('unreadable');
  });

  it('its caps refuse a field profiles do not have', () => {
    const writer = newDoc(2);
    writer.getMap('profile').set('email', 'ada@example.org');
    const capped = new CappedDoc(newDoc(3), profileKind.caps);
    expect(capped.apply(Y.encodeStateAsUpdate(writer))).toEqual({
      kind: 'refused',
      reason: 'unknown-field',
    });
  });
});
