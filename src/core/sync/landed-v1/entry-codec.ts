/**
 * FIXTURE, not app code: this file as it was in the landed code (commit 6f05975, sync protocol
 * v1 and entries v1), import paths adjusted only. Tests run it as the "older Kith" a current
 * peer meets (`../protocol-versions.test.ts`); never import it from app code, never edit it.
 */
/**
 * The entry: the signed, binary unit that is stored and replicated (design guide section 3).
 *
 * Byte layout (lib0 encoding; docs/protocol.md "Entries" is the reference):
 *
 *   version u8 (= 1) | author 32 | device 32 | seq varuint (1 .. 2^53-1) | prev 32
 *   | timestamp varuint ms | docId varuint length + ASCII | payloadKind u8 | payload varuint
 *   length + bytes | certificate varuint length + bytes | signature 64
 *
 * `prev` is the entry hash of seq - 1 of the same (author, device) log, and 32 zero bytes for
 * seq 1 (and only then). The signature is the device key's over
 * "kith/entry/v1" 0x00 || every byte before the signature. The entry hash is SHA-256 of all
 * the bytes, signature included. Decoding accepts exactly one encoding per entry (minimal
 * varuints, no trailing bytes), so equal entries have equal hashes.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import * as encoding from 'lib0/encoding';
import { ByteReadError, ByteReader, bytesEqual } from '../../bytes.ts';
import {
  IdParseError,
  MAX_DOC_ID_LENGTH,
  deviceIdFromKey,
  entryHashFromBytes,
  entryHashToBytes,
  parseDocId,
  personIdFromKey,
  type DeviceId,
  type DocId,
  type EntryHash,
  type PersonId,
} from '../../ids.ts';
import {
  MAX_DEVICE_CERTIFICATE_BYTES,
  decodeDeviceCertificate,
  type DeviceCertificate,
} from '../../identity/device-certificate.ts';
import { RecordError } from '../../identity/signed-record.ts';

/** Current entry format version. */
export const ENTRY_VERSION = 1;
/** Largest encoded entry accepted: 256 KiB. */
export const MAX_ENTRY_BYTES = 256 * 1024;
/** Largest payload: 255 KiB, leaving room for the rest of the entry within MAX_ENTRY_BYTES. */
export const MAX_PAYLOAD_BYTES = 255 * 1024;
/** Largest seq: 2^53 - 1, so seqs stay exact JavaScript numbers. */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;
/** Length of the trailing signature. */
export const ENTRY_SIGNATURE_BYTES = 64;

/**
 * What the payload holds: a Yjs update in clear, a private payload (`crypto/audience.ts`), a key
 * record (an epoch key record in sealed boxes, or a device certificate or revocation signed by
 * the identity key), or another author's whole entry re-published (a reply to the writer's post,
 * signature intact). The byte on the wire is the index in this list.
 */
export type PayloadKind = 'yjs-update' | 'encrypted' | 'key-record' | 'embedded-entry';
const PAYLOAD_KINDS: readonly PayloadKind[] = [
  'yjs-update',
  'encrypted',
  'key-record',
  'embedded-entry',
];

/** Field of an entry, named in decode errors. */
export type EntryField =
  | 'entry'
  | 'version'
  | 'author'
  | 'device'
  | 'seq'
  | 'prev'
  | 'timestamp'
  | 'docId'
  | 'payloadKind'
  | 'payload'
  | 'certificate'
  | 'signature';

/** Why bytes are not a well-formed entry. */
export type EntryDecodeReason =
  | ByteReadError['reason']
  | 'too-large'
  | 'unknown-version'
  | 'bad-seq'
  | 'bad-prev'
  | 'bad-doc-id'
  | 'bad-payload-kind'
  | 'bad-certificate';

/** Thrown when bytes are not a well-formed entry. */
export class EntryDecodeError extends Error {
  override readonly name = 'EntryDecodeError';
  /** Machine-readable cause. */
  readonly reason: EntryDecodeReason;
  /** The field being read when decoding failed. */
  readonly field: EntryField;

  constructor(reason: EntryDecodeReason, field: EntryField, detail?: string) {
    super(`entry ${field}: ${reason}${detail ? ` (${detail})` : ''}`);
    this.reason = reason;
    this.field = field;
  }
}

/** The fields an author chooses for a new entry. */
export interface EntryFields {
  /** Position in the (author, device) log, from 1. */
  seq: number;
  /** Hash of the entry at seq - 1; undefined exactly when seq is 1. */
  prev: EntryHash | undefined;
  /** Author's clock, ms since epoch. */
  timestamp: number;
  /** The doc the payload belongs to. */
  docId: DocId;
  /** What the payload is. */
  payloadKind: PayloadKind;
  /** A Yjs update, or its ciphertext. */
  payload: Uint8Array;
}

/** A decoded entry (not yet verified: see `entry-verifier.ts`). */
export interface Entry extends EntryFields {
  /** Format version. */
  readonly version: number;
  /** The author (identity key). */
  readonly author: PersonId;
  /** The author's identity public key. */
  readonly authorKey: Uint8Array;
  /** The device that signed. */
  readonly device: DeviceId;
  /** The device's public key. */
  readonly deviceKey: Uint8Array;
  /** The device certificate carried by the entry (signature not yet checked). */
  readonly certificate: DeviceCertificate;
  /** The device's signature. */
  readonly signature: Uint8Array;
  /** The entry's bytes before the signature (what is signed, after the domain string). */
  readonly body: Uint8Array;
  /** All the entry's bytes. */
  readonly bytes: Uint8Array;
  /** SHA-256 of `bytes`. */
  readonly hash: EntryHash;
}

