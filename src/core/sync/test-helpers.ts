/**
 * People, logs and replicas for sync tests: real identities, real signed entries, the in-memory
 * store and network. Not used by the app.
 */
import { ManualClock } from '../clock.ts';
import { signEntry, type VerifiedEntry } from '../feed/entry-verifier.ts';
import { EntryVerifier } from '../feed/entry-verifier.ts';
import type { PayloadKind } from '../feed/entry-codec.ts';
import { createIdentity, startNewDevice, type DeviceSession } from '../identity/device-setup.ts';
import type { Identity } from '../identity/keys.ts';
import { issueDeviceRevocation } from '../identity/revocation.ts';
import { parseDocId, personIdFromKey, type EntryHash, type PersonId } from '../ids.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import type { StoredEntry } from '../store/storage-adapter.ts';
import type { MemoryNetwork } from '../net/memory-network.ts';
import { decodeSyncMessage, type RequestMessage } from './messages.ts';
import { SyncEngine, type SyncEngineOptions } from './sync-engine.ts';
import type { SyncSession } from './sync-session.ts';
import type { Transport } from './transport.ts';

/** One verifier for all test replicas: its certificate cache is shared, as in one process. */
export const sharedVerifier = new EntryVerifier();

/** A person with one device and its log, appending signed entries. */
export class TestPerson {
  /** Every entry this device signed, in order (index = seq - 1). */
  readonly log: VerifiedEntry[] = [];

  private constructor(
    readonly name: string,
    readonly identity: Identity,
    readonly device: DeviceSession,
    private readonly clock: ManualClock,
  ) {}

  /** A new person (new identity, new device). */
  static async create(name: string): Promise<TestPerson> {
    const clock = new ManualClock(1_700_000_000_000);
    // Tests here hand-craft entries dated years after this clock: a certificate that covers them.
    const { identity, device } = await createIdentity({
      clock,
      expiresAt: Number.MAX_SAFE_INTEGER,
    });
    return new TestPerson(name, identity, device, clock);
  }

  /** The person's id. */
  get id(): PersonId {
    return personIdFromKey(this.identity.publicKey);
  }

  /** Hash of the newest entry, if any. */
  get head(): EntryHash | undefined {
    return this.log.at(-1)?.hash;
  }

  /**
   * Signs `count` new entries of `payloadBytes` bytes each (post docs unless `docId` says
   * otherwise) and returns them.
   */
  async append(
    count: number,
    options: { docId?: string; payloadBytes?: number; payloadKind?: PayloadKind } = {},
  ): Promise<VerifiedEntry[]> {
    const out: VerifiedEntry[] = [];
    for (let i = 0; i < count; i++) {
      const payload = new Uint8Array(options.payloadBytes ?? 64).fill((this.log.length + 1) & 0xff);
      out.push(await this.appendPayload(this.device, this.log, payload, options));
    }
    return out;
  }

  /**
   * A lost phone: a second device of this person signs `count` entries, then this device revokes
   * it, keeping its first `keep` (the revocation is the next entry of this person's log).
   */
  async loseDevice(
    count: number,
    keep: number,
  ): Promise<{ device: DeviceSession; log: VerifiedEntry[]; revocation: VerifiedEntry }> {
    const device = await startNewDevice(this.identity, {
      clock: this.clock,
      expiresAt: Number.MAX_SAFE_INTEGER,
    });
    const log: VerifiedEntry[] = [];
    for (let i = 0; i < count; i++) {
      await this.appendPayload(device, log, new Uint8Array(64).fill(i & 0xff), {});
    }
    const record = await issueDeviceRevocation(this.identity, {
      deviceKey: device.key.publicKey,
      revokedAt: this.clock.now(),
      lastValidSeq: keep,
    });
    const revocation = await this.appendPayload(this.device, this.log, record.bytes, {
      docId: 'revocations',
      payloadKind: 'key-record',
    });
    return { device, log, revocation };
  }

