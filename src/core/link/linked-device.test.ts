/**
 * A linked device at work: Alice links a second device to the one that holds her identity, and
 * both run as her, with Bob her friend, each opened through the composition root on the
 * in-memory network (in-memory signaling, in-process data channels), as in `mesh/mesh.test.ts`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from '../bytes.ts';
import { systemClock } from '../clock.ts';
import { createIdentity } from '../identity/device-setup.ts';
import { deriveIdentityKeySeeds } from '../identity/keys.ts';
import { defaultVerifier } from '../identity/verifier.ts';
import type { PersonId } from '../ids.ts';
import type { SimplePeerConstructor } from '../net/connection-manager.ts';
import { FakeSimplePeer, MemorySignaling } from '../net/test-helpers.ts';
import { openNode, type LinkedNode, type NodeNetwork, type PersonNode } from '../node.ts';
import { NoIdentityKeyError } from '../peer/device-authority.ts';
import type { PostRef } from '../peer/peer.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import { LinkJoin, LinkOffer, openLinkedNode } from './link-session.ts';

/** A memory store that remembers every setting written, to search what a device kept. */
class WatchedStore extends MemoryStorageAdapter {
  readonly settingsWritten = new Set<string>();

  override async setSetting(key: string, value: unknown): Promise<void> {
    this.settingsWritten.add(key);
    await super.setSetting(key, value);
  }
}

interface Device {
  readonly kith: PersonNode | LinkedNode;
  readonly store: WatchedStore;
  network: NodeNetwork;
}

const running: Device[] = [];

afterEach(() => {
  for (const device of running.splice(0)) {
    device.network.stop();
    device.kith.close();
  }
});

function startNetwork(kith: PersonNode | LinkedNode, hub: MemorySignaling): Promise<NodeNetwork> {
  return kith.startNetwork({
    signaling: hub.client(),
    SimplePeer: FakeSimplePeer as unknown as SimplePeerConstructor,
    iceServers: () => [],
    verifier: defaultVerifier,
    tuning: { announceMs: 100, acceptRetryMs: 100, checkMs: 100 },
  });
}

async function run(
  kith: PersonNode | LinkedNode,
  store: WatchedStore,
  hub: MemorySignaling,
): Promise<Device> {
  const device = { kith, store, network: await startNetwork(kith, hub) };
  running.push(device);
  return device;
}

