/**
 * What a receiver enforces on what arrives, whatever it asked for: a hostile peer answering with
 * more than the request's budget, pushing entries unasked at high volume, or filling a friend of
 * a friend's window beyond its quota is stopped by the receiving side itself.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { MemoryNetwork } from '../net/memory-network.ts';
import type { Transport } from './transport.ts';
import { encodeEntries, encodeHave, encodeHello } from './messages.ts';
import type { SyncConfig } from './sync-session.ts';
import { TestPerson, TestReplica, waitFor, scriptedPeer } from './test-helpers.ts';

let alice: TestPerson;
let carol: TestPerson;

beforeAll(async () => {
  alice = await TestPerson.create('alice');
  carol = await TestPerson.create('carol');
  await alice.append(15);
  await carol.append(30);
});

/** Bob, a friend of Alice, connected to Mallory, whose end of the link the test drives. */
async function bobAndMallory(config: Partial<SyncConfig>) {
  const network = new MemoryNetwork();
  const bob = new TestReplica('bob', (await TestPerson.create('bob')).id, {
    friends: [alice.id],
    config,
    clock: new ManualClock(1_000),
  });
  const { session, peer: tm, requests } = scriptedPeer(network, bob.engine, 'bob', 'mallory');
  return { bob, session, tm, requests };
}

function push(tm: Transport, entries: readonly Uint8Array[]): Promise<void> {
  return tm.send(encodeEntries({ reqId: 0, last: false, pins: false, entries: [...entries] }));
}

describe('a receiver', () => {
  it('disconnects a peer whose answer exceeds the budget it was asked for', async () => {
    const { session, tm, requests } = await bobAndMallory({ firstBudgetBytes: 1000 });
    await tm.send(
      encodeHave([
        { author: alice.id, device: alice.log[0]!.device, ranges: [{ start: 1, end: 15 }] },
      ]),
    );
    await waitFor(() => requests.length === 1);
    const request = requests[0]!;
    expect(request.budgetBytes).toBe(1000);
    const everything = alice.log.map((e) => e.bytes).reverse();
    expect(everything.reduce((n, b) => n + b.byteLength, 0)).toBeGreaterThan(3000);
    await tm.send(
      encodeEntries({ reqId: request.reqId, last: true, pins: false, entries: everything }),
    );
    await waitFor(() => session.closed);
    expect(session.progress.closed).toMatchObject({ reason: 'answer-over-budget' });
  });

  it('takes an honest answer that ends with the entry passing its budget', async () => {
    const { bob, session, tm, requests } = await bobAndMallory({ firstBudgetBytes: 1000 });
    await tm.send(
      encodeHave([
        { author: alice.id, device: alice.log[0]!.device, ranges: [{ start: 1, end: 15 }] },
      ]),
    );
    await waitFor(() => requests.length === 1);
    // What an honest answerer sends: newest first, until the bytes reach the budget.
    const answer: Uint8Array[] = [];
    let bytes = 0;
    for (const e of [...alice.log].reverse()) {
      if (bytes >= 1000) break;
      answer.push(e.bytes);
      bytes += e.bytes.byteLength;
    }
    await tm.send(
      encodeEntries({ reqId: requests[0]!.reqId, last: true, pins: false, entries: answer }),
    );
    await waitFor(() => session.progress.received === answer.length);
    expect(session.closed).toBe(false);
    expect((await bob.held(alice)).length).toBe(answer.length);
  });

  it('refuses pushes beyond its allowance unverified and asks for them instead', async () => {
    const { bob, session, tm, requests } = await bobAndMallory({
      pushBurstBytes: 1500,
      pushBytesPerSecond: 100,
    });
    await push(
      tm,
      alice.log.slice(0, 15).map((e) => e.bytes),
    );
    await waitFor(() => session.progress.rejections['push-over-allowance'] === 15);
    expect(await bob.held(alice)).toEqual([]);
    expect(session.progress.invalid).toBe(0);
    // What was pushed is pulled instead, within a budget this side chose.
    await waitFor(() => requests.length === 1);
    expect(requests[0]).toMatchObject({ author: alice.id, ranges: [{ start: 1, end: 15 }] });
    expect(session.closed).toBe(false);
  });

  it('takes pushes within its allowance', async () => {
    const { bob, session, tm } = await bobAndMallory({
      pushBurstBytes: 1500,
      pushBytesPerSecond: 100,
    });
    await push(tm, [alice.log[0]!.bytes]);
    await waitFor(() => session.progress.received === 1);
    expect(await bob.held(alice)).toEqual([1]);
    expect(session.progress.rejections).toEqual({});
  });

  it("keeps a friend of a friend's window within its quota whatever is pushed", async () => {
    const quota = 2000;
    const { bob, session, tm } = await bobAndMallory({ windowQuotaBytes: quota });
    // Mallory says she replicates Carol in full: Bob learns Carol as a window author.
    await tm.send(encodeHello([{ author: carol.id, mode: 'full' }]));
    await waitFor(() => bob.engine.modeOf(carol.id) === 'window');
    const all = carol.log.map((e) => e.bytes);
    expect(all.reduce((n, b) => n + b.byteLength, 0)).toBeGreaterThan(3 * quota);
    await push(tm, all);
    await waitFor(() => session.progress.received === 30 && bob.engine.idle);
    const summary = (await bob.store.listLogs()).find((l) => l.author === carol.id);
    expect(summary!.bytes).toBeLessThanOrEqual(quota);
    expect(summary!.ranges.at(-1)!.end).toBe(30);
  });
});
