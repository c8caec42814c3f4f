import { beforeAll, describe, expect, it } from 'vitest';
import { deviceIdFromKey } from '../ids.ts';
import { MemoryNetwork } from '../net/memory-network.ts';
import {
  decodeSyncMessage,
  encodeEntries,
  encodeHave,
  encodeHello,
  encodeRequest,
} from './messages.ts';
import type { SyncSession } from './sync-session.ts';
import type { Transport } from './transport.ts';
import { memorySuiteNetwork, publish, seqs, syncPeople, syncSuite } from './sync-suite.ts';
import { TestPerson, TestReplica, settle, waitFor, scriptedPeer } from './test-helpers.ts';

function link(network: MemoryNetwork, a: TestReplica, b: TestReplica): [SyncSession, SyncSession] {
  const [ta, tb] = network.connect(a.name, b.name);
  return [a.engine.attach(ta, b.name), b.engine.attach(tb, a.name)];
}

let alice: TestPerson;
let bob: TestPerson;
let carol: TestPerson;

beforeAll(async () => {
  ({ alice, bob, carol } = await syncPeople());
});

syncSuite('the in-memory network', memorySuiteNetwork);

describe('friends of friends', () => {
  it('keeps only a recent window of a friend-of-friend log, within its quota', async () => {
    const network = new MemoryNetwork();
    const quota = 10 * 1024;
    const b = new TestReplica('bob', bob.id, {
      friends: [carol.id],
      config: { windowQuotaBytes: quota },
    });
    const c = new TestReplica('carol', carol.id, { friends: [alice.id, bob.id] });
    await c.store.putEntries(alice.log);
    link(network, b, c);
    await settle([b.engine, c.engine], network);
    expect(b.engine.modeOf(alice.id)).toBe('window');
    await waitFor(() => b.engine.idle);
    const held = await b.entriesOf(alice);
    const bytes = held.reduce((n, e) => n + e.bytes.byteLength, 0);
    expect(held.length).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(quota);
    expect(held.map((e) => e.seq)).toEqual(seqs(301 - held.length, 300));
  });
  it('fills a gap within a friend-of-friend window (entries written while it was cut off, newer ones pushed)', async () => {
    const network = new MemoryNetwork();
    const b = new TestReplica('bob', bob.id, { friends: [carol.id] });
    const c = new TestReplica('carol', carol.id, { friends: [alice.id, bob.id] });
    await c.store.putEntries(alice.log.slice(0, 15));
    // Bob held Alice's first ten, missed 11 and 12 while cut off, and was pushed 13 to 15.
    await b.store.putEntries([...alice.log.slice(0, 10), ...alice.log.slice(12, 15)]);
    link(network, b, c);
    await settle([b.engine, c.engine], network);
    expect(b.engine.modeOf(alice.id)).toBe('window');
    await waitFor(() => b.engine.idle);
    expect((await b.entriesOf(alice)).map((e) => e.seq)).toEqual(seqs(1, 15));
  });
});

/** `transport` as a data channel is: what arrives before the first handler is handed to it at once. */
function earlyBuffered(transport: Transport): Transport {
  const early: Uint8Array[] = [];
  let handler: ((message: Uint8Array) => void) | undefined;
  transport.onMessage((message) => (handler ? handler(message) : early.push(message)));
  return {
    maxMessageSize: transport.maxMessageSize,
    get open() {
      return transport.open;
    },
    send: (message) => transport.send(message),
    onMessage: (h) => {
      handler = h;
      for (const message of early.splice(0)) h(message);
      return () => (handler = undefined);
    },
    onClose: (h) => transport.onClose(h),
    close: (reason) => transport.close(reason),
  };
}

describe('a friend whose hello came before the session was attached', () => {
  it('is learnt from all the same: their friends become window authors', async () => {
    const network = new MemoryNetwork();
    const b = new TestReplica('bob', bob.id, { friends: [carol.id] });
    const c = new TestReplica('carol', carol.id, { friends: [alice.id, bob.id] });
    await c.store.putEntries(alice.log.slice(0, 10));
    const [tb, tc] = network.connect('bob', 'carol');
    const early = earlyBuffered(tb);
    c.engine.attach(tc, 'bob');
    // Carol's hello (she wants Alice) reaches Bob's connection before his session starts.
    await new Promise((r) => setTimeout(r, 50));
    b.engine.attach(early, 'carol');
    await settle([b.engine, c.engine], network);
    expect(b.engine.modeOf(alice.id)).toBe('window');
    await waitFor(() => b.engine.idle);
    expect((await b.entriesOf(alice)).map((e) => e.seq)).toEqual(seqs(1, 10));
  });
});

