/**
 * A person restored on a fresh device (issue 26): from the recovery phrase, found again through
 * a friend who re-accepts them, or from a backup file. Always a new device and log; the friend
 * list, with every friend's rendezvous secret, and the earlier posts come back.
 */
import { describe, expect, it } from 'vitest';
import { restoreFromSeed } from '../identity/device-setup.ts';
import { exportBackup, importBackup } from '../identity/secret-export.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import { Ingestor } from '../sync/ingest.ts';
import { EntryVerifier } from '../feed/entry-verifier.ts';
import { backupOf, restoreBackup } from './backup.ts';
import { Peer } from './peer.ts';
import { befriend, handOver, makePeople, testClock, type TestPerson } from './test-people.ts';

/** `person` again, on a new device with an empty store, from their seed alone. */
async function restoreOnNewDevice(person: TestPerson): Promise<TestPerson> {
  const store = new MemoryStorageAdapter();
  const { identity, device } = await restoreFromSeed(person.identity.seed, { clock: testClock });
  const ingestor = new Ingestor(store, new EntryVerifier());
  const peer = await Peer.open({ store, identity, device, pipeline: ingestor, clock: testClock });
  return { ...person, identity, device, store, ingestor, peer };
}

async function texts(person: TestPerson): Promise<string[]> {
  const page = await person.peer.timelinePage({ limit: 50 });
  return page.items.map((i) => (i.summary as { text: string }).text);
}

describe('restoring a person', () => {
  it.each([1, 2, 3, 4, 5, 6])(
    'from the phrase: a re-invited friend restores the friendship, once, with its history (run %i)',
    async () => {
      const [alice, bob, carol] = await makePeople('alice', 'bob', 'carol');
      await befriend(alice, bob);
      await befriend(alice, carol);
      testClock.advance(1000);
      await alice.peer.createPost({ text: 'before the loss' });
      await handOver(alice, bob, [alice.id]);
      await handOver(alice, carol, [alice.id]);
      const carolRendezvous = alice.peer.friends().get(carol.id)!.rendezvous;

      const restored = await restoreOnNewDevice(alice);
      expect(restored.device.key.deviceId).not.toBe(alice.device.key.deviceId);
      testClock.advance(1000);
      // A new invite: both sides add each other with a new rendezvous secret.
      await befriend(restored, bob);
      const newRendezvous = restored.peer.friends().get(bob.id)!.rendezvous;
      // Bob, online, serves Alice's own earlier entries (her friend list sealed to her self key).
      await handOver(bob, restored, [alice.id]);
      await handOver(restored, bob, [alice.id]);

      expect([...bob.peer.friends().keys()].filter((p) => p === alice.id)).toHaveLength(1);
      // The re-invite's secret outlives the old list's, whichever Yjs client id is higher.
      expect(restored.peer.friends().get(bob.id)?.rendezvous).toBe(newRendezvous);
      expect(bob.peer.friends().get(alice.id)?.rendezvous).toBe(newRendezvous);
      expect(await texts(restored)).toEqual(['before the loss']);
      // The old friend list came back with Carol's rendezvous secret: she is found again too.
      expect(restored.peer.friends().get(carol.id)?.rendezvous).toBe(carolRendezvous);
      expect(restored.peer.friends().size).toBe(2);

      testClock.advance(1000);
      await restored.peer.createPost({ text: 'after the restore' });
      await handOver(restored, bob, [alice.id]);
      expect(await texts(bob)).toEqual(['after the restore', 'before the loss']);
      // Carol, found again only through the old list, reads it too: one epoch per person, so
      // the restored device seals with an epoch Carol holds a key of (never a second "epoch 0").
      await handOver(restored, carol, [alice.id]);
      expect(await texts(carol)).toEqual(['after the restore', 'before the loss']);
    },
  );

  it('from a backup file: friends and epoch come back before any friend is online', async () => {
    const [alice, bob] = await makePeople('alice', 'bob');
    await befriend(alice, bob);
    testClock.advance(1000);
    await alice.peer.createPost({ text: 'before the loss' });
    await handOver(alice, bob, [alice.id]);
    const FAST = { logN: 4, r: 8, p: 1 };
    const file = await exportBackup(await backupOf(alice.identity, alice.peer), 'pass', {
      scrypt: FAST,
    });

    const restored = await restoreOnNewDevice(alice);
    await restoreBackup(restored.peer, await importBackup(file, 'pass'));
    expect(restored.peer.friends().get(bob.id)?.rendezvous).toBe(
      alice.peer.friends().get(bob.id)!.rendezvous,
    );
    expect(await restored.peer.currentEpoch()).toEqual(await alice.peer.currentEpoch());

    testClock.advance(1000);
    await restored.peer.createPost({ text: 'after the restore' });
    await handOver(restored, bob, [alice.id]);
    await handOver(bob, restored, [alice.id]);
    expect(await texts(bob)).toEqual(['after the restore', 'before the loss']);
    expect(await texts(restored)).toEqual(['after the restore', 'before the loss']);
  });
});
