/**
 * The mesh benchmark's page: one person's network core (Kith's signaling client, connection
 * manager over simple-peer's browser bundle, data channel transport) and sync engine, in headless
 * Chromium, plus a plain `RTCPeerConnection` pair for the raw baseline. It only measures and
 * returns figures; `bench/mesh.ts` relays the raw channel's offer and answer, bounds every call
 * in time and prints the results.
 */
import SimplePeer from 'simple-peer/simplepeer.min.js';
import { fromBase64Url, randomBytes } from '../../src/core/bytes.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { VerifiedEntry } from '../../src/core/feed/entry-verifier.ts';
import { issueDeviceCertificate } from '../../src/core/identity/device-certificate.ts';
import { deviceKeyFromSeed, identityFromSeed } from '../../src/core/identity/keys.ts';
import { defaultVerifier } from '../../src/core/identity/verifier.ts';
import { parsePersonId } from '../../src/core/ids.ts';
import { deviceSigner, type DeviceSigner } from '../../src/core/net/signal-auth.ts';
import {
  ConnectionManager,
  type FriendLink,
  type PeerConnection,
  type SimplePeerConstructor,
} from '../../src/core/net/connection-manager.ts';
import { DataChannelTransport } from '../../src/core/net/data-channel-transport.ts';
import { SignalingClient } from '../../src/core/net/signaling-client.ts';
import { IdbStorageAdapter } from '../../src/core/store/idb-storage-adapter.ts';
import { MemoryStorageAdapter } from '../../src/core/store/memory-storage-adapter.ts';
import type { StorageAdapter } from '../../src/core/store/storage-adapter.ts';
import { EntryVerifier } from '../../src/core/feed/entry-verifier.ts';
import { browserEntryChecker } from '../../src/core/feed/browser-entry-checker.ts';
import { WorkerEntryChecker } from '../../src/core/feed/worker-entry-checker.ts';
import { Ingestor } from '../../src/core/sync/ingest.ts';
import { SyncEngine } from '../../src/core/sync/sync-engine.ts';
import { TestPerson } from '../../src/core/sync/test-helpers.ts';
import type { Arrived, KithMesh, StoreKind } from './api.ts';

/** Payload size of benchmark entries: a short post's encrypted Yjs update is about this big. */
const PAYLOAD_BYTES = 200;
/** Raw pieces: the data channel transport's own piece size. */
const RAW_PIECE = 256 * 1024;
/** Raw pacing, the transport's defaults: pause above 1 MiB buffered, resume below 256 KiB. */
const RAW_HIGH_WATER = 1024 * 1024;
const RAW_LOW_WATER = 256 * 1024;
const IDB_NAME = 'bench-mesh-sync';
const FLOOR_IDB_NAME = 'bench-mesh-floor';

function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolves when `check()` returns a value, polling every 5 ms; rejects after `timeoutMs`. */
async function poll<T>(what: string, timeoutMs: number, check: () => T | undefined): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function closeChecker(checker: ReturnType<typeof browserEntryChecker> | undefined): void {
  if (checker instanceof WorkerEntryChecker) checker.close();
}

function deleteDb(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error ?? new Error(`could not delete ${name}`));
    request.onblocked = () => reject(new Error(`deleting ${name} is blocked`));
  });
}

let person: TestPerson | undefined;
let log: VerifiedEntry[] = [];
let manager: ConnectionManager | undefined;
let connection: PeerConnection | undefined;
let maxHeld = 0;
const friendLinks: FriendLink[] = [];

let rawPc: RTCPeerConnection | undefined;
let rawChannel: RTCDataChannel | undefined;
let rawReceived = 0;
let rawWaiter: { target: number; done: (at: Arrived) => void } | undefined;

let engine: SyncEngine | undefined;
let engineChecker: ReturnType<typeof browserEntryChecker> | undefined;
let store: StorageAdapter | undefined;
let storeKind: StoreKind = 'memory';
let stored = 0;
let syncWaiter: { target: number; done: (at: Arrived) => void } | undefined;
let floorEntries: Uint8Array[] | undefined;

/** Waits until ICE gathering is over, so the description carries every candidate. */
async function complete(pc: RTCPeerConnection): Promise<string> {
  await poll('ICE gathering', 30_000, () =>
    pc.iceGatheringState === 'complete' ? true : undefined,
  );
  return JSON.stringify(pc.localDescription);
}

