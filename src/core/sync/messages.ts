/**
 * The sync wire messages (docs/protocol.md, "Sync", is the reference), one encoder and one
 * decoder each, binary with lib0.
 *
 * Flow between two peers A and B on one transport (both sides run the same steps):
 *
 *   A -> B  hello    {version, wants}   the authors A replicates, in full or as a recent window;
 *                                       sent again whenever A's interest changes
 *   B -> A  have     {logs}             for each author A wants, the logs B holds and their seq
 *                                       ranges (several messages if large)
 *   A -> B  request  {reqId, log, ranges, order, budget, pins}
 *                                       what A lacks of one log: for a log A already holds, the
 *                                       seqs above its newest, ascending; for a log A meets for
 *                                       the first time, everything, newest first, within a byte
 *                                       budget (with the author's pins); older gaps later,
 *                                       newest first, in budget pages (idle time or on demand)
 *   B -> A  entries  {reqId, last, pins, entries}
 *                                       the answer, batched under the transport's limit; the
 *                                       final message of an answer carries `last`
 *   B -> A  entries  {reqId: 0, entries}  a live push of newly stored entries of a wanted author
 *   either  bye      {reason}           why the sender is closing (malformed input, too many
 *                                       invalid entries ...), just before it closes
 *
 * Blobs (photos: content-addressed, ciphertext when private, so any holder relays them blind):
 *
 *   A -> B  blob-want     {ids}         blobs A lacks (a few at a time)
 *   B -> A  blob-chunk    {id, offset, total, bytes}
 *                                       B holds the blob: its bytes in order, in chunks
 *   B -> A  blob-missing  {id}          B does not hold it: A asks another peer
 *
 * Every message starts with its type byte. Decoding is strict: hard limits on size and counts,
 * minimal varuints, exact lengths, no trailing bytes; anything else throws `SyncMessageError`
 * with a machine-readable reason, and the session that got it disconnects that peer.
 */
import * as encoding from 'lib0/encoding';
import { ByteReadError, ByteReader } from '../bytes.ts';
import { MAX_ENTRY_BYTES, MAX_SEQ } from '../feed/entry-codec.ts';
import { fromBase64Url, toBase64Url } from '../bytes.ts';
import { MAX_BLOB_BYTES, type BlobId } from '../crypto/blobs.ts';
import type { SeqRange } from '../feed/seq-ranges.ts';
import {
  deviceIdFromKey,
  deviceIdToKey,
  logKey,
  personIdFromKey,
  personIdToKey,
  type DeviceId,
  type PersonId,
} from '../ids.ts';

/**
 * Version of the sync protocol this code speaks, carried by `hello`. 2: entries v2 (an entry may
 * travel without its payload, `feed/entry-codec.ts`), which version 1 cannot read. 3: a v2 entry
 * may list the ciphertext blobs it references (the payload kind's blob flag), which version 2
 * refuses as malformed.
 */
export const SYNC_PROTOCOL_VERSION = 3;
/**
 * The oldest version whose `hello` is still decoded (its layout is the same): only so that the
 * session can tell its peer runs an older Kith (`peer-outdated`) rather than a broken one.
 */
export const OLDEST_KNOWN_SYNC_VERSION = 1;

/** Hard limits of the decoder: what an untrusted peer may make this side parse. */
export interface SyncLimits {
  /** Largest message, in bytes. */
  readonly maxMessageBytes: number;
  /** Most authors in one `hello`. */
  readonly maxWants: number;
  /** Most logs in one `have`. */
  readonly maxLogsPerMessage: number;
  /** Most ranges for one log (in `have` and `request`). */
  readonly maxRangesPerLog: number;
  /** Most ranges in one message, all logs together. */
  readonly maxRangesPerMessage: number;
  /** Most entries in one `entries`. */
  readonly maxEntriesPerMessage: number;
  /** Largest byte budget a `request` may ask for. */
  readonly maxBudgetBytes: number;
  /** Longest `bye` reason, in UTF-8 bytes. */
  readonly maxReasonBytes: number;
  /** Most blob ids in one `blob-want`. */
  readonly maxBlobWants: number;
  /** Largest chunk of a `blob-chunk`, in bytes. */
  readonly maxBlobChunkBytes: number;
}

