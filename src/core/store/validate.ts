/**
 * Checks shared by every adapter: arguments from callers (a bad one is a bug in our own code
 * and throws `StoreInputError` before anything is written) and records read back from disk
 * (a bad one throws `StoreCorruptError` instead of flowing on into sync or the UI).
 */
import { parseEntryHash, parses } from '../ids.ts';
import { isPlaceholder, type HeldRecord, type PlaceholderRecord } from './covers.ts';
import { StoreCorruptError, StoreInputError } from './errors.ts';
import {
  MAX_PAGE_SIZE,
  type NotificationView,
  type PageRequest,
  type PostItemView,
  type PostView,
  type KeyForm,
  type LogPosition,
  type StoredEntry,
  type ViewWrite,
} from './storage-adapter.ts';

/** Whether a value read back is a well-formed entry hash. */
export function isHash(value: unknown): boolean {
  return typeof value === 'string' && parses(parseEntryHash, value);
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** Whether `seq` can be a position in a log. */
function isSeq(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1;
}

/** Whether a value has the shape of a stored entry (the store does not re-verify content). */
function isStoredEntry(value: unknown): value is StoredEntry {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return (
    isId(e.author) &&
    isId(e.device) &&
    isSeq(e.seq) &&
    isHash(e.hash) &&
    (e.seq === 1 ? e.prev === undefined : isHash(e.prev)) &&
    isId(e.docId) &&
    Number.isFinite(e.timestamp) &&
    e.bytes instanceof Uint8Array
  );
}

/** Throws `StoreInputError` unless every entry has the shape of a stored entry. */
export function checkEntries(entries: readonly StoredEntry[]): void {
  for (const e of entries) {
    if (!isStoredEntry(e)) throw new StoreInputError('not a well-formed StoredEntry');
  }
}

/** Throws `StoreInputError` unless `seq` is a valid seq. */
export function checkSeq(seq: number): void {
  if (!isSeq(seq)) throw new StoreInputError(`not a seq: ${seq}`);
}

/** Throws `StoreInputError` unless `n` is a positive safe integer (a limit). */
export function checkLimit(n: number, max: number = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new StoreInputError(`limit must be an integer from 1 to ${max}, got ${n}`);
  }
}

/** Throws `StoreInputError` unless `keepFromSeq` is a seq or `Infinity`. */
export function checkKeepFrom(keepFromSeq: number): void {
  if (keepFromSeq !== Number.POSITIVE_INFINITY) checkSeq(keepFromSeq);
}

/** Throws `StoreInputError` unless `id` is a non-empty string (blob hashes, view ids, keys). */
export function checkId(id: string, what: string): void {
  if (!isId(id)) throw new StoreInputError(`${what} must be a non-empty string`);
}

/** Whether a setting value holds a `CryptoKey` anywhere inside it. */
function holdsCryptoKey(value: unknown): boolean {
  if (typeof CryptoKey !== 'undefined' && value instanceof CryptoKey) return true;
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return false;
  const parts = value instanceof Map ? [...value.keys(), ...value.values()] : Object.values(value);
  return parts.some(holdsCryptoKey);
}

/**
 * Throws `StoreInputError` when a store that keeps keys as bytes is handed a `CryptoKey`: it
 * could not write it, and a key that silently came back as `{}` would be lost.
 */
export function checkSettingValue(value: unknown, keyForm: KeyForm): void {
  if (keyForm === 'bytes' && holdsCryptoKey(value)) {
    throw new StoreInputError('this store keeps keys as bytes: a CryptoKey cannot be stored');
  }
}

/** Throws `StoreInputError` unless the page request is well formed. */
export function checkPage(request: PageRequest): void {
  checkLimit(request.limit, MAX_PAGE_SIZE);
  if (request.before !== undefined) {
    if (!Number.isFinite(request.before.createdAt)) {
      throw new StoreInputError('page cursor needs a finite createdAt');
    }
    checkId(request.before.id, 'page cursor id');
  }
}

/** Throws `StoreInputError` unless both entries claim one position with different hashes. */
export function checkFork(first: StoredEntry, second: StoredEntry): void {
  checkEntries([first, second]);
  if (
    first.author !== second.author ||
    first.device !== second.device ||
    first.seq !== second.seq
  ) {
    throw new StoreInputError('fork evidence needs two entries at the same position');
  }
  if (first.hash === second.hash) {
    throw new StoreInputError('fork evidence needs two different entries');
  }
}

function checkTime(createdAt: number): void {
  if (!Number.isFinite(createdAt)) throw new StoreInputError('createdAt must be finite');
}

/** Throws `StoreInputError` unless every post view is well formed. */
export function checkPostViews(posts: readonly PostView[]): void {
  for (const p of posts) {
    checkId(p.postId, 'postId');
    checkId(p.author, 'author');
    checkTime(p.createdAt);
    for (const answerer of p.via ?? []) {
      checkId(answerer.person, 'via person');
      if (answerer.kind !== 'comment' && answerer.kind !== 'reaction')
        throw new StoreInputError('via kind must be comment or reaction');
    }
  }
}

