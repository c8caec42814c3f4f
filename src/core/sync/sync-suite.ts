/**
 * The sync suite that runs over every kind of link (issue 23): the in-memory network
 * (`sync-engine.test.ts`) and real WebRTC data channels (werift in Node, on loopback:
 * `src/home/sync-over-werift.test.ts`), so what the engine does is proven over the transport
 * that carries it in the app, with its pieces, pacing and closing, not only over the model.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { VerifiedEntry } from '../feed/entry-verifier.ts';
import { MemoryNetwork } from '../net/memory-network.ts';
import type { SyncSession } from './sync-session.ts';
import type { Transport } from './transport.ts';
import { TestPerson, TestReplica, settle, waitFor } from './test-helpers.ts';

/** A network the suite runs over. */
export interface SuiteNetwork {
  /** Links two replicas by name; resolves with each end's transport once it carries messages. */
  connect(a: string, b: string): Promise<[Transport, Transport]>;
  /** Closes every link of `name` at both ends (its page closed). */
  restart(name: string): void;
  /** Messages delivered so far, each counted once (what `settle` watches). */
  readonly stats: { readonly delivered: number };
}

/** The in-memory network as a {@link SuiteNetwork}. */
export function memorySuiteNetwork(): SuiteNetwork {
  const network = new MemoryNetwork();
  return {
    connect: async (a, b) => network.connect(a, b),
    restart: (name) => network.restart(name),
    stats: network.stats,
  };
}

/** Stores `entries` as `replica`'s own, one by one, as its device writes them. */
export async function publish(
  replica: TestReplica,
  entries: readonly VerifiedEntry[],
): Promise<void> {
  for (const e of entries) await replica.engine.ingestor.addOwn(e);
}

async function link(
  network: SuiteNetwork,
  a: TestReplica,
  b: TestReplica,
): Promise<[SyncSession, SyncSession]> {
  const [ta, tb] = await network.connect(a.name, b.name);
  return [a.engine.attach(ta, b.name), b.engine.attach(tb, a.name)];
}