/** The limits every Kith peer applies. */
export const SYNC_LIMITS: SyncLimits = {
  maxMessageBytes: 1024 * 1024,
  maxWants: 4096,
  maxLogsPerMessage: 1024,
  maxRangesPerLog: 256,
  maxRangesPerMessage: 4096,
  maxEntriesPerMessage: 4096,
  maxBudgetBytes: 16 * 1024 * 1024,
  maxReasonBytes: 256,
  maxBlobWants: 64,
  maxBlobChunkBytes: 256 * 1024,
};

/** How much of an author's logs a peer replicates. */
export type WantMode = 'full' | 'window';

/** One author a peer replicates. */
export interface Want {
  readonly author: PersonId;
  readonly mode: WantMode;
}

/** What a peer holds of one log. */
export interface LogHave {
  readonly author: PersonId;
  readonly device: DeviceId;
  /** Ascending, disjoint, non-adjacent, not empty. */
  readonly ranges: readonly SeqRange[];
}

/** `hello`: protocol version and the authors the sender replicates. */
export interface HelloMessage {
  readonly type: 'hello';
  /** `SYNC_PROTOCOL_VERSION`, or an older one still known (the session then closes). */
  readonly version: number;
  readonly wants: readonly Want[];
}

/** `have`: the sender's seq ranges of logs of authors the receiver wants. */
export interface HaveMessage {
  readonly type: 'have';
  readonly logs: readonly LogHave[];
}

/** `request`: entries of one log the sender lacks. */
export interface RequestMessage {
  readonly type: 'request';
  /** Chosen by the requester, 1 .. 2^32 - 1; echoed by the answer. */
  readonly reqId: number;
  readonly author: PersonId;
  readonly device: DeviceId;
  /** The seqs wanted, ascending, not empty. */
  readonly ranges: readonly SeqRange[];
  /** Order of the answer: oldest first, or newest first (recent first). */
  readonly order: 'ascending' | 'descending';
  /** The answer stops after the entry that brings its size to this many bytes. */
  readonly budgetBytes: number;
  /** Also send the author's pins (latest entry of each small mutable doc, key records). */
  readonly pins: boolean;
}

/** `entries`: an answer (reqId > 0) or a live push (reqId 0), original signed bytes. */
export interface EntriesMessage {
  readonly type: 'entries';
  readonly reqId: number;
  /** The final message of the answer to `reqId`. */
  readonly last: boolean;
  /** These entries are the author's pins, outside the answer's ranges and budget. */
  readonly pins: boolean;
  /**
   * Decoded: views into the received message, not copies (decoding an entry makes its own
   * private copy, and a verifier's worker is sent one buffer per message, not one per entry).
   */
  readonly entries: readonly Uint8Array[];
}

/** `bye`: why the sender closes. */
export interface ByeMessage {
  readonly type: 'bye';
  readonly reason: string;
}

/** `blob-want`: blobs the sender lacks and asks the receiver for. */
export interface BlobWantMessage {
  readonly type: 'blob-want';
  /** At least one, none twice. */
  readonly ids: readonly BlobId[];
}

/** `blob-chunk`: a piece of a wanted blob; the pieces of one blob go out in order, back to back. */
export interface BlobChunkMessage {
  readonly type: 'blob-chunk';
  readonly id: BlobId;
  /** Where `bytes` start in the blob. */
  readonly offset: number;
  /** The blob's whole size, 1 .. `MAX_BLOB_BYTES`, the same in every chunk. */
  readonly total: number;
  /** Not empty; `offset + bytes.length <= total`. */
  readonly bytes: Uint8Array;
}

/** `blob-missing`: the sender does not hold a blob that was asked of it. */
export interface BlobMissingMessage {
  readonly type: 'blob-missing';
  readonly id: BlobId;
}

