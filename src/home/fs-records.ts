/**
 * What a journal frame's body holds: a sequence of records, each
 * `[u8 kind][u32 meta length][meta, JSON][u32 data length][data]` (little-endian). Entry bytes,
 * fork evidence and setting values go in `data` as they are; the few fields the store indexes
 * go in `meta`. Records are read back through the same checks as IndexedDB's
 * (`StoreCorruptError` when one is malformed).
 */
import { deserialize, serialize } from 'node:v8';
import type { DeviceId, PersonId } from '../core/ids.ts';
import { isPlaceholder, type CoveredRecord, type HeldRecord } from '../core/store/covers.ts';
import { StoreCorruptError } from '../core/store/errors.ts';
import type { StoredEntry, StoredFork } from '../core/store/storage-adapter.ts';
import { entryFromDisk, recordFromDisk } from '../core/store/validate.ts';

/** One change the journal remembers. */
export type JournalRecord =
  /** An entry or placeholder at its position (a later one at the same position replaces it). */
  | { readonly kind: 'held'; readonly record: HeldRecord }
  /** A position some entry covers. */
  | { readonly kind: 'covered'; readonly covered: CoveredRecord }
  /** Everything of a log below `keepFromSeq` is gone (`Infinity`: the whole log). */
  | {
      readonly kind: 'prune';
      readonly author: PersonId;
      readonly device: DeviceId;
      readonly keepFromSeq: number;
    }
  /** Proof of a fork. */
  | { readonly kind: 'fork'; readonly fork: StoredFork }
  /** A setting's value as `serializeSetting` wrote it; undefined: deleted. */
  | { readonly kind: 'setting'; readonly key: string; readonly value: Uint8Array | undefined };

const KINDS = ['held', 'covered', 'prune', 'fork', 'setting'] as const;

/** A setting value as the journal keeps it (plain data, bytes, maps: V8's structured clone). */
export function serializeSetting(value: unknown): Uint8Array {
  return serialize(value);
}

/** A setting value back from `serializeSetting`, as a fresh copy. */
export function deserializeSetting(bytes: Uint8Array): unknown {
  return deserialize(bytes) as unknown;
}

/**
 * The fields of a held record other than its bytes (those go in `data`), and only those: a
 * `VerifiedEntry` passed as a `StoredEntry` carries its decoded payload and more.
 */
function entryMeta(e: HeldRecord): Record<string, unknown> {
  const meta: Record<string, unknown> = {
    author: e.author,
    device: e.device,
    seq: e.seq,
    hash: e.hash,
    prev: e.prev,
    docId: e.docId,
    timestamp: e.timestamp,
  };
  if (isPlaceholder(e)) meta.placeholder = true;
  else if (e.covers && e.covers.length > 0) {
    meta.covers = e.covers.map((c) => ({ device: c.device, seq: c.seq }));
  }
  return meta;
}

function metaAndData(record: JournalRecord): [unknown, Uint8Array] {
  switch (record.kind) {
    case 'held': {
      const r = record.record;
      return [entryMeta(r), isPlaceholder(r) ? new Uint8Array(0) : r.bytes];
    }
    case 'covered':
      return [record.covered, new Uint8Array(0)];
    case 'prune': {
      const keep = record.keepFromSeq === Infinity ? null : record.keepFromSeq;
      return [{ author: record.author, device: record.device, keep }, new Uint8Array(0)];
    }
    case 'fork': {
      const { first, second } = record.fork;
      const data = Buffer.concat([first.bytes, second.bytes]);
      return [
        { first: entryMeta(first), second: entryMeta(second), split: first.bytes.length },
        data,
      ];
    }
    case 'setting':
      return [
        { key: record.key, deleted: record.value === undefined },
        record.value ?? new Uint8Array(0),
      ];
  }
}

/** Encodes records into one frame body. */
export function encodeRecords(records: readonly JournalRecord[]): Buffer {
  const parts: Buffer[] = [];
  for (const record of records) {
    const [meta, data] = metaAndData(record);
    const metaBytes = Buffer.from(JSON.stringify(meta), 'utf8');
    const head = Buffer.allocUnsafe(9);
    head.writeUInt8(KINDS.indexOf(record.kind), 0);
    head.writeUInt32LE(metaBytes.length, 1);
    head.writeUInt32LE(data.length, 5);
    parts.push(head, metaBytes, Buffer.from(data.buffer, data.byteOffset, data.length));
  }
  return Buffer.concat(parts);
}

/** Where one record lies in the journal file (to read it back alone). */
export interface RecordSpan {
  readonly offset: number;
  readonly length: number;
}

function copied(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

function entryOf(meta: unknown, bytes: Uint8Array): StoredEntry {
  return entryFromDisk({ ...(meta as object), bytes: copied(bytes) });
}

function decodeOne(kind: number, meta: unknown, data: Buffer): JournalRecord {
  const m = meta as Record<string, unknown>;
  switch (KINDS[kind]) {
    case 'held':
      return {
        kind: 'held',
        record: recordFromDisk(m.placeholder ? m : { ...m, bytes: copied(data) }),
      };
    case 'covered':
      return { kind: 'covered', covered: m as unknown as CoveredRecord };
    case 'prune':
      return {
        kind: 'prune',
        author: m.author as PersonId,
        device: m.device as DeviceId,
        keepFromSeq: m.keep === null ? Infinity : (m.keep as number),
      };
    case 'fork': {
      const split = m.split as number;
      return {
        kind: 'fork',
        fork: {
          first: entryOf(m.first, data.subarray(0, split)),
          second: entryOf(m.second, data.subarray(split)),
        },
      };
    }
    case 'setting':
      return { kind: 'setting', key: m.key as string, value: m.deleted ? undefined : copied(data) };
    default:
      throw new StoreCorruptError(`unknown journal record kind ${kind}`);
  }
}

/**
 * Decodes a frame body (whose first byte is at `offset` in the file), handing each record with
 * its span to `onRecord`. A body whose checksum matched but does not parse is damage the
 * checksum could not see: `StoreCorruptError`.
 */
export function decodeRecords(
  body: Buffer,
  offset: number,
  onRecord: (record: JournalRecord, span: RecordSpan) => void,
): void {
  let at = 0;
  while (at < body.length) {
    const start = at;
    if (at + 9 > body.length) throw new StoreCorruptError('a journal record is cut short');
    const kind = body.readUInt8(at);
    const metaLength = body.readUInt32LE(at + 1);
    const dataLength = body.readUInt32LE(at + 5);
    at += 9;
    if (at + metaLength + dataLength > body.length) {
      throw new StoreCorruptError('a journal record is cut short');
    }
    let meta: unknown;
    try {
      meta = JSON.parse(body.toString('utf8', at, at + metaLength));
    } catch (err) {
      throw new StoreCorruptError('a journal record does not parse', { cause: err });
    }
    at += metaLength;
    const data = body.subarray(at, at + dataLength);
    at += dataLength;
    onRecord(decodeOne(kind, meta, data), { offset: offset + start, length: at - start });
  }
}

/** Decodes the one record read back from its span. */
export function decodeRecordAt(bytes: Buffer): JournalRecord {
  let out: JournalRecord | undefined;
  decodeRecords(bytes, 0, (record) => {
    out = record;
  });
  if (!out) throw new StoreCorruptError('an empty journal record');
  return out;
}