describe('a friend of a friend after a reload', () => {
  it('brings a window held before the page closed up to date from a friend who holds more', async () => {
    const network = new MemoryNetwork();
    const c = new TestReplica('carol', carol.id, { friends: [alice.id, bob.id] });
    await c.store.putEntries(alice.log.slice(0, 40));
    // Bob held Alice's first 20 as a window before his page closed; a fresh engine over that store.
    const b = new TestReplica('bob', bob.id, { friends: [carol.id] });
    await b.store.putEntries(alice.log.slice(0, 20));
    link(network, b, c);
    await settle([b.engine, c.engine], network);
    expect(b.engine.modeOf(alice.id)).toBe('window');
    await waitFor(() => b.engine.idle);
    expect((await b.entriesOf(alice)).map((e) => e.seq)).toEqual(seqs(1, 40));
  });
});

describe('a friend of a friend met through a push', () => {
  it('asks for their pins (profile, keys) it lacks, not only entries', async () => {
    const erin = await TestPerson.create('erin');
    await erin.append(1, { docId: 'profile', payloadKind: 'yjs-update' });
    await erin.append(1, { docId: 'epoch/0' });
    await erin.append(30);
    const network = new MemoryNetwork();
    const b = new TestReplica('bob', bob.id, { friends: [carol.id] });
    const c = new TestReplica('carol', carol.id, { friends: [erin.id, bob.id] });
    await c.store.putEntries(erin.log);
    // Erin's key record and newest entries reached Bob pushed by Carol, before he ever asked
    // for her log: a pin, but not her profile.
    await b.store.putEntries([erin.log[1]!, ...erin.log.slice(28)]);
    link(network, b, c);
    await settle([b.engine, c.engine], network);
    expect(b.engine.modeOf(erin.id)).toBe('window');
    await waitFor(() => b.engine.idle);
    const held = new Set((await b.entriesOf(erin)).map((e) => e.seq));
    expect([1, 2].filter((seq) => held.has(seq))).toEqual([1, 2]);
  });
});

describe('older history on demand', () => {
  it('settles when the session closes while the page is being planned', async () => {
    const network = new MemoryNetwork();
    const b = new TestReplica('bob', bob.id, { friends: [alice.id], config: { backfill: false } });
    const c = new TestReplica('carol', carol.id, { friends: [alice.id] });
    await c.store.putEntries(alice.log);
    await b.store.putEntries(alice.log.slice(-50));
    const [onBob] = link(network, b, c);
    await settle([b.engine, c.engine], network);
    const pending = onBob.requestOlder(alice.id, alice.log[0]!.device, 4096);
    expect(pending).toBeDefined();
    onBob.close('local');
    const outcome = await Promise.race([
      pending!,
      new Promise((resolve) => setTimeout(() => resolve('never settled'), 5_000)),
    ]);
    expect(outcome).toBe(0);
  });

  it('asks the next peer when the first holds nothing older', async () => {
    const network = new MemoryNetwork();
    const b = new TestReplica('bob', bob.id, { friends: [alice.id], config: { backfill: false } });
    const recent = alice.log.slice(-10);
    await b.store.putEntries(recent);
    // Carol holds only what Bob holds; Dave holds it all.
    const c = new TestReplica('carol', carol.id, { friends: [alice.id] });
    await c.store.putEntries(recent);
    const d = new TestReplica('dave', (await TestPerson.create('dave')).id, {
      friends: [alice.id],
    });
    await d.store.putEntries(alice.log);
    link(network, b, c);
    link(network, b, d);
    await settle([b.engine, c.engine, d.engine], network);
    expect(await b.engine.requestOlder(alice.id, alice.log[0]!.device, 16 * 1024)).toBeGreaterThan(
      0,
    );
    expect((await b.held(alice)).length).toBeGreaterThan(recent.length);
  });
});

