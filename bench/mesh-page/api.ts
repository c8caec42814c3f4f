/**
 * What the mesh benchmark page (`index.html`, `main.ts`) offers to `bench/mesh.ts`, which calls
 * it through `page.evaluate` as `window.kithMesh`. Shared by both sides so that a change to one
 * is a type error in the other. Times are absolute (`performance.timeOrigin + now()`), so that
 * two pages' times can be subtracted.
 */

/** Which store a sync replica uses. */
export type StoreKind = 'memory' | 'idb';

/** Alice's log, made in the page. */
export interface LogMade {
  /** Alice's person id (base64url). */
  readonly person: string;
  readonly entries: number;
  /** Sum of the entries' encoded sizes: what the raw transfer carries. */
  readonly bytes: number;
  /** Milliseconds the signing took. */
  readonly signMs: number;
}

/** How a page's network core is started. */
export interface MeshStart {
  readonly signalingUrl: string;
  /** Identity seed (base64url, 32 bytes); default: this page's `TestPerson`, else random. */
  readonly identitySeed?: string;
  /** Device key seed (base64url, 32 bytes), certified by the identity; default: random. */
  readonly deviceSeed?: string;
  readonly maxConnections?: number;
}

/** One raw transfer, as each side saw it. */
export interface RawSent {
  readonly startAt: number;
  readonly bytes: number;
  readonly pieces: number;
}

/** The receiving side of a raw transfer or a sync. */
export interface Arrived {
  readonly endAt: number;
  /** Bytes (raw) or entries (sync) received. */
  readonly count: number;
}

/** The functions the page exposes. */
export interface KithMesh {
  /** Makes this page's person (`TestPerson`); with `entries > 0` also signs that many entries. */
  makePerson(entries: number): Promise<LogMade>;
  /** Starts the signaling client and the connection manager. */
  startMesh(options: MeshStart): Promise<{ person: string; device: string }>;
  /** Adds a friend (friends accumulate). */
  befriend(options: { person: string; pairwiseSecret: string }): Promise<void>;
  /** Resolves once a manager connection is open, with its piece size. */
  connected(timeoutMs: number): Promise<{ pieceSize: number }>;
  /** RTCPeerConnections this page's manager created, and the most it held at once. */
  connections(): { created: number; maxHeld: number; held: number };
  /** Raw channel, offering side: a complete (non-trickle) offer. */
  rawOffer(): Promise<string>;
  /** Raw channel, answering side: takes the offer, returns a complete answer. */
  rawAnswer(offer: string): Promise<string>;
  /** Raw channel, offering side: takes the answer. */
  rawAccept(answer: string): Promise<void>;
  /** Resolves once the raw channel is open on this side. */
  rawOpened(timeoutMs: number): Promise<void>;
  /** Receiver: resolves once `bytes` more bytes arrived on the raw channel. */
  rawExpect(bytes: number, timeoutMs: number): Promise<Arrived>;
  /** Sender: the log's bytes, concatenated, in 256 KiB pieces paced by `bufferedAmount`. */
  rawSend(): Promise<RawSent>;
  /** Makes this side's store (Alice's holds her log) and sync engine, not yet attached. */
  syncPrepare(store: StoreKind, friend: string): Promise<void>;
  /** Attaches the engine to the manager connection; resolves with when. */
  syncAttach(): number;
  /** Receiver: resolves once `entries` entries are verified and stored. */
  syncExpect(entries: number, timeoutMs: number): Promise<Arrived>;
  /** After an IndexedDB sync, on the receiver: reads back what it stored, for `ingestFloor`. */
  floorPrepare(): Promise<void>;
  /**
   * Those entries verified and stored again alone into a fresh database by a fresh ingestor, in
   * one batch (the ingest floor).
   */
  ingestFloor(): Promise<{ ms: number; count: number }>;
  /** Closes the engine and the store. */
  syncClose(): Promise<void>;
}

declare global {
  interface Window {
    /** Set by the benchmark page once its module has loaded. */
    kithMesh?: KithMesh;
  }
}