/** The seqs `from..to`. */
export function seqs(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** The people the sync tests use, each with a log: Alice 300 entries, Bob 20, Carol and Dave 5. */
export interface SyncPeople {
  readonly alice: TestPerson;
  readonly bob: TestPerson;
  readonly carol: TestPerson;
  readonly dave: TestPerson;
}

/** Makes {@link SyncPeople}. */
export async function syncPeople(): Promise<SyncPeople> {
  const [alice, bob, carol, dave] = await Promise.all(
    ['alice', 'bob', 'carol', 'dave'].map((n) => TestPerson.create(n)),
  );
  await alice!.append(300);
  await bob!.append(20);
  await carol!.append(5);
  await dave!.append(5);
  return { alice: alice!, bob: bob!, carol: carol!, dave: dave! };
}

/**
 * Registers the suite, its links made by `makeNetwork` (one network per test); `timeout` bounds
 * each test (ms; default the project's).
 */
export function syncSuite(over: string, makeNetwork: () => SuiteNetwork, timeout?: number): void {
  const options = timeout === undefined ? {} : { timeout };
  let alice: TestPerson;
  let bob: TestPerson;
  let carol: TestPerson;
  let dave: TestPerson;

  beforeAll(async () => {
    ({ alice, bob, carol, dave } = await syncPeople());
  });

  describe(`SyncEngine between honest peers, over ${over}`, options, () => {
    it("two friends converge in both directions, holding exactly the authors' entries", async () => {
      const network = makeNetwork();
      const a = new TestReplica('alice', alice.id, { friends: [bob.id] });
      const b = new TestReplica('bob', bob.id, { friends: [alice.id] });
      await publish(a, alice.log);
      await publish(b, bob.log);
      await link(network, a, b);
      await settle([a.engine, b.engine], network);
      expect((await b.entriesOf(alice)).map((e) => e.hash)).toEqual(alice.log.map((e) => e.hash));
      expect((await a.entriesOf(bob)).map((e) => e.hash)).toEqual(bob.log.map((e) => e.hash));
      const session = b.engine.sessions[0]!;
      expect(session.progress).toMatchObject({ state: 'idle', received: 300, invalid: 0 });
      expect(session.progress.logs).toEqual([
        expect.objectContaining({ author: alice.id, received: 300, pending: 0 }),
      ]);
    });

    it('pushes new entries live to a connected peer that wants the author', async () => {
      const network = makeNetwork();
      const a = new TestReplica('alice', alice.id, { friends: [bob.id] });
      const b = new TestReplica('bob', bob.id, { friends: [alice.id] });
      await publish(a, alice.log.slice(0, 10));
      await link(network, a, b);
      await settle([a.engine, b.engine], network);
      expect(await b.held(alice)).toEqual(seqs(1, 10));
      const requestsBefore = network.stats.delivered;
      await publish(a, alice.log.slice(10, 12));
      await waitFor(() => b.engine.sessions[0]!.progress.received === 12);
      expect(await b.held(alice)).toEqual(seqs(1, 12));
      // One push message per stored entry (published one by one), no request/answer round.
      expect(network.stats.delivered - requestsBefore).toBe(2);
    });

    it('resumes after a dropped connection with nothing missing and nothing stored twice', async () => {
      const network = makeNetwork();
      const config = {
        rangeBudgetBytes: 8 * 1024,
        firstBudgetBytes: 8 * 1024,
        pageBudgetBytes: 8 * 1024,
      };
      const a = new TestReplica('alice', alice.id, { friends: [bob.id], config });
      const b = new TestReplica('bob', bob.id, { friends: [alice.id], config });
      await publish(a, alice.log);
      const stored: number[] = [];
      b.engine.ingestor.onStored((entries) => stored.push(...entries.map((e) => e.seq)));
      await link(network, a, b);
      await waitFor(() => stored.length > 50);
      network.restart('bob');
      b.restart();
      b.engine.ingestor.onStored((entries) => stored.push(...entries.map((e) => e.seq)));
      const partial = (await b.held(alice)).length;
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(300);
      await link(network, a, b);
      await settle([a.engine, b.engine], network);
      expect((await b.entriesOf(alice)).map((e) => e.hash)).toEqual(alice.log.map((e) => e.hash));
      expect([...stored].sort((x, y) => x - y)).toEqual(seqs(1, 300));
    });

    it('fetches a new log newest first, then fills the gap so that it chains exactly', async () => {
      const network = makeNetwork();
      const config = { firstBudgetBytes: 20 * 1024, backfill: false };
      const a = new TestReplica('alice', alice.id, { friends: [bob.id], config });
      const b = new TestReplica('bob', bob.id, { friends: [alice.id], config });
      await publish(a, alice.log);
      await link(network, a, b);
      await settle([a.engine, b.engine], network);
      const suffix = await b.held(alice);
      expect(suffix.at(-1)).toBe(300);
      expect(suffix[0]).toBeGreaterThan(1);
      expect(suffix).toEqual(seqs(suffix[0]!, 300));

      let pages = 0;
      while ((await b.held(alice)).length < 300) {
        const got = await b.engine.requestOlder(alice.id, alice.log[0]!.device, 16 * 1024);
        expect(got).toBeGreaterThan(0);
        pages++;
      }
      expect(pages).toBeGreaterThan(1);
      expect((await b.entriesOf(alice)).map((e) => e.hash)).toEqual(alice.log.map((e) => e.hash));
    });

    it('backfills older history by itself for a friend, when idle', async () => {
      const network = makeNetwork();
      const config = { firstBudgetBytes: 20 * 1024, pageBudgetBytes: 10 * 1024 };
      const a = new TestReplica('alice', alice.id, { friends: [bob.id], config });
      const b = new TestReplica('bob', bob.id, { friends: [alice.id], config });
      await publish(a, alice.log);
      const order: number[] = [];
      b.engine.ingestor.onStored((entries) => order.push(...entries.map((e) => e.seq)));
      await link(network, a, b);
      await settle([a.engine, b.engine], network);
      expect(await b.held(alice)).toEqual(seqs(1, 300));
      expect(order[0]).toBeGreaterThan(200);
    });
  });

  describe(`store and forward, over ${over}`, options, () => {
    it("(a) Bob, friend of both, carries Alice's entries to Carol while Alice is away", async () => {
      const network = makeNetwork();
      const a = new TestReplica('alice', alice.id, { friends: [bob.id, carol.id] });
      const b = new TestReplica('bob', bob.id, { friends: [alice.id, carol.id] });
      const c = new TestReplica('carol', carol.id, { friends: [alice.id, bob.id] });
      await publish(a, alice.log.slice(0, 40));
      await link(network, a, b);
      await settle([a.engine, b.engine], network);
      network.restart('alice');
      expect(await c.held(alice)).toEqual([]);
      await link(network, b, c);
      await settle([b.engine, c.engine], network);
      expect((await c.entriesOf(alice)).map((e) => e.hash)).toEqual(
        alice.log.slice(0, 40).map((e) => e.hash),
      );
    });

    it("(b) Bob, Carol's friend but not Alice's, learns Carol wants Alice and relays her log", async () => {
      const network = makeNetwork();
      const a = new TestReplica('alice', alice.id, { friends: [carol.id, dave.id] });
      const b = new TestReplica('bob', bob.id, { friends: [carol.id, dave.id] });
      const c = new TestReplica('carol', carol.id, { friends: [alice.id, bob.id] });
      const d = new TestReplica('dave', dave.id, { friends: [alice.id, bob.id] });
      // Carol meets Bob: from her hello Bob learns that she wants Alice.
      await link(network, b, c);
      await settle([b.engine, c.engine], network);
      expect(b.engine.modeOf(alice.id)).toBe('window');
      network.restart('carol');
      // Alice writes, meets Dave, leaves.
      await publish(a, alice.log.slice(0, 30));
      await link(network, a, d);
      await settle([a.engine, d.engine], network);
      network.restart('alice');
      // Dave meets Bob: Bob fetches Alice's recent window.
      await link(network, d, b);
      await settle([d.engine, b.engine], network);
      network.restart('dave');
      expect((await b.entriesOf(alice)).map((e) => e.bytes)).toEqual(
        alice.log.slice(0, 30).map((e) => e.bytes),
      );
      // Carol comes back and meets only Bob.
      await link(network, b, c);
      await settle([b.engine, c.engine], network);
      expect((await c.entriesOf(alice)).map((e) => e.hash)).toEqual(
        alice.log.slice(0, 30).map((e) => e.hash),
      );
    });
  });
}
