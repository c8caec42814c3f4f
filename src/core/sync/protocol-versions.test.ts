/**
 * Sync protocol v2 against the landed v1 code. The "older Kith" is the landed decoders
 * themselves, kept verbatim as a fixture (`landed-v1/`: the sync messages and the entry codec
 * of commit 6f05975): a v1 peer refuses a v2 hello and v2 entries at decoding, before anything
 * reaches its store; a v2 peer meeting a v1 hello sends it nothing more that v1 cannot read and
 * lists it as outdated, for the UI's "<name> needs to update Kith".
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { withoutPayload } from '../feed/entry-codec.ts';
import { MemoryNetwork } from '../net/memory-network.ts';
import * as landedEntries from './landed-v1/entry-codec.ts';
import * as landed from './landed-v1/messages.ts';
import { SYNC_PROTOCOL_VERSION, encodeEntries, encodeHello } from './messages.ts';
import { TestPerson, TestReplica, waitFor } from './test-helpers.ts';

let alice: TestPerson;

beforeAll(async () => {
  alice = await TestPerson.create('alice');
  await alice.append(3);
});

/** What the landed decoder makes of bytes: the message type, or its error's reason. */
function landedReads(bytes: Uint8Array): string {
  try {
    return landed.decodeSyncMessage(bytes).type;
  } catch (err) {
    if (err instanceof landed.SyncMessageError) return `refused:${err.reason}`;
    throw err;
  }
}

describe('sync protocol versions', () => {
  it('a v1 peer refuses a current hello at decoding (its session then says bye and closes)', () => {
    expect(SYNC_PROTOCOL_VERSION).toBe(3);
    expect(landedReads(encodeHello([{ author: alice.id, mode: 'full' }]))).toBe(
      'refused:unsupported-version',
    );
  });

  it('a v1 peer cannot decode a v2 entry, with or without its payload, so stores none', () => {
    const entry = alice.log[0]!;
    // The entries message itself is the same in both versions: the entries inside are refused
    // one by one by the landed entry decoder, which its ingest turns into rejections.
    for (const bytes of [entry.bytes, withoutPayload(entry)]) {
      expect(
        landedReads(encodeEntries({ reqId: 0, last: false, pins: false, entries: [bytes] })),
      ).toBe('entries');
      expect(() => landedEntries.decodeEntry(bytes)).toThrow(
        expect.objectContaining({ reason: 'unknown-version' }),
      );
    }
  });

  it('a v2 peer meeting a v1 hello sends nothing more v1 cannot read and lists it as outdated', async () => {
    const bob = new TestReplica('bob', (await TestPerson.create('bob')).id, {
      friends: [alice.id],
    });
    await bob.engine.ingestor.ingest(alice.log.map((e) => e.bytes));
    const network = new MemoryNetwork();
    const [tb, old] = network.connect('bob', 'old');
    const received: Uint8Array[] = [];
    old.onMessage((m) => received.push(m));
    const session = bob.engine.attach(tb, 'carol/old-phone');
    let told = 0;
    bob.engine.onSessions(() => told++);
    // The landed code's hello, wanting everything Bob holds.
    await old.send(landed.encodeHello([{ author: alice.id, mode: 'full' }]));
    await waitFor(() => session.closed);

    expect(session.progress.closed).toMatchObject({ reason: 'peer-outdated', detail: 'version 1' });
    // Bob's own hello went out before he knew (v1 refuses it, harmlessly); after the v1 hello
    // at most a bye (best effort: the transport closes right behind it), which v1 reads: no
    // have, no entries.
    const [hello, ...after] = received.map(landedReads);
    expect(hello).toBe('refused:unsupported-version');
    expect(after.filter((type) => type !== 'bye')).toEqual([]);
    expect(bob.engine.outdatedRemotes).toEqual(new Set(['carol/old-phone']));
    expect(told).toBeGreaterThan(0);

    // The same device back with a current Kith: no longer outdated.
    const [tb2, updated] = network.connect('bob', 'updated');
    bob.engine.attach(tb2, 'carol/old-phone');
    await updated.send(encodeHello([{ author: alice.id, mode: 'full' }]));
    await waitFor(() => bob.engine.outdatedRemotes.size === 0);
  });

  it('a peer of version 2 (whose entries cannot list their blobs) is met as outdated too', async () => {
    // Version 2 refuses an entry carrying a blob list (`bad-payload-kind`) as forged; so v3 and v2
    // do not sync at all, and the UI asks for an update, as with v1.
    const bob = new TestReplica('bob', (await TestPerson.create('bob')).id, {
      friends: [alice.id],
    });
    const network = new MemoryNetwork();
    const [tb, old] = network.connect('bob', 'v2');
    const session = bob.engine.attach(tb, 'carol/v2-phone');
    const hello = encodeHello([{ author: alice.id, mode: 'full' }]);
    expect(hello[1]).toBe(SYNC_PROTOCOL_VERSION);
    hello[1] = 2;
    await old.send(hello);
    await waitFor(() => session.closed);
    expect(session.progress.closed).toMatchObject({ reason: 'peer-outdated', detail: 'version 2' });
    expect(bob.engine.outdatedRemotes).toEqual(new Set(['carol/v2-phone']));
  });
});
