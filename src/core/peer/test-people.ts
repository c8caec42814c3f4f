/**
 * Test helpers for the peer layer: real people (identities, devices, stores, ingestors, peers)
 * and a way to hand one store's entries to another as a sync would, through the real
 * verifying ingest.
 */
import { ManualClock } from '../clock.ts';
import type { PayloadKind } from '../feed/entry-codec.ts';
import { EntryVerifier, signEntry, type VerifiedEntry } from '../feed/entry-verifier.ts';
import { createIdentity, startNewDevice, type DeviceSession } from '../identity/device-setup.ts';
import type { Identity } from '../identity/keys.ts';
import type { DocId, PersonId } from '../ids.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import type { StorageAdapter } from '../store/storage-adapter.ts';
import { Ingestor } from '../sync/ingest.ts';
import { bytesEqual, randomBytes, utf8 } from '../bytes.ts';
import { deviceSecret, keysOfGeneration } from '../crypto/key-generation-record.ts';
import { linkedKeys } from '../identity/person-keys.ts';
import type { HeldConversation } from '../kinds/conversation-port.ts';
import { ConversationKeys } from './conversation-keys.ts';
import { parseConversationKey, type ConversationKey } from './messaging.ts';
import { Peer } from './peer.ts';

/** A person with one device, in memory. */
export interface TestPerson {
  readonly name: string;
  readonly id: PersonId;
  readonly identity: Identity;
  readonly device: DeviceSession;
  readonly store: StorageAdapter;
  readonly ingestor: Ingestor;
  readonly peer: Peer;
}

/** One clock for everyone in a test, moved forward by each write that wants a distinct time. */
export const testClock = new ManualClock(1_750_000_000_000);

/** Makes a person with a fresh identity and an empty in-memory store. */
export async function makePerson(name: string): Promise<TestPerson> {
  const store = new MemoryStorageAdapter();
  const { identity, device } = await createIdentity({ clock: testClock });
  const ingestor = new Ingestor(store, new EntryVerifier());
  const peer = await Peer.open({ store, identity, device, pipeline: ingestor, clock: testClock });
  return { name, id: identity.personId, identity, device, store, ingestor, peer };
}

/** Another device of `person`: same identity, its own device key, store and log. */
export async function secondDevice(person: TestPerson, name: string): Promise<TestPerson> {
  const store = new MemoryStorageAdapter();
  const device = await startNewDevice(person.identity, { clock: testClock });
  const ingestor = new Ingestor(store, new EntryVerifier());
  const peer = await Peer.open({
    store,
    identity: person.identity,
    device,
    pipeline: ingestor,
    clock: testClock,
  });
  return { ...person, name, device, store, ingestor, peer };
}

/**
 * A device linked to `person` at key generation 0, as the link bundle hands it its keys (never
 * the seed): removing a device moves the person's keys on without it.
 */
export async function linkedDevice(person: TestPerson, name: string): Promise<TestPerson> {
  const store = new MemoryStorageAdapter();
  const device = await startNewDevice(person.identity, { clock: testClock });
  const identity = await linkedKeys(person.id, {
    ...keysOfGeneration(person.identity, 0),
    generation: 0,
    deviceSecret: deviceSecret(person.identity.seed, device.key.deviceId),
    earlier: [],
  });
  const ingestor = new Ingestor(store, new EntryVerifier());
  const peer = await Peer.open({ store, identity, device, pipeline: ingestor, clock: testClock });
  return { ...person, name, device, store, ingestor, peer };
}

/** Makes several people at once, typed as a tuple of the names given. */
export function makePeople<const N extends readonly string[]>(
  ...names: N
): Promise<{ [K in keyof N]: TestPerson }> {
  return Promise.all(names.map((n) => makePerson(n))) as Promise<{ [K in keyof N]: TestPerson }>;
}

/** Makes `a` and `b` friends on both sides, as a completed invite would. */
export async function befriend(a: TestPerson, b: TestPerson): Promise<void> {
  const rendezvous = randomBytes(32);
  await a.peer.addFriend({
    personId: b.id,
    encryptionKey: b.identity.encryptionPublicKey,
    rendezvous,
  });
  await b.peer.addFriend({
    personId: a.id,
    encryptionKey: a.identity.encryptionPublicKey,
    rendezvous,
  });
}

/** Every entry bytes `from` holds of `authors` (all if omitted). */
export async function entriesOf(
  from: TestPerson,
  authors?: readonly PersonId[],
): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const log of await from.store.listLogs()) {
    if (authors && !authors.includes(log.author)) continue;
    for (const range of log.ranges) {
      for (const e of await from.store.getEntries(log.author, log.device, range.start, range.end)) {
        out.push(e.bytes);
      }
    }
  }
  return out;
}

/** Whether any entry `person` holds contains `text` in clear. */
export async function holdsPlaintext(person: TestPerson, text: string): Promise<boolean> {
  const needle = utf8(text);
  for (const bytes of await entriesOf(person)) {
    for (let i = 0; i + needle.length <= bytes.length; i++) {
      if (bytesEqual(bytes.subarray(i, i + needle.length), needle)) return true;
    }
  }
  return false;
}

/**
 * Hands `to` what `from` holds (of `authors`), through `to`'s verifying ingest, and waits until
 * `to`'s views reflect it. Repeats once, since taking in re-published replies can add entries.
 */
export async function handOver(
  from: TestPerson,
  to: TestPerson,
  authors?: readonly PersonId[],
): Promise<void> {
  const report = await to.ingestor.ingest(await entriesOf(from, authors));
  if (report.rejected.length > 0) {
    throw new Error(`honest entries refused: ${report.rejected.map((r) => r.reason).join(', ')}`);
  }
  await to.peer.settled();
}

/** One entry a test signs by hand: what a modified (hostile) client could write. */
export interface HandWrittenEntry {
  readonly docId: DocId;
  readonly payloadKind: PayloadKind;
  readonly payload: Uint8Array;
  /** The signed timestamp; the test clock's time if left out. */
  readonly timestamp?: number;
}

/**
 * Signs `writes` as one chained log of a new device of `person`, bypassing the peer API and its
 * checks: what a modified client of theirs could send.
 */
export async function signOnNewDevice(
  person: TestPerson,
  writes: readonly HandWrittenEntry[],
): Promise<VerifiedEntry[]> {
  const device = await startNewDevice(person.identity, { clock: testClock });
  const out: VerifiedEntry[] = [];
  for (const write of writes) {
    out.push(
      await signEntry(device, {
        seq: out.length + 1,
        prev: out.at(-1)?.hash,
        timestamp: write.timestamp ?? testClock.now(),
        docId: write.docId,
        payloadKind: write.payloadKind,
        payload: write.payload,
      }),
    );
  }
  return out;
}

/** The newest epoch `person` holds of a conversation (its key, holder and members). */
export async function heldBy(person: TestPerson, key: ConversationKey): Promise<HeldConversation> {
  const { starter, id } = parseConversationKey(key);
  const keys = new ConversationKeys(person.store, person.id, undefined as never, () => null);
  const held = await keys.newest(starter, id);
  if (!held) throw new Error(`${person.name} holds no epoch of it`);
  return held;
}

/** `person`'s device opened again over the same store, as a reloaded page does. */
export function reopen(person: TestPerson): Promise<Peer> {
  return Peer.open({
    store: person.store,
    identity: person.identity,
    device: person.device,
    pipeline: person.ingestor,
    clock: testClock,
  });
}