/** Every sync message. */
export type SyncMessage =
  | HelloMessage
  | HaveMessage
  | RequestMessage
  | EntriesMessage
  | ByeMessage
  | BlobWantMessage
  | BlobChunkMessage
  | BlobMissingMessage;

/** Whether `m` is a `hello`. */
export const isHello = (m: SyncMessage): m is HelloMessage => m.type === 'hello';
/** Whether `m` is a `have`. */
export const isHave = (m: SyncMessage): m is HaveMessage => m.type === 'have';
/** Whether `m` is a `request`. */
export const isRequest = (m: SyncMessage): m is RequestMessage => m.type === 'request';
/** Whether `m` is an `entries`. */
export const isEntries = (m: SyncMessage): m is EntriesMessage => m.type === 'entries';
/** Whether `m` is a `bye`. */
export const isBye = (m: SyncMessage): m is ByeMessage => m.type === 'bye';
/** Whether `m` is a `blob-want`. */
export const isBlobWant = (m: SyncMessage): m is BlobWantMessage => m.type === 'blob-want';
/** Whether `m` is a `blob-chunk`. */
export const isBlobChunk = (m: SyncMessage): m is BlobChunkMessage => m.type === 'blob-chunk';
/** Whether `m` is a `blob-missing`. */
export const isBlobMissing = (m: SyncMessage): m is BlobMissingMessage => m.type === 'blob-missing';

/** Why bytes are not a valid sync message. */
export type SyncMessageErrorReason =
  | ByteReadError['reason']
  | 'too-large'
  | 'empty'
  | 'unknown-type'
  | 'unsupported-version'
  | 'too-many-wants'
  | 'duplicate-want'
  | 'bad-mode'
  | 'no-logs'
  | 'too-many-logs'
  | 'duplicate-log'
  | 'no-ranges'
  | 'too-many-ranges'
  | 'seq-out-of-range'
  | 'bad-req-id'
  | 'bad-order'
  | 'bad-flags'
  | 'bad-budget'
  | 'too-many-entries'
  | 'empty-entry'
  | 'no-blobs'
  | 'too-many-blobs'
  | 'duplicate-blob'
  | 'bad-blob-total'
  | 'bad-blob-chunk';

/** Thrown when bytes from a peer are not a valid sync message. */
export class SyncMessageError extends Error {
  override readonly name = 'SyncMessageError';
  /** Machine-readable cause. */
  readonly reason: SyncMessageErrorReason;

  constructor(reason: SyncMessageErrorReason, detail?: string) {
    super(`sync message: ${reason}${detail ? ` (${detail})` : ''}`);
    this.reason = reason;
  }
}

/** Type bytes. */
const TYPE = {
  hello: 1,
  have: 2,
  request: 3,
  entries: 4,
  bye: 5,
  blobWant: 6,
  blobChunk: 7,
  blobMissing: 8,
} as const;
const MODES: readonly WantMode[] = ['full', 'window'];
const ORDERS: readonly RequestMessage['order'][] = ['ascending', 'descending'];
const MAX_REQ_ID = 0xffffffff;
const FLAG_LAST = 1;
const FLAG_PINS = 2;

/** Fixed bytes of an `entries` message before its entries (upper bound), for batching. */
export const ENTRIES_OVERHEAD_BYTES = 1 + 5 + 1 + 3;
/** Bytes an entry adds to an `entries` message beyond its own length (upper bound). */
export const ENTRY_FRAMING_BYTES = 3;
/** Bytes of a `blob-chunk` beyond its chunk (upper bound), for sizing chunks to the transport. */
export const BLOB_CHUNK_OVERHEAD_BYTES = 1 + 32 + 4 + 4 + 3;
/** Bytes of a blob id on the wire: the SHA-256 it names. */
const BLOB_ID_BYTES = 32;

