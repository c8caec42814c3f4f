/**
 * A group whose members are not all each other's friends, over the in-memory network: Alice
 * started it with her friends Bob and Dan, who are not friends. Each device meets and replicates
 * the other members like friends (`peer/conversation-peers.ts`), so every member reads every
 * message, even with the starter away; a member removed meets nobody new and reads nothing after.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from '../bytes.ts';
import { systemClock } from '../clock.ts';
import { createIdentity, type IdentityOnDevice } from '../identity/device-setup.ts';
import { defaultVerifier } from '../identity/verifier.ts';
import type { PersonId } from '../ids.ts';
import type { SimplePeerConstructor } from '../net/connection-manager.ts';
import { FakeSimplePeer, MemorySignaling } from '../net/test-helpers.ts';
import { openNode, type NodeNetwork, type PersonNode } from '../node.ts';
import { docIdOf } from '../kinds/registry.ts';
import type { ConversationKey } from '../peer/messaging.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';

interface Member {
  readonly name: string;
  readonly id: PersonId;
  readonly saved: IdentityOnDevice;
  readonly store: MemoryStorageAdapter;
  readonly kith: PersonNode;
  network: NodeNetwork;
}

const running: Member[] = [];

afterEach(() => {
  for (const member of running.splice(0)) {
    member.network.stop();
    member.kith.close();
  }
});

function startNetwork(kith: PersonNode, hub: MemorySignaling): Promise<NodeNetwork> {
  return kith.startNetwork({
    signaling: hub.client(),
    SimplePeer: FakeSimplePeer as unknown as SimplePeerConstructor,
    iceServers: () => [],
    verifier: defaultVerifier,
    tuning: { announceMs: 100, acceptRetryMs: 100, checkMs: 100 },
  });
}

async function member(name: string, hub: MemorySignaling): Promise<Member> {
  const store = new MemoryStorageAdapter();
  const saved = await createIdentity({ clock: systemClock });
  const kith = await openNode({ store, ...saved, clock: systemClock });
  await kith.peer.setProfile({ name });
  const network = await startNetwork(kith, hub);
  const started: Member = { name, id: saved.identity.personId, saved, store, kith, network };
  running.push(started);
  return started;
}

/** Makes `a` and `b` friends, as a completed invite would. */
async function befriend(a: Member, b: Member): Promise<void> {
  const rendezvous = randomBytes(32);
  for (const [one, other] of [
    [a, b],
    [b, a],
  ] as const) {
    await one.kith.peer.addFriend({
      personId: other.id,
      encryptionKey: other.saved.identity.encryptionPublicKey,
      rendezvous,
    });
  }
}

async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function texts(reader: Member, key: ConversationKey): Promise<string[]> {
  return (await reader.kith.peer.messaging.messages(key)).map((m) => m.text);
}

async function reads(reader: Member, key: ConversationKey, text: string): Promise<void> {
  await until(`${reader.name} reads “${text}”`, async () =>
    (await texts(reader, key)).includes(text),
  );
}

/** How far `writer`'s own log goes in `store`. */
async function headOf(store: MemoryStorageAdapter, writer: Member): Promise<number> {
  return (await store.heldRanges(writer.id, writer.saved.device.key.deviceId)).at(-1)?.end ?? 0;
}

describe('a group whose members are not all friends', () => {
  it('carries every message to every member, with the starter away too; a removed member reads nothing after', async () => {
    const hub = new MemorySignaling();
    const alice = await member('Alice', hub);
    const bob = await member('Bob', hub);
    const dan = await member('Dan', hub);
    await befriend(alice, bob);
    await befriend(alice, dan);
    expect(bob.kith.friends.persons()).not.toContain(dan.id);

    const key = await alice.kith.peer.messaging.start([bob.id, dan.id], 'trip');
    for (const reader of [bob, dan]) {
      await until(`${reader.name} holds the group`, async () =>
        Boolean(await reader.kith.peer.messaging.conversation(key)),
      );
    }
    // Bob and Dan, not friends, now meet and replicate each other's logs.
    await until(
      'Bob and Dan count each other as fellow members',
      () =>
        bob.kith.members.persons().includes(dan.id) && dan.kith.members.persons().includes(bob.id),
    );
    expect(alice.kith.members.persons()).toEqual([]);
    await until(
      'Bob and Dan meet',
      () =>
        bob.network.mesh.status().connections >= 2 && dan.network.mesh.status().connections >= 2,
    );

    const said = { alice: 'from Alice', bob: 'from Bob', dan: 'from Dan' };
    await alice.kith.peer.messaging.send(key, said.alice);
    await bob.kith.peer.messaging.send(key, said.bob);
    await dan.kith.peer.messaging.send(key, said.dan);
    for (const reader of [alice, bob, dan]) {
      for (const text of Object.values(said)) await reads(reader, key, text);
    }

    // Delivered means every member's device: with Dan away, Bob's message that Alice holds is
    // still pending, lacking Dan, until Dan is back.
    dan.network.stop();
    await bob.kith.peer.messaging.send(key, 'Dan is away');
    await reads(alice, key, 'Dan is away');
    const sent = (await bob.kith.peer.messaging.messages(key)).find(
      (m) => m.text === 'Dan is away',
    );
    const docId = docIdOf(sent!.ref!);
    await until('Bob’s device knows Alice holds it', () => {
      const pending = bob.network.mesh.status().pending.get(docId);
      return pending?.reached === 'some' && !pending.lacking.includes(alice.id);
    });
    expect(bob.network.mesh.status().pending.get(docId)).toEqual({
      reached: 'some',
      lacking: [dan.id],
    });
    dan.network = await startNetwork(dan.kith, hub);
    await reads(dan, key, 'Dan is away');
    await until(
      'Bob’s device knows Dan holds it',
      () => !bob.network.mesh.status().pending.has(docId),
    );

    // With Alice (the only friend they share) away, Bob's message still reaches Dan.
    alice.network.stop();
    await bob.kith.peer.messaging.send(key, 'Alice is away');
    await reads(dan, key, 'Alice is away');
    await dan.kith.peer.messaging.send(key, 'so she is');
    await reads(bob, key, 'so she is');
    alice.network = await startNetwork(alice.kith, hub);

    // Dan is removed: Bob learns the new epoch, writes under it, and Dan, who still holds Bob's
    // log through Alice, opens none of it.
    await alice.kith.peer.messaging.remove(key, dan.id);
    await until(
      'Bob knows Dan left',
      async () => !(await bob.kith.peer.messaging.conversation(key))?.members.includes(dan.id),
    );
    await until('Bob no longer meets Dan', () => !bob.kith.members.persons().includes(dan.id));
    await bob.kith.peer.messaging.send(key, 'after Dan left');
    await reads(alice, key, 'after Dan left');
    const bobHead = await headOf(bob.store, bob);
    await until(
      'Dan holds Bob’s newest entry',
      async () => (await headOf(dan.store, bob)) >= bobHead,
    );
    await dan.kith.peer.settled();
    expect(await texts(dan, key)).not.toContain('after Dan left');
    expect(await texts(dan, key)).toContain('so she is');
  }, 90_000);
});
