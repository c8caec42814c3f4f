/**
 * What a session knows the remote holds of a log, which the mesh tells delivery by: what the
 * remote said in its `have`, and what was sent to it, whatever else the session is busy with.
 */
import { describe, expect, it } from 'vitest';
import { MemoryNetwork } from '../net/memory-network.ts';
import {
  decodeSyncMessage,
  encodeHave,
  encodeHello,
  encodeRequest,
  type RequestMessage,
} from './messages.ts';
import { TestPerson, TestReplica, waitFor } from './test-helpers.ts';

describe('what the remote holds', () => {
  it('counts its have and what was sent to it while the session is still busy', async () => {
    const alice = await TestPerson.create('alice');
    const bob = await TestPerson.create('bob');
    await alice.append(3);
    await bob.append(6);
    const b = new TestReplica('bob', bob.id, { friends: [alice.id] });
    await b.store.putEntries(bob.log);
    const network = new MemoryNetwork();
    const [tb, tp] = network.connect('bob', 'alice');
    const requests: RequestMessage[] = [];
    tp.onMessage((bytes) => {
      const message = decodeSyncMessage(bytes);
      if (message.type === 'request') requests.push(message);
    });
    const session = b.engine.attach(tb, 'alice');
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
});