function rawListen(channel: RTCDataChannel): void {
  rawChannel = channel;
  channel.binaryType = 'arraybuffer';
  channel.bufferedAmountLowThreshold = RAW_LOW_WATER;
  channel.onmessage = (event: MessageEvent<ArrayBuffer>) => {
    rawReceived += event.data.byteLength;
    if (rawWaiter && rawReceived >= rawWaiter.target) {
      rawWaiter.done({ endAt: now(), count: rawReceived });
      rawWaiter = undefined;
    }
  };
}

/**
 * The signer of this page's device: a device of the page's `TestPerson` when there is one and
 * no seed is given, else the device of seed `deviceSeed` certified by identity `identitySeed`
 * (so a friend keeps one device across its page's lives).
 */
async function signerOf(identitySeed?: string, deviceSeed?: string): Promise<DeviceSigner> {
  if (person && identitySeed === undefined && deviceSeed === undefined) {
    return deviceSigner(person.device);
  }
  const identity = await identityFromSeed(
    identitySeed ? fromBase64Url(identitySeed) : randomBytes(32),
  );
  const key = await deviceKeyFromSeed(deviceSeed ? fromBase64Url(deviceSeed) : randomBytes(32));
  const certificate = await issueDeviceCertificate(identity, {
    deviceKey: key.publicKey,
    role: 'device',
    issuedAt: Date.now(),
  });
  return deviceSigner({ key, certificate, yjsClientId: 0 });
}