function writeRanges(encoder: encoding.Encoder, ranges: readonly SeqRange[]): void {
  encoding.writeVarUint(encoder, ranges.length);
  let prevEnd = 0;
  ranges.forEach((r, i) => {
    if (r.start < 1 || r.end < r.start || (i > 0 && r.start <= prevEnd + 1)) {
      throw new RangeError('ranges must be ascending, disjoint and non-adjacent');
    }
    encoding.writeVarUint(encoder, i === 0 ? r.start - 1 : r.start - prevEnd - 2);
    encoding.writeVarUint(encoder, r.end - r.start);
    prevEnd = r.end;
  });
}

/** Encodes a `hello`. */
export function encodeHello(wants: readonly Want[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, TYPE.hello);
  encoding.writeUint8(encoder, SYNC_PROTOCOL_VERSION);
  encoding.writeVarUint(encoder, wants.length);
  for (const w of wants) {
    encoding.writeUint8Array(encoder, personIdToKey(w.author));
    encoding.writeUint8(encoder, MODES.indexOf(w.mode));
  }
  return encoding.toUint8Array(encoder);
}

/** Encodes a `have` (at least one log). */
export function encodeHave(logs: readonly LogHave[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, TYPE.have);
  encoding.writeVarUint(encoder, logs.length);
  for (const l of logs) {
    encoding.writeUint8Array(encoder, personIdToKey(l.author));
    encoding.writeUint8Array(encoder, deviceIdToKey(l.device));
    writeRanges(encoder, l.ranges);
  }
  return encoding.toUint8Array(encoder);
}

/** Encodes a `request`. */
export function encodeRequest(m: Omit<RequestMessage, 'type'>): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, TYPE.request);
  encoding.writeVarUint(encoder, m.reqId);
  encoding.writeUint8Array(encoder, personIdToKey(m.author));
  encoding.writeUint8Array(encoder, deviceIdToKey(m.device));
  encoding.writeUint8(encoder, ORDERS.indexOf(m.order));
  encoding.writeUint8(encoder, m.pins ? FLAG_PINS : 0);
  encoding.writeVarUint(encoder, m.budgetBytes);
  writeRanges(encoder, m.ranges);
  return encoding.toUint8Array(encoder);
}

/** Encodes an `entries`. */
export function encodeEntries(m: Omit<EntriesMessage, 'type'>): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, TYPE.entries);
  encoding.writeVarUint(encoder, m.reqId);
  encoding.writeUint8(encoder, (m.last ? FLAG_LAST : 0) | (m.pins ? FLAG_PINS : 0));
  encoding.writeVarUint(encoder, m.entries.length);
  for (const e of m.entries) encoding.writeVarUint8Array(encoder, e);
  return encoding.toUint8Array(encoder);
}

/** Encodes a `bye`; the reason is cut to the limit (at a character boundary). */
export function encodeBye(reason: string): Uint8Array {
  let text = reason;
  while (new TextEncoder().encode(text).length > SYNC_LIMITS.maxReasonBytes) {
    text = text.slice(0, -1);
  }
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, TYPE.bye);
  encoding.writeVarString(encoder, text);
  return encoding.toUint8Array(encoder);
}

function writeBlobId(encoder: encoding.Encoder, id: BlobId): void {
  const hash = fromBase64Url(id);
  if (hash.length !== BLOB_ID_BYTES) throw new RangeError('a blob id names 32 bytes');
  encoding.writeUint8Array(encoder, hash);
}

/** Encodes a `blob-want` (at least one id, none twice). */
export function encodeBlobWant(ids: readonly BlobId[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, TYPE.blobWant);
  encoding.writeVarUint(encoder, ids.length);
  for (const id of ids) writeBlobId(encoder, id);
  return encoding.toUint8Array(encoder);
}

/** Encodes a `blob-chunk`. */
export function encodeBlobChunk(m: Omit<BlobChunkMessage, 'type'>): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, TYPE.blobChunk);
  writeBlobId(encoder, m.id);
  encoding.writeVarUint(encoder, m.offset);
  encoding.writeVarUint(encoder, m.total);
  encoding.writeVarUint8Array(encoder, m.bytes);
  return encoding.toUint8Array(encoder);
}