  private async appendPayload(
    device: DeviceSession,
    log: VerifiedEntry[],
    payload: Uint8Array,
    options: { docId?: string; payloadKind?: PayloadKind },
  ): Promise<VerifiedEntry> {
    const seq = log.length + 1;
    this.clock.advance(1000);
    const entry = await signEntry(device, {
      seq,
      prev: log.at(-1)?.hash,
      timestamp: this.clock.now(),
      docId: parseDocId(options.docId ?? `post/${String(seq).padStart(22, 'p')}`),
      payloadKind: options.payloadKind ?? 'encrypted',
      payload,
    });
    log.push(entry);
    return entry;
  }
}

/** A replica: a store that survives restarts and an engine that does not. */
export class TestReplica {
  readonly store = new MemoryStorageAdapter();
  engine: SyncEngine;

  constructor(
    readonly name: string,
    readonly self: PersonId,
    private readonly options: Omit<SyncEngineOptions, 'store' | 'self'> = {},
  ) {
    this.engine = this.makeEngine();
  }

  /** Loses memory, keeps the store: a new engine (and ingestor) over the same store. */
  restart(): void {
    this.engine.close();
    this.engine = this.makeEngine();
  }

  /** Seqs held of `person`'s log. */
  async held(person: TestPerson): Promise<number[]> {
    const ranges = await this.store.heldRanges(person.id, person.log[0]!.device);
    const out: number[] = [];
    for (const r of ranges) for (let s = r.start; s <= r.end; s++) out.push(s);
    return out;
  }

  /** Every entry held of `person`'s log. */
  async entriesOf(person: TestPerson): Promise<StoredEntry[]> {
    return this.store.getEntries(person.id, person.log[0]!.device, 1, Number.MAX_SAFE_INTEGER);
  }

  private makeEngine(): SyncEngine {
    return new SyncEngine({
      verifier: sharedVerifier,
      ...this.options,
      store: this.store,
      self: this.self,
    });
  }
}

/** Waits (polling macrotasks, bounded) until `done()` holds. */
export async function waitFor(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!done()) {
    if (Date.now() - start > timeoutMs) throw new Error('waitFor: condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * Waits until every engine is idle and the network has carried nothing new for a few polls
 * (verification runs on WebCrypto's threads, so idleness is checked across macrotasks).
 */
export async function settle(
  engines: readonly SyncEngine[],
  network: { stats: { delivered: number } },
  timeoutMs = 20_000,
): Promise<void> {
  const start = Date.now();
  let quiet = 0;
  let seen = -1;
  while (quiet < 3) {
    if (Date.now() - start > timeoutMs) throw new Error('settle: replicas never went idle');
    await new Promise((resolve) => setTimeout(resolve, 2));
    const delivered = network.stats.delivered;
    if (delivered === seen && engines.every((e) => e.idle)) quiet++;
    else quiet = 0;
    seen = delivered;
  }
}

/**
 * A slow link over `inner`: each send resolves only on a later task, as a data channel's does
 * when its buffer is full, so a sender that awaits its sends moves one message per task.
 */
export function paced(inner: Transport): Transport {
  return {
    get maxMessageSize() {
      return inner.maxMessageSize;
    },
    get open() {
      return inner.open;
    },
    async send(message) {
      await inner.send(message);
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
    onMessage: (handler) => inner.onMessage(handler),
    onClose: (handler) => inner.onClose(handler),
    close: (reason) => inner.close(reason),
  };
}

/**
 * A peer the test plays by hand, linked to `engine` (named `self` on the network) as `name`:
 * the engine's session with it, the peer's end of the link, and every request the engine sent it.
 */
export function scriptedPeer(
  network: MemoryNetwork,
  engine: SyncEngine,
  self: string,
  name: string,
): { session: SyncSession; peer: Transport; requests: RequestMessage[] } {
  const [toEngine, peer] = network.connect(self, name);
  const requests: RequestMessage[] = [];
  peer.onMessage((bytes) => {
    const message = decodeSyncMessage(bytes);
    if (message.type === 'request') requests.push(message);
  });
  return { session: engine.attach(toEngine, name), peer, requests };
}