window.kithMesh = {
  async makePerson(entries) {
    person = await TestPerson.create('bench');
    const start = performance.now();
    log = await person.append(entries, { payloadBytes: PAYLOAD_BYTES });
    return {
      person: person.id,
      entries: log.length,
      bytes: log.reduce((sum, e) => sum + e.bytes.byteLength, 0),
      signMs: performance.now() - start,
    };
  },

  async startMesh({ signalingUrl, identitySeed, deviceSeed, maxConnections }) {
    if (manager) throw new Error('startMesh() was already called');
    const self = await signerOf(identitySeed, deviceSeed);
    const signaling = new SignalingClient({ url: signalingUrl, WebSocket });
    signaling.start();
    const SP: SimplePeerConstructor = SimplePeer;
    manager = new ConnectionManager({
      self,
      verifier: defaultVerifier,
      signaling,
      SimplePeer: SP,
      clock: systemClock,
      ...(maxConnections === undefined ? {} : { maxConnections }),
    });
    const created = manager;
    const sample = () => {
      maxHeld = Math.max(maxHeld, created.connectionCount);
    };
    setInterval(sample, 20);
    manager.onStateChange(sample);
    manager.onConnection((c) => {
      connection = c;
      sample();
    });
    manager.start();
    return { person: self.certificate.person, device: self.certificate.device };
  },

  async befriend({ person: friend, pairwiseSecret }) {
    if (!manager) throw new Error('startMesh() first');
    friendLinks.push({
      person: parsePersonId(friend),
      pairwiseSecret: fromBase64Url(pairwiseSecret),
    });
    await manager.setFriends(friendLinks);
  },

  async connected(timeoutMs) {
    const c = await poll('a manager connection', timeoutMs, () =>
      connection?.transport.open ? connection : undefined,
    );
    return { pieceSize: c.transport instanceof DataChannelTransport ? c.transport.pieceSize : 0 };
  },

  connections() {
    return {
      created: manager?.connectionsCreated ?? 0,
      maxHeld,
      held: manager?.connectionCount ?? 0,
    };
  },

  async rawOffer() {
    rawPc = new RTCPeerConnection({ iceServers: [] });
    rawListen(rawPc.createDataChannel('raw'));
    await rawPc.setLocalDescription(await rawPc.createOffer());
    return complete(rawPc);
  },

  async rawAnswer(offer) {
    rawPc = new RTCPeerConnection({ iceServers: [] });
    rawPc.ondatachannel = (event) => rawListen(event.channel);
    await rawPc.setRemoteDescription(JSON.parse(offer) as RTCSessionDescriptionInit);
    await rawPc.setLocalDescription(await rawPc.createAnswer());
    return complete(rawPc);
  },

  async rawAccept(answer) {
    if (!rawPc) throw new Error('rawOffer() first');
    await rawPc.setRemoteDescription(JSON.parse(answer) as RTCSessionDescriptionInit);
  },

  async rawOpened(timeoutMs) {
    await poll('the raw channel', timeoutMs, () =>
      rawChannel?.readyState === 'open' ? true : undefined,
    );
  },

  rawExpect(bytes, timeoutMs) {
    const target = rawReceived + bytes;
    return new Promise<Arrived>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`raw: ${rawReceived} of ${target} bytes in ${timeoutMs} ms`)),
        timeoutMs,
      );
      rawWaiter = {
        target,
        done: (at) => {
          clearTimeout(timer);
          resolve({ ...at, count: at.count - (target - bytes) });
        },
      };
    });
  },

  async rawSend() {
    const channel = rawChannel;
    if (channel?.readyState !== 'open') throw new Error('the raw channel is not open');
    const total = log.reduce((sum, e) => sum + e.bytes.byteLength, 0);
    const all = new Uint8Array(total);
    let at = 0;
    for (const e of log) {
      all.set(e.bytes, at);
      at += e.bytes.byteLength;
    }
    const startAt = now();
    let pieces = 0;
    for (let offset = 0; offset < total; offset += RAW_PIECE) {
      while (channel.bufferedAmount > RAW_HIGH_WATER) {
        await new Promise<void>((resolve) => {
          channel.addEventListener('bufferedamountlow', () => resolve(), { once: true });
        });
      }
      channel.send(all.subarray(offset, Math.min(total, offset + RAW_PIECE)));
      pieces++;
    }
    return { startAt, bytes: total, pieces };
  },

  async syncPrepare(kind, friend) {
    if (!person) throw new Error('makePerson() first');
    storeKind = kind;
    if (kind === 'idb') {
      await deleteDb(IDB_NAME);
      store = await IdbStorageAdapter.open({ indexedDB, name: IDB_NAME });
    } else {
      store = new MemoryStorageAdapter();
    }
    if (log.length > 0) await store.putEntries(log);
    stored = 0;
    // The app's checker (`node.ts`): fresh checking workers, so the figure is the app's path.
    engineChecker = browserEntryChecker();
    engine = new SyncEngine({
      store,
      self: person.id,
      friends: [parsePersonId(friend)],
      verifier: new EntryVerifier({ checker: engineChecker }),
    });
    engine.ingestor.onStored((entries) => {
      stored += entries.length;
      if (syncWaiter && stored >= syncWaiter.target) {
        syncWaiter.done({ endAt: now(), count: stored });
        syncWaiter = undefined;
      }
    });
  },

  syncAttach() {
    if (!engine || !connection?.transport.open) throw new Error('no engine or no connection');
    const at = now();
    engine.attach(connection.transport, 'friend');
    return at;
  },

  syncExpect(entries, timeoutMs) {
    return new Promise<Arrived>((resolve, reject) => {
      if (stored >= entries) {
        resolve({ endAt: now(), count: stored });
        return;
      }
      const timer = setTimeout(
        () => reject(new Error(`sync: ${stored} of ${entries} entries in ${timeoutMs} ms`)),
        timeoutMs,
      );
      syncWaiter = {
        target: entries,
        done: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
    });
  },

  async floorPrepare() {
    if (!store || storeKind !== 'idb') throw new Error('after an IndexedDB sync only');
    // The entries this sync stored, read back for the floor (apart, so that the CPU time the
    // script reads around the floor is the floor's alone).
    const entries = [];
    for (const summary of await store.listLogs()) {
      const end = summary.ranges.at(-1)?.end ?? 0;
      entries.push(...(await store.getEntries(summary.author, summary.device, 1, end)));
    }
    floorEntries = entries.map((e) => e.bytes);
    await deleteDb(FLOOR_IDB_NAME);
  },

  async ingestFloor() {
    const entries = floorEntries;
    if (!entries) throw new Error('floorPrepare() first');
    floorEntries = undefined;
    // Verified and stored alone into a fresh database by a fresh ingestor (cold certificate
    // cache, fresh checking workers, as the sync's), as one batch: the ingest floor.
    const floorStore = await IdbStorageAdapter.open({ indexedDB, name: FLOOR_IDB_NAME });
    const checker = browserEntryChecker();
    try {
      const ingestor = new Ingestor(floorStore, new EntryVerifier({ checker }));
      const start = performance.now();
      const report = await ingestor.ingest(entries);
      const ms = performance.now() - start;
      return { ms, count: report.accepted.length };
    } finally {
      closeChecker(checker);
      await floorStore.close();
      await deleteDb(FLOOR_IDB_NAME);
    }
  },

  async syncClose() {
    engine?.close();
    engine = undefined;
    closeChecker(engineChecker);
    engineChecker = undefined;
    await store?.close();
    store = undefined;
    if (storeKind === 'idb') await deleteDb(IDB_NAME);
  },
} satisfies KithMesh;