describe('an answer to a request made before an interest change', () => {
  it('is refused without counting against the peer that answers it', async () => {
    const network = new MemoryNetwork();
    const b = new TestReplica('bob', bob.id, {
      friends: [alice.id],
      config: { maxUnwantedEntries: 10 },
    });
    const { session, peer: fromCarol, requests } = scriptedPeer(network, b.engine, 'bob', 'carol');
    await fromCarol.send(encodeHello([]));
    const log = { author: alice.id, device: alice.log[0]!.device };
    await fromCarol.send(encodeHave([{ ...log, ranges: [{ start: 1, end: alice.log.length }] }]));
    await waitFor(() => requests.length === 1);
    // Bob unfriends Alice while Carol's answer is on its way.
    b.engine.setFriends([]);
    const { reqId } = requests[0]!;
    await fromCarol.send(encodeEntries({ reqId, last: false, pins: true, entries: [] }));
    const entries = alice.log.slice(-50).map((entry) => entry.bytes);
    await fromCarol.send(encodeEntries({ reqId, last: true, pins: false, entries }));
    await settle([b.engine], network);
    expect(session.progress.rejections).toEqual({ 'unwanted-author': 50 });
    expect(session.closed).toBe(false);
    expect(await b.held(alice)).toEqual([]);
  });
});

describe('limits', () => {
  it('disconnects a peer that sends a malformed message, with the reason', async () => {
    const network = new MemoryNetwork();
    const b = new TestReplica('bob', bob.id, { friends: [alice.id] });
    const [tb, tm] = network.connect('bob', 'mallory');
    const session = b.engine.attach(tb, 'mallory');
    const closed = new Promise((resolve) => tm.onClose(resolve));
    await tm.send(new Uint8Array([1, 9, 0]));
    expect(await closed).toMatchObject({ reason: 'malformed-message' });
    expect(session.progress.closed).toMatchObject({
      reason: 'malformed-message',
      detail: 'unsupported-version',
    });
    expect(b.engine.sessions).toEqual([]);
  });

  it('refuses an oversized message', async () => {
    const network = new MemoryNetwork({ maxMessageSize: 4 * 1024 * 1024 });
    const b = new TestReplica('bob', bob.id, { friends: [alice.id] });
    const [tb, tm] = network.connect('bob', 'mallory');
    const session = b.engine.attach(tb, 'mallory');
    await tm.send(
      encodeEntries({
        reqId: 0,
        last: false,
        pins: false,
        entries: [new Uint8Array(2 * 1024 * 1024)],
      }),
    );
    await waitFor(() => session.closed);
    expect(session.progress.closed).toMatchObject({
      reason: 'malformed-message',
      detail: 'too-large',
    });
  });

  it('disconnects a peer that announces more logs than it may, before it costs more', async () => {
    const network = new MemoryNetwork();
    const b = new TestReplica('bob', bob.id, {
      friends: [alice.id],
      config: { maxRemoteLogs: 300 },
    });
    const [toBob, fromMallory] = network.connect('bob', 'mallory');
    let requests = 0;
    fromMallory.onMessage((bytes) => {
      const message = decodeSyncMessage(bytes);
      if (message.type !== 'request') return;
      requests++;
      const answer = encodeEntries({ reqId: message.reqId, last: true, pins: false, entries: [] });
      fromMallory.send(answer).catch(() => undefined);
    });
    const session = b.engine.attach(toBob, 'mallory');
    await fromMallory.send(encodeHello([]));
    // Devices of Alice that never existed, 100 to a message.
    for (let m = 0; m < 5 && !session.closed; m++) {
      const logs = Array.from({ length: 100 }, () => ({
        author: alice.id,
        device: deviceIdFromKey(crypto.getRandomValues(new Uint8Array(32))),
        ranges: [{ start: 1, end: 1 }],
      }));
      await fromMallory.send(encodeHave(logs)).catch(() => undefined);
    }
    await waitFor(() => session.closed);
    expect(session.progress.closed?.reason).toBe('too-many-logs');
    expect(requests).toBeLessThanOrEqual(300);
  });

  it('disconnects a peer that floods requests', async () => {
    const network = new MemoryNetwork();
    const a = new TestReplica('alice', alice.id, { friends: [bob.id] });
    await publish(a, alice.log);
    const [ta, tm] = network.connect('alice', 'mallory');
    const session = a.engine.attach(ta, 'mallory');
    await tm.send(encodeHello([{ author: alice.id, mode: 'full' }]));
    for (let i = 1; i <= 200 && tm.open; i++) {
      await tm.send(
        encodeRequest({
          reqId: i,
          author: alice.id,
          device: alice.log[0]!.device,
          ranges: [{ start: 1, end: 300 }],
          order: 'ascending',
          budgetBytes: 1024 * 1024,
          pins: false,
        }),
      );
    }
    await waitFor(() => session.closed);
    expect(session.progress.closed).toMatchObject({ reason: 'too-many-requests' });
  });
});
