import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryNetwork } from '../net/memory-network.ts';
import { FriendMemoryBudgets, MemoryBudget } from './memory-budget.ts';
import { encodeEntries } from './messages.ts';
import { TestPerson, TestReplica, waitFor } from './test-helpers.ts';
import type { Transport } from './transport.ts';

describe('MemoryBudget', () => {
  it('holds within its limit across accounts, and an account gives back all it holds', () => {
    const budget = new MemoryBudget(100);
    const a = budget.account();
    const b = budget.account();
    expect(a.hold(60)).toBe(true);
    expect(b.hold(50)).toBe(false);
    expect(b.hold(40)).toBe(true);
    expect(budget.held).toBe(100);
    a.release(10);
    a.releaseAll();
    expect(budget.held).toBe(40);
    expect(() => b.release(41)).toThrow(RangeError);
  });

  it('is one budget per friend', () => {
    const budgets = new FriendMemoryBudgets(10);
    const alice = 'alice' as never;
    expect(budgets.of(alice)).toBe(budgets.of(alice));
    expect(budgets.of('bob' as never)).not.toBe(budgets.of(alice));
  });
});

let alice: TestPerson;

beforeAll(async () => {
  alice = await TestPerson.create('alice');
  await alice.append(12, { payloadBytes: 400 });
});

/** `inner` as a connection to a friend whose buffers share `memory`. */
function ofFriend(inner: Transport, memory: MemoryBudget): Transport {
  return {
    memory,
    get maxMessageSize() {
      return inner.maxMessageSize;
    },
    get open() {
      return inner.open;
    },
    send: (message) => inner.send(message),
    onMessage: (handler) => inner.onMessage(handler),
    onClose: (handler) => inner.onClose(handler),
    close: (reason) => inner.close(reason),
  };
}

describe("a sync session's inbox", () => {
  it("counts against its friend's budget shared with the friend's other connections", async () => {
    const network = new MemoryNetwork();
    const bob = new TestReplica('bob', (await TestPerson.create('bob')).id, {
      friends: [alice.id],
    });
    const budget = new MemoryBudget(6000);
    const push = (from: number, to: number) =>
      encodeEntries({
        reqId: 0,
        last: false,
        pins: false,
        entries: alice.log.slice(from, to).map((e) => e.bytes),
      });
    const [b1, m1] = network.connect('bob', 'mallory-phone');
    const [b2, m2] = network.connect('bob', 'mallory-laptop');
    const first = bob.engine.attach(ofFriend(b1, budget), 'mallory-phone');
    const second = bob.engine.attach(ofFriend(b2, budget), 'mallory-laptop');
    // Each connection: one message being ingested, then ~3,500 bytes waiting behind it, within
    // a session's own 16 MiB; together over the friend's 6,000.
    const sends = [
      m1.send(push(0, 1)),
      m1.send(push(1, 6)),
      m2.send(push(6, 7)),
      m2.send(push(7, 12)),
    ];
    await Promise.all(sends);
    await waitFor(() => first.closed || second.closed);
    const closed = [first, second].filter((s) => s.closed);
    expect(closed).toHaveLength(1);
    expect(closed[0]!.progress.closed).toMatchObject({ reason: 'memory-budget' });
    // What the open session held is given back as it is processed.
    const open = closed[0] === first ? second : first;
    await waitFor(() => open.progress.received === 6);
    expect(budget.held).toBe(0);
  });
});