async function person(name: string, hub: MemorySignaling): Promise<Device & { kith: PersonNode }> {
  const store = new WatchedStore();
  const kith = await openNode({
    store,
    ...(await createIdentity({ clock: systemClock })),
    clock: systemClock,
  });
  await kith.peer.setProfile({ name });
  const device = { kith, store, network: await startNetwork(kith, hub) };
  running.push(device);
  return device;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function text(device: Device, post: PostRef): Promise<string | undefined> {
  const view = await device.kith.peer.post(post);
  return (view?.summary as { text?: string } | undefined)?.text;
}

/** Whether `needle` occurs in any byte array inside `value`. */
function holds(value: unknown, needle: Uint8Array): boolean {
  if (value instanceof Uint8Array) {
    outer: for (let i = 0; i + needle.length <= value.length; i++) {
      for (let j = 0; j < needle.length; j++) if (value[i + j] !== needle[j]) continue outer;
      return true;
    }
    return false;
  }
  if (typeof value === 'string') return false;
  if (typeof value === 'object' && value !== null) {
    return Object.values(value).some((inner) => holds(inner, needle));
  }
  return false;
}

describe('a linked device', () => {
  it('posts, comments and edits as Alice: each device and Bob see the other’s, profile edits made apart merge, and it never holds her identity secret', async () => {
    const hub = new MemorySignaling();
    const alice = await person('Alice', hub);
    const bob = await person('Bob', hub);
    const rendezvous = randomBytes(32);
    await alice.kith.peer.addFriend({
      personId: bob.kith.identity.personId,
      encryptionKey: bob.kith.identity.encryptionPublicKey,
      rendezvous,
    });
    await bob.kith.peer.addFriend({
      personId: alice.kith.identity.personId,
      encryptionKey: alice.kith.identity.encryptionPublicKey,
      rendezvous,
    });
    const before = await alice.kith.peer.createPost({ text: 'written before the link' });

    // The link: the messages go from one device to the other by hand.
    const offer = await LinkOffer.create(alice.kith, systemClock);
    const join = await LinkJoin.open(offer.bytes, { clock: systemClock });
    expect(await offer.answer(join.request)).toBe(join.code);
    const linked = await join.finish(await offer.confirm());
    const phoneStore = new WatchedStore();
    const phoneNode = await openLinkedNode(linked, { store: phoneStore, clock: systemClock });
    const phone = await run(phoneNode, phoneStore, hub);
    expect(phone.kith.kind).toBe('linked');
    expect(phone.kith.peer.friends().has(bob.kith.identity.personId)).toBe(true);

    // Each device's posts reach the other and Bob, the one from before the link too.
    await until(
      'the phone reads the earlier post',
      async () => (await text(phone, before)) !== undefined,
    );
    const fromLaptop = await alice.kith.peer.createPost({ text: 'from the laptop' });
    const fromPhone = await phone.kith.peer.createPost({ text: 'from the phone' });
    for (const [device, post, what] of [
      [phone, fromLaptop, 'from the laptop'],
      [bob, fromLaptop, 'from the laptop'],
      [alice, fromPhone, 'from the phone'],
      [bob, fromPhone, 'from the phone'],
    ] as const) {
      await until(`a device reads “${what}”`, async () => (await text(device, post)) === what);
    }
    const phoneDevice = phone.kith.device.key.deviceId;
    const aliceId: PersonId = alice.kith.identity.personId;
    expect(
      (await bob.store.listLogs()).some((l) => l.author === aliceId && l.device === phoneDevice),
    ).toBe(true);

    // The phone edits its post and comments on the laptop's; Bob and the laptop see both.
    await phone.kith.peer.editPost(fromPhone.postId, { text: 'from the phone, edited' });
    await phone.kith.peer.comment(fromLaptop, 'a comment from the phone');
    for (const device of [alice, bob]) {
      await until(
        'the edit arrives',
        async () => (await text(device, fromPhone)) === 'from the phone, edited',
      );
      await until('the comment arrives', async () =>
        (await device.kith.peer.replies(fromLaptop)).some(
          (r) => (r.summary as { text?: string }).text === 'a comment from the phone',
        ),
      );
    }

    // A profile edit on each device while they are apart merges once they meet again.
    phone.network.stop();
    await alice.kith.peer.setProfile({ name: 'Alice A.' });
    await phone.kith.peer.setProfile({ bio: 'on the phone too' });
    phone.network = await startNetwork(phone.kith, hub);
    for (const device of [alice, phone, bob]) {
      await until('the profile edits merge', async () => {
        const profile = await device.kith.peer.profile(aliceId);
        return profile?.name === 'Alice A.' && profile.bio === 'on the phone too';
      });
    }

    // The phone holds no identity secret, and cannot do what only the identity key does.
    const { ed25519 } = deriveIdentityKeySeeds(alice.kith.identity.seed);
    for (const name of phoneStore.settingsWritten) {
      const value = await phoneStore.getSetting(name);
      expect(holds(value, alice.kith.identity.seed), name).toBe(false);
      expect(holds(value, ed25519), name).toBe(false);
    }
    expect(holds(linked, alice.kith.identity.seed)).toBe(false);
    expect(holds(linked, ed25519)).toBe(false);
    await expect(
      phone.kith.devices.certifyDevice(randomBytes(32), 'device'),
    ).rejects.toBeInstanceOf(NoIdentityKeyError);
  });
});
