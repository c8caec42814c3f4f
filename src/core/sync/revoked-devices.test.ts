/**
 * A lost phone across sync. Alice revoked her phone, keeping its first 2 entries; Carol, an
 * honest relay, had stored all 5 before she heard of it ("entries accepted before the revocation
 * arrived are not taken back", docs/protocol.md). Bob must end with the 2 kept, whatever order
 * the checks of the answer's messages end in, and without blaming Carol, who forwarded only what
 * she had verified.
 */
import { describe, expect, it } from 'vitest';
import { EntryVerifier } from '../feed/entry-verifier.ts';
import { MemoryNetwork } from '../net/memory-network.ts';
import { StoredRevocations } from '../peer/stored-revocations.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import { encodeEntries, encodeHave, encodeHello } from './messages.ts';
import { SyncEngine } from './sync-engine.ts';
import { TestPerson, TestReplica, settle, waitFor, scriptedPeer } from './test-helpers.ts';

const alice = await TestPerson.create('alice');
const bobId = (await TestPerson.create('bob')).id;
const phone = await alice.loseDevice(5, 2);

/** Bob, Alice's friend, honouring revocations as the app does (`node.ts`). */
async function bob(store = new MemoryStorageAdapter()): Promise<SyncEngine> {
  const revocations = await StoredRevocations.load(store);
  const engine = new SyncEngine({
    store,
    self: bobId,
    friends: [alice.id],
    verifier: new EntryVerifier({ revocations }),
  });
  revocations.follow(engine.ingestor);
  return engine;
}

async function heldOfPhone(store: MemoryStorageAdapter): Promise<unknown> {
  return store.heldRanges(alice.id, phone.device.key.deviceId);
}

describe('a revoked device across sync', () => {
  it('refuses the later entries that follow the revocation in the next message', async () => {
    const store = new MemoryStorageAdapter();
    const engine = await bob(store);
    const network = new MemoryNetwork();
    const { session, peer: fromCarol, requests } = scriptedPeer(network, engine, 'bob', 'carol');
    // Carol, as her answerer does: the pins first (here the revocation), then the entries.
    await fromCarol.send(encodeHello([]));
    const log = { author: alice.id, device: phone.device.key.deviceId };
    await fromCarol.send(encodeHave([{ ...log, ranges: [{ start: 1, end: 5 }] }]));
    await waitFor(() => requests.length === 1);
    const { reqId } = requests[0]!;
    expect(requests[0]!.pins).toBe(true);
    await fromCarol.send(
      encodeEntries({ reqId, last: false, pins: true, entries: [phone.revocation.bytes] }),
    );
    await fromCarol.send(
      encodeEntries({
        reqId,
        last: true,
        pins: false,
        entries: phone.log.map((entry) => entry.bytes).reverse(),
      }),
    );
    await settle([engine], network);
    expect(await heldOfPhone(store)).toEqual([{ start: 1, end: 2 }]);
    expect(session.progress.rejections).toEqual({ 'device-revoked': 3 });
    expect(session.progress.invalid).toBe(0);
  });

  it('does not disconnect an honest relay that stored the entries before the revocation', async () => {
    // More revoked entries than the disconnect threshold, were each counted against Carol.
    const lost = await alice.loseDevice(80, 2);
    const store = new MemoryStorageAdapter();
    await store.putEntries(alice.log);
    const engine = await bob(store);
    const carol = new TestReplica('carol', (await TestPerson.create('carol')).id, {
      friends: [alice.id],
    });
    await carol.store.putEntries([...alice.log, ...lost.log]);
    const network = new MemoryNetwork();
    const [toBob, toCarol] = network.connect('bob', 'carol');
    const session = engine.attach(toBob, 'carol');
    carol.engine.attach(toCarol, 'bob');
    await settle([engine, carol.engine], network);
    expect(session.closed).toBe(false);
    expect(session.progress.invalid).toBe(0);
    expect(session.progress.rejections).toEqual({ 'device-revoked': 78 });
    expect(await store.heldRanges(alice.id, lost.device.key.deviceId)).toEqual([
      { start: 1, end: 2 },
    ]);
  });
});