const ZERO_HASH = new Uint8Array(32);

/** The hash of an encoded entry: SHA-256 of all its bytes. */
export function hashEntryBytes(bytes: Uint8Array): EntryHash {
  return entryHashFromBytes(sha256(bytes));
}

function assertFields(fields: EntryFields): void {
  const { seq, prev, timestamp, payload } = fields;
  if (!Number.isSafeInteger(seq) || seq < 1)
    throw new RangeError(`seq must be 1..2^53-1, got ${seq}`);
  if ((seq === 1) !== (prev === undefined))
    throw new RangeError('prev must be absent exactly at seq 1');
  if (!Number.isSafeInteger(timestamp) || timestamp < 0)
    throw new RangeError(`bad timestamp ${timestamp}`);
  if (payload.length > MAX_PAYLOAD_BYTES)
    throw new RangeError(`payload over ${MAX_PAYLOAD_BYTES} bytes`);
  parseDocId(fields.docId);
}

/**
 * Encodes the part of an entry that the device signs. Throws RangeError on fields our own
 * code should never produce.
 */
export function encodeEntryBody(
  fields: EntryFields,
  authorKey: Uint8Array,
  deviceKey: Uint8Array,
  certificate: Uint8Array,
): Uint8Array {
  assertFields(fields);
  if (authorKey.length !== 32 || deviceKey.length !== 32)
    throw new RangeError('keys must be 32 bytes');
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, ENTRY_VERSION);
  encoding.writeUint8Array(encoder, authorKey);
  encoding.writeUint8Array(encoder, deviceKey);
  encoding.writeVarUint(encoder, fields.seq);
  encoding.writeUint8Array(
    encoder,
    fields.prev === undefined ? ZERO_HASH : entryHashToBytes(fields.prev),
  );
  encoding.writeVarUint(encoder, fields.timestamp);
  encoding.writeVarString(encoder, fields.docId);
  encoding.writeUint8(encoder, PAYLOAD_KINDS.indexOf(fields.payloadKind));
  encoding.writeVarUint8Array(encoder, fields.payload);
  encoding.writeVarUint8Array(encoder, certificate);
  return encoding.toUint8Array(encoder);
}

/**
 * Decodes untrusted bytes into an entry, enforcing every limit; checks no signature. Throws
 * `EntryDecodeError`.
 */
export function decodeEntry(bytes: Uint8Array): Entry {
  if (bytes.length > MAX_ENTRY_BYTES) {
    throw new EntryDecodeError('too-large', 'entry', `${bytes.length} > ${MAX_ENTRY_BYTES} bytes`);
  }
  const r = new ByteReader(bytes);
  let field: EntryField = 'version';
  try {
    const version = r.u8();
    if (version !== ENTRY_VERSION)
      throw new EntryDecodeError('unknown-version', field, `version ${version}`);
    field = 'author';
    const authorKey = r.bytes(32);
    field = 'device';
    const deviceKey = r.bytes(32);
    field = 'seq';
    const seq = r.varUint(MAX_SEQ);
    if (seq < 1) throw new EntryDecodeError('bad-seq', field, 'seq starts at 1');
    field = 'prev';
    const prevBytes = r.bytes(32);
    const prevIsZero = bytesEqual(prevBytes, ZERO_HASH);
    if ((seq === 1) !== prevIsZero) {
      throw new EntryDecodeError('bad-prev', field, 'prev is zero exactly when seq is 1');
    }
    field = 'timestamp';
    const timestamp = r.varUint();
    field = 'docId';
    const docId = parseDocId(r.varString(MAX_DOC_ID_LENGTH));
    field = 'payloadKind';
    const payloadKind = PAYLOAD_KINDS[r.u8()];
    if (!payloadKind) throw new EntryDecodeError('bad-payload-kind', field);
    field = 'payload';
    const payload = r.varBytes(MAX_PAYLOAD_BYTES);
    field = 'certificate';
    const certificateBytes = r.varBytes(MAX_DEVICE_CERTIFICATE_BYTES);
    const { certificate } = decodeDeviceCertificate(certificateBytes);
    const bodyLength = r.position;
    field = 'signature';
    const signature = r.bytes(ENTRY_SIGNATURE_BYTES);
    field = 'entry';
    r.end();
    return {
      version,
      author: personIdFromKey(authorKey),
      authorKey,
      device: deviceIdFromKey(deviceKey),
      deviceKey,
      seq,
      prev: prevIsZero ? undefined : entryHashFromBytes(prevBytes),
      timestamp,
      docId,
      payloadKind,
      payload,
      certificate,
      signature,
      body: bytes.slice(0, bodyLength),
      bytes: bytes.slice(),
      hash: hashEntryBytes(bytes),
    };
  } catch (err) {
    if (err instanceof EntryDecodeError) throw err;
    if (err instanceof ByteReadError) throw new EntryDecodeError(err.reason, field, err.message);
    if (err instanceof IdParseError) throw new EntryDecodeError('bad-doc-id', field, err.message);
    if (err instanceof RecordError)
      throw new EntryDecodeError('bad-certificate', field, err.message);
    throw err;
  }
}