/** Encodes a `blob-missing`. */
export function encodeBlobMissing(id: BlobId): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, TYPE.blobMissing);
  writeBlobId(encoder, id);
  return encoding.toUint8Array(encoder);
}

/** Decodes untrusted bytes into a sync message; throws `SyncMessageError`. */
export function decodeSyncMessage(
  bytes: Uint8Array,
  limits: SyncLimits = SYNC_LIMITS,
): SyncMessage {
  if (bytes.length > limits.maxMessageBytes) {
    throw new SyncMessageError('too-large', `${bytes.length} > ${limits.maxMessageBytes} bytes`);
  }
  if (bytes.length === 0) throw new SyncMessageError('empty');
  const r = new ByteReader(bytes);
  try {
    const message = decodeBody(r, limits);
    r.end();
    return message;
  } catch (err) {
    if (err instanceof ByteReadError) throw new SyncMessageError(err.reason, err.message);
    throw err;
  }
}

function decodeBody(r: ByteReader, limits: SyncLimits): SyncMessage {
  const type = r.u8();
  switch (type) {
    case TYPE.hello:
      return decodeHello(r, limits);
    case TYPE.have:
      return decodeHave(r, limits);
    case TYPE.request:
      return decodeRequest(r, limits);
    case TYPE.entries:
      return decodeEntriesMessage(r, limits);
    case TYPE.bye:
      return { type: 'bye', reason: r.varString(limits.maxReasonBytes) };
    case TYPE.blobWant:
      return decodeBlobWant(r, limits);
    case TYPE.blobChunk:
      return decodeBlobChunk(r, limits);
    case TYPE.blobMissing:
      return { type: 'blob-missing', id: readBlobId(r) };
    default:
      throw new SyncMessageError('unknown-type', `type ${type}`);
  }
}

function decodeHello(r: ByteReader, limits: SyncLimits): HelloMessage {
  const version = r.u8();
  if (version < OLDEST_KNOWN_SYNC_VERSION || version > SYNC_PROTOCOL_VERSION) {
    throw new SyncMessageError('unsupported-version', `version ${version}`);
  }
  const count = countOf(r, limits.maxWants, 'too-many-wants');
  const wants: Want[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const author = personIdFromKey(r.bytes(32));
    const mode = MODES[r.u8()];
    if (!mode) throw new SyncMessageError('bad-mode');
    if (seen.has(author)) throw new SyncMessageError('duplicate-want');
    seen.add(author);
    wants.push({ author, mode });
  }
  return { type: 'hello', version, wants };
}

function decodeHave(r: ByteReader, limits: SyncLimits): HaveMessage {
  const count = countOf(r, limits.maxLogsPerMessage, 'too-many-logs');
  if (count === 0) throw new SyncMessageError('no-logs');
  const logs: LogHave[] = [];
  const seen = new Set<string>();
  let rangesLeft = limits.maxRangesPerMessage;
  for (let i = 0; i < count; i++) {
    const author = personIdFromKey(r.bytes(32));
    const device = deviceIdFromKey(r.bytes(32));
    const key = logKey(author, device);
    if (seen.has(key)) throw new SyncMessageError('duplicate-log');
    seen.add(key);
    const ranges = readRanges(r, Math.min(limits.maxRangesPerLog, rangesLeft));
    rangesLeft -= ranges.length;
    logs.push({ author, device, ranges });
  }
  return { type: 'have', logs };
}

