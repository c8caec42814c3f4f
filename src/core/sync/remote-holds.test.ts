/**
 * What a session knows the remote holds of a log, which the mesh tells delivery by: what the
 * remote said in its `have`, and what was sent to it, whatever else the session is busy with.
 */
import { describe, expect, it } from 'vitest';
import { MemoryNetwork } from '../net/memory-network.ts';
import {
  decodeSyncMessage,
  encodeEntries,
  encodeHave,
  encodeHello,
  encodeRequest,
  type HaveMessage,
} from './messages.ts';
import { TestPerson, TestReplica, waitFor, scriptedPeer } from './test-helpers.ts';

describe('what the remote holds', () => {
  it('counts its have and what was sent to it while the session is still busy', async () => {
    const alice = await TestPerson.create('alice');
    const bob = await TestPerson.create('bob');
    await alice.append(3);
    await bob.append(6);
    const b = new TestReplica('bob', bob.id, { friends: [alice.id] });
    await b.store.putEntries(bob.log);
    const network = new MemoryNetwork();
    const { session, peer: tp, requests } = scriptedPeer(network, b.engine, 'bob', 'alice');
    const device = bob.log[0]!.device;
    expect(session.remoteHoldsThrough(bob.id, device)).toBe(0);

    await tp.send(encodeHello([{ author: bob.id, mode: 'full' }]));
    // Alice's device holds Bob's first two entries, and has a log of her own Bob will ask for.
    await tp.send(
      encodeHave([
        { author: bob.id, device, ranges: [{ start: 1, end: 2 }] },
        { author: alice.id, device: alice.log[0]!.device, ranges: [{ start: 1, end: 3 }] },
      ]),
    );
    await waitFor(() => session.remoteHoldsThrough(bob.id, device) === 2);
    await tp.send(
      encodeRequest({
        reqId: 1,
        author: bob.id,
        device,
        ranges: [{ start: 3, end: 6 }],
        order: 'ascending',
        budgetBytes: 1 << 20,
        pins: false,
      }),
    );
    await waitFor(() => session.remoteHoldsThrough(bob.id, device) === 6);
    // Bob's request for Alice's log is never answered: the session is not idle, yet it knows.
    expect(requests.some((r) => r.author === alice.id)).toBe(true);
    expect(session.idle).toBe(false);
  });

  it('tells the author it holds entries of theirs a relay brought: the author knows them delivered', async () => {
    const alice = await TestPerson.create('alice');
    const bob = await TestPerson.create('bob');
    await bob.append(6);
    const a = new TestReplica('alice', alice.id, { friends: [bob.id] });
    await a.store.putEntries(bob.log.slice(0, 3));
    const network = new MemoryNetwork();
    const [toBob, bobEnd] = network.connect('alice', 'bob');
    const [toCarol, carolEnd] = network.connect('alice', 'carol');
    const toldBob: HaveMessage[] = [];
    bobEnd.onMessage((bytes) => {
      const message = decodeSyncMessage(bytes);
      if (message.type === 'have') toldBob.push(message);
    });
    a.engine.attach(toBob, 'bob', { remotePerson: bob.id });
    a.engine.attach(toCarol, 'carol');
    const device = bob.log[0]!.device;
    const heldByAlice = (through: number) =>
      toldBob.some((have) =>
        have.logs.some(
          (l) => l.author === bob.id && l.ranges.some((r) => r.start === 1 && r.end >= through),
        ),
      );
    // Bob, the author, holds all six and says so (Alice's requests to him go unanswered).
    await bobEnd.send(encodeHello([{ author: bob.id, mode: 'full' }]));
    await bobEnd.send(encodeHave([{ author: bob.id, device, ranges: [{ start: 1, end: 6 }] }]));
    await waitFor(() => heldByAlice(3));
    expect(heldByAlice(6)).toBe(false);
    // Carol, a relay, pushes the three Alice lacks: nothing goes to Bob but word that she has them.
    await carolEnd.send(encodeHello([{ author: bob.id, mode: 'full' }]));
    await carolEnd.send(
      encodeEntries({
        reqId: 0,
        last: false,
        pins: false,
        entries: bob.log.slice(3).map((e) => e.bytes),
      }),
    );
    await waitFor(() => heldByAlice(6));
  });
});
