import { describe, expect, it } from 'vitest';
import { befriend, makePeople } from '../peer/test-people.ts';
import { DocIndexPinSource, isPinnedDoc } from './pins.ts';

describe('pins', () => {
  it('names the small mutable docs and key records only', () => {
    expect(['profile', 'friends', 'epoch/0', 'epoch/12'].every(isPinnedDoc)).toBe(true);
    // A newcomer meets a revocation and renewed certificates before the entries they judge.
    expect(['revocations', `certificate/${'A'.repeat(43)}`].every(isPinnedDoc)).toBe(true);
    expect(
      [
        'post/x',
        'epoch/01',
        'epoch/',
        'profiles',
        'thread/x',
        'certificate/',
        'revocations/x',
      ].some(isPinnedDoc),
    ).toBe(false);
  });

  it('are each doc’s latest entry: profile, friend list and every epoch record, no posts', async () => {
    const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
    await alice.peer.setProfile({ name: 'Alice' });
    await alice.peer.setProfile({ name: 'Alice L.' });
    await befriend(alice, bob);
    await befriend(alice, carol);
    await alice.peer.removeFriend(carol.id);
    for (let i = 0; i < 5; i++) await alice.peer.createPost({ text: `post ${i}` });
    const pins = await new DocIndexPinSource(alice.store).pins(alice.id);
    const docs = pins.map((e) => e.docId).sort();
    expect(docs).toEqual(['epoch/0', 'epoch/1', 'friends', 'profile']);
    // The latest of each: the profile's second edit, epoch 0 re-issued when Carol was added.
    const all = await alice.store.getDocEntries(
      alice.id,
      pins.find((e) => e.docId === 'profile')!.docId,
    );
    expect(pins.find((e) => e.docId === 'profile')!.seq).toBe(Math.max(...all.map((e) => e.seq)));
    const epoch0 = await alice.store.getDocEntries(
      alice.id,
      pins.find((e) => e.docId === 'epoch/0')!.docId,
    );
    expect(epoch0.length).toBe(2);
    expect(pins.find((e) => e.docId === 'epoch/0')!.seq).toBe(
      Math.max(...epoch0.map((e) => e.seq)),
    );
  });
});