function decodeRequest(r: ByteReader, limits: SyncLimits): RequestMessage {
  const reqId = r.varUint();
  if (reqId < 1 || reqId > MAX_REQ_ID) throw new SyncMessageError('bad-req-id', `${reqId}`);
  const author = personIdFromKey(r.bytes(32));
  const device = deviceIdFromKey(r.bytes(32));
  const order = ORDERS[r.u8()];
  if (!order) throw new SyncMessageError('bad-order');
  const flags = r.u8();
  if ((flags & ~FLAG_PINS) !== 0) throw new SyncMessageError('bad-flags', `flags ${flags}`);
  const budgetBytes = r.varUint();
  if (budgetBytes < 1 || budgetBytes > limits.maxBudgetBytes) {
    throw new SyncMessageError('bad-budget', `${budgetBytes}`);
  }
  const ranges = readRanges(r, limits.maxRangesPerLog);
  return {
    type: 'request',
    reqId,
    author,
    device,
    ranges,
    order,
    budgetBytes,
    pins: (flags & FLAG_PINS) !== 0,
  };
}

function decodeEntriesMessage(r: ByteReader, limits: SyncLimits): EntriesMessage {
  const reqId = r.varUint();
  if (reqId > MAX_REQ_ID) throw new SyncMessageError('bad-req-id', `${reqId}`);
  const flags = r.u8();
  // A live push (reqId 0) is no answer: it has no last message and carries no pins.
  if ((flags & ~(FLAG_LAST | FLAG_PINS)) !== 0 || (reqId === 0 && flags !== 0)) {
    throw new SyncMessageError('bad-flags', `flags ${flags}`);
  }
  const count = countOf(r, limits.maxEntriesPerMessage, 'too-many-entries');
  const entries: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const entry = r.varView(MAX_ENTRY_BYTES);
    if (entry.length === 0) throw new SyncMessageError('empty-entry');
    entries.push(entry);
  }
  return {
    type: 'entries',
    reqId,
    last: (flags & FLAG_LAST) !== 0,
    pins: (flags & FLAG_PINS) !== 0,
    entries,
  };
}

function decodeBlobWant(r: ByteReader, limits: SyncLimits): BlobWantMessage {
  const count = countOf(r, limits.maxBlobWants, 'too-many-blobs');
  if (count === 0) throw new SyncMessageError('no-blobs');
  const ids: BlobId[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const id = readBlobId(r);
    if (seen.has(id)) throw new SyncMessageError('duplicate-blob');
    seen.add(id);
    ids.push(id);
  }
  return { type: 'blob-want', ids };
}

function decodeBlobChunk(r: ByteReader, limits: SyncLimits): BlobChunkMessage {
  const id = readBlobId(r);
  const offset = r.varUint();
  const total = r.varUint();
  if (total < 1 || total > MAX_BLOB_BYTES) {
    throw new SyncMessageError('bad-blob-total', `${total} not in 1 .. ${MAX_BLOB_BYTES}`);
  }
  const bytes = r.varBytes(limits.maxBlobChunkBytes);
  if (bytes.length === 0 || offset + bytes.length > total) {
    throw new SyncMessageError('bad-blob-chunk', `${bytes.length} bytes at ${offset} of ${total}`);
  }
  return { type: 'blob-chunk', id, offset, total, bytes };
}

function readBlobId(r: ByteReader): BlobId {
  // Any 32 bytes name a possible blob; their base64url form is canonical by construction.
  return toBase64Url(r.bytes(BLOB_ID_BYTES)) as BlobId;
}

function countOf(r: ByteReader, max: number, reason: SyncMessageErrorReason): number {
  const count = r.varUint();
  if (count > max) throw new SyncMessageError(reason, `${count} > ${max}`);
  return count;
}

function readRanges(r: ByteReader, max: number): SeqRange[] {
  const count = countOf(r, max, 'too-many-ranges');
  if (count === 0) throw new SyncMessageError('no-ranges');
  const ranges: SeqRange[] = [];
  let prevEnd = 0;
  for (let i = 0; i < count; i++) {
    // The gap form makes every list ascending, disjoint and non-adjacent by construction.
    const start = (i === 0 ? 1 : prevEnd + 2) + r.varUint();
    const end = start + r.varUint();
    if (end > MAX_SEQ) throw new SyncMessageError('seq-out-of-range', `seq ${end} > 2^53-1`);
    ranges.push({ start, end });
    prevEnd = end;
  }
  return ranges;
}