/** Throws `StoreInputError` unless every comment or reaction is well formed. */
export function checkPostItems(items: readonly PostItemView[]): void {
  for (const item of items) {
    checkId(item.itemId, 'itemId');
    checkId(item.postId, 'postId');
    checkId(item.author, 'author');
    checkTime(item.createdAt);
    if (item.kind !== 'comment' && item.kind !== 'reaction') {
      throw new StoreInputError(`unknown post item kind: ${String(item.kind)}`);
    }
  }
}

/** Throws `StoreInputError` unless the notification is well formed. */
export function checkNotification(n: NotificationView): void {
  checkId(n.id, 'notification id');
  checkId(n.kind, 'notification kind');
  checkTime(n.createdAt);
  if (typeof n.read !== 'boolean') throw new StoreInputError('notification read must be a boolean');
}

/** Throws `StoreInputError` unless every view change is well formed. */
export function checkViewWrites(writes: readonly ViewWrite[]): void {
  for (const write of writes) {
    switch (write.op) {
      case 'putPost':
        checkPostViews([write.post]);
        if (write.knownNew !== undefined && write.knownNew !== true)
          throw new StoreInputError('knownNew must be true or absent');
        break;
      case 'removePost':
        checkId(write.postId, 'postId');
        break;
      case 'putItem':
        checkPostItems([write.item]);
        break;
      case 'removeItem':
        checkId(write.itemId, 'itemId');
        break;
      case 'putNotification':
        checkNotification(write.notification);
        break;
      case 'setSetting':
        checkId(write.key, 'setting key');
        break;
      default:
        throw new StoreInputError(`unknown view write: ${String((write as { op: unknown }).op)}`);
    }
  }
}

/** Throws `StoreInputError` unless every position names a log (author, device) and a seq. */
export function checkPositions(positions: readonly LogPosition[]): void {
  for (const p of positions) {
    checkId(p.author, 'position author');
    checkId(p.device, 'position device');
    checkSeq(p.seq);
  }
}

/** A copy of an entry holding exactly its fields (a `VerifiedEntry` has more), with fresh bytes. */
export function copyEntry(e: StoredEntry): StoredEntry {
  return entryWithBytes(e, e.bytes.slice());
}

/** An entry holding exactly its fields (a `VerifiedEntry` has more), with `bytes` as its bytes. */
export function entryWithBytes(e: StoredEntry, bytes: Uint8Array): StoredEntry {
  return {
    author: e.author,
    device: e.device,
    seq: e.seq,
    hash: e.hash,
    prev: e.prev,
    docId: e.docId,
    timestamp: e.timestamp,
    bytes,
    // Only when present: records written before v2 have no such field, and equal records
    // read back must compare equal.
    ...(e.covers && e.covers.length > 0
      ? { covers: e.covers.map((c) => ({ device: c.device, seq: c.seq })) }
      : {}),
  };
}

/**
 * `bytes` if they fill their buffer, else a copy: a view into a larger buffer (a message's) would
 * carry all of it wherever it is cloned to (another tab, a worker, a store).
 */
export function ownBytes(bytes: Uint8Array): Uint8Array {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return whole ? bytes : bytes.slice();
}

/**
 * An entry a store stored, as it hands it back: exactly its fields, its bytes as given unless
 * they are a view into a larger buffer. A store that keeps copies (or nothing) in memory need
 * not copy again what the caller gave it: the ingestor announces its decoded entries anyway.
 */
export function handedBack(entry: StoredEntry): StoredEntry {
  return entryWithBytes(entry, ownBytes(entry.bytes));
}

/** A copy of a held record (entry or placeholder) holding exactly its fields. */
export function copyRecord(r: HeldRecord): HeldRecord {
  if (!isPlaceholder(r)) return copyEntry(r);
  return {
    author: r.author,
    device: r.device,
    seq: r.seq,
    hash: r.hash,
    prev: r.prev,
    docId: r.docId,
    timestamp: r.timestamp,
    placeholder: true,
  };
}

/** Returns the value if it is a stored entry, else throws `StoreCorruptError`. */
export function entryFromDisk(value: unknown): StoredEntry {
  if (!isStoredEntry(value)) throw new StoreCorruptError('an entry record read back is malformed');
  return value;
}

/** Returns the value if it is a stored entry or placeholder, else throws `StoreCorruptError`. */
export function recordFromDisk(value: unknown): HeldRecord {
  if (isStoredPlaceholder(value)) return value;
  return entryFromDisk(value);
}

function isStoredPlaceholder(value: unknown): value is PlaceholderRecord {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return (
    e.placeholder === true &&
    isId(e.author) &&
    isId(e.device) &&
    isSeq(e.seq) &&
    isHash(e.hash) &&
    (e.seq === 1 ? e.prev === undefined : isHash(e.prev)) &&
    isId(e.docId) &&
    Number.isFinite(e.timestamp)
  );
}
