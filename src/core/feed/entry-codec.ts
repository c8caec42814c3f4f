/**
 * The entry: the signed, binary unit that is stored and replicated (design guide section 3).
 *
 * Two versions are read; this code writes v2. Byte layouts (lib0 encoding; docs/protocol.md
 * "Entries" is the reference, byte by byte):
 *
 *   v1: version u8 (= 1) | author 32 | device 32 | seq varuint (1 .. 2^53-1) | prev 32
 *       | timestamp varuint ms | docId varuint length + ASCII | payloadKind u8
 *       | payload varuint length + bytes | certificate varuint length + bytes | signature 64
 *   v2: version u8 (= 2) | form u8 (1 = payload follows, 0 = payload dropped) | author 32
 *       | device 32 | seq varuint | prev 32 | timestamp varuint | docId varuint length + ASCII
 *       | payloadKind u8 | payloadHash 32 (SHA-256 of the payload) | covers varuint count (at
 *       most MAX_COVERS) then count x (device 32 | seq varuint), strictly ascending
 *       | [blobs: varuint count (1 .. MAX_ENTRY_BLOBS) then count x blob id 32, strictly
 *       ascending; present exactly when payloadKind's byte has its BLOBS_FLAG bit set]
 *       | certificate varuint length + bytes | signature 64 | [payload varuint length + bytes]
 *
 * v1 signs "kith/entry/v1" 0x00 || every byte before the signature, and its hash is SHA-256 of
 * all its bytes: it cannot travel without its payload. v2 signs "kith/entry/v2" 0x00 || the
 * bytes before the signature without the form byte (its `body`), and its hash is SHA-256 of
 * body || signature: neither the form byte nor the payload is part of either, so an entry whose
 * payload an honest peer dropped (a superseded edit, a deleted post) keeps its signature and
 * its hash, and the next entry's `prev` still names it. `covers` names the entries of the same
 * author and doc whose payloads this entry's payload makes redundant (it holds the doc's whole
 * state, or a tombstone): those may be dropped (`store/covers.ts`). `blobs` names, in clear,
 * the stored (ciphertext) blobs the payload references (a private post's photos), so a relay
 * holding no key can fetch and serve them ({@link blobIdsOf}); entries without it are encoded
 * as before the field existed.
 *
 * `prev` is the entry hash of seq - 1 of the same (author, device) log, and 32 zero bytes for
 * seq 1 (and only then). Decoding accepts exactly one encoding per entry (minimal varuints, no
 * trailing bytes), so equal entries have equal hashes; a v2 payload whose SHA-256 is not its
 * `payloadHash` is refused when decoding (`payload-mismatch`).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import * as encoding from 'lib0/encoding';
import {
  ByteReadError,
  ByteReader,
  bytesEqual,
  concatBytes,
  fromBase64Url,
  toBase64Url,
} from '../bytes.ts';
import type { BlobId } from '../crypto/blobs.ts';
import {
  IdParseError,
  MAX_DOC_ID_LENGTH,
  deviceIdFromKey,
  deviceIdToKey,
  entryHashFromBytes,
  entryHashToBytes,
  parseDocId,
  personIdFromKey,
  type DeviceId,
  type DocId,
  type EntryHash,
  type PersonId,
} from '../ids.ts';
import {
  MAX_DEVICE_CERTIFICATE_BYTES,
  decodeDeviceCertificate,
  type DeviceCertificate,
} from '../identity/device-certificate.ts';
import { DOMAIN_ENTRY, RecordError } from '../identity/signed-record.ts';

/** Entry format versions this code reads. */
export type EntryVersion = 1 | 2;
/** The entry format version this code writes. */
export const ENTRY_VERSION = 2;
/** Largest encoded entry accepted: 256 KiB. */
export const MAX_ENTRY_BYTES = 256 * 1024;
/** Largest payload: 255 KiB, leaving room for the rest of the entry within MAX_ENTRY_BYTES. */
export const MAX_PAYLOAD_BYTES = 255 * 1024;
/** Largest seq: 2^53 - 1, so seqs stay exact JavaScript numbers. */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;
/** Length of the trailing signature. */
export const ENTRY_SIGNATURE_BYTES = 64;
/**
 * Most entries one v2 entry covers. A whole-state entry names the entries of its doc that still
 * hold a payload, which each earlier whole-state entry already thinned to a few.
 */
export const MAX_COVERS = 256;
/**
 * Most blobs one v2 entry names: a post's photos and thumbnails (10 each, `docs/post-doc.ts`)
 * with room to spare.
 */
export const MAX_ENTRY_BLOBS = 32;
/** Bit of a v2 entry's payloadKind byte saying a blob list follows its covers. */
export const BLOBS_FLAG = 0x80;
const BLOB_ID_BYTES = 32;

/** The domain string each version's signature is made under. */
export function entryDomain(version: EntryVersion): string {
  return version === 1 ? DOMAIN_ENTRY : 'kith/entry/v2';
}

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
  | 'form'
  | 'author'
  | 'device'
  | 'seq'
  | 'prev'
  | 'timestamp'
  | 'docId'
  | 'payloadKind'
  | 'payloadHash'
  | 'covers'
  | 'blobs'
  | 'payload'
  | 'certificate'
  | 'signature';

/** Why bytes are not a well-formed entry. */
export type EntryDecodeReason =
  | ByteReadError['reason']
  | 'too-large'
  | 'unknown-version'
  | 'bad-form'
  | 'bad-seq'
  | 'bad-prev'
  | 'bad-doc-id'
  | 'bad-payload-kind'
  | 'bad-covers'
  | 'bad-blobs'
  | 'payload-mismatch'
  | 'payload-absent'
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

/** An entry of the same author named by position: the device's log and the seq in it. */
export interface EntryPosition {
  /** The log's device (the author is the covering entry's). */
  readonly device: DeviceId;
  /** The seq in that log. */
  readonly seq: number;
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
  /**
   * Entries of the same author and doc whose payloads this one supersedes (v2 only; any order,
   * encoded sorted); omitted: none.
   */
  covers?: readonly EntryPosition[];
  /**
   * The stored blobs (ciphertext ids) the payload references, for relays (v2 only; any order,
   * encoded sorted); omitted or empty: none listed.
   */
  blobs?: readonly BlobId[];
}

/** A decoded entry holding its payload (not yet verified: see `entry-verifier.ts`). */
export interface Entry extends EntryFields {
  /** Format version. */
  readonly version: EntryVersion;
  /** The author (identity key). */
  readonly author: PersonId;
  /** The author's identity public key. */
  readonly authorKey: Uint8Array;
  /** The device that signed. */
  readonly device: DeviceId;
  /** The device's public key. */
  readonly deviceKey: Uint8Array;
  /** SHA-256 of the payload as signed (v2); undefined for v1, which signs the payload itself. */
  readonly payloadHash: Uint8Array | undefined;
  /** Entries this one supersedes, sorted (always empty in v1). */
  readonly covers: readonly EntryPosition[];
  /** Blobs the payload references, listed in clear for relays, sorted (always empty in v1). */
  readonly blobs: readonly BlobId[];
  /** The device certificate carried by the entry (signature not yet checked). */
  readonly certificate: DeviceCertificate;
  /** The device's signature. */
  readonly signature: Uint8Array;
  /** What is signed, after the domain string (v2: without the form byte and the payload). */
  readonly body: Uint8Array;
  /** All the entry's bytes as received (v2: in the form received, with or without payload). */
  readonly bytes: Uint8Array;
  /** The entry's identity: SHA-256 of `bytes` (v1), of body || signature (v2). */
  readonly hash: EntryHash;
}

/** A v2 entry whose payload was dropped: it verifies and chains, but carries no content. */
export type PayloadlessEntry = Omit<Entry, 'payload' | 'version' | 'payloadHash'> & {
  readonly version: 2;
  readonly payloadHash: Uint8Array;
  readonly payload: undefined;
};

/** An entry in either form. */
export type AnyEntry = Entry | PayloadlessEntry;

const ZERO_HASH = new Uint8Array(32);
const FORM_DROPPED = 0;
const FORM_HELD = 1;

/** The hash of an encoded v1 entry: SHA-256 of all its bytes. */
export function hashEntryBytes(bytes: Uint8Array): EntryHash {
  return entryHashFromBytes(sha256(bytes));
}

/** Whether encoded entry bytes carry their payload (every v1 entry does), without decoding. */
export function entryHasPayload(bytes: Uint8Array): boolean {
  return bytes[0] === 1 || (bytes[0] === 2 && bytes[1] === FORM_HELD);
}

/**
 * The entry as it travels and is stored without its payload (v2 only: a v1 entry's hash and
 * signature cover its payload, so it is dropped whole instead, see `store/covers.ts`).
 */
export function withoutPayload(entry: AnyEntry): Uint8Array {
  if (entry.version !== 2) throw new RangeError('only a v2 entry travels without its payload');
  return concatBytes(Uint8Array.of(2, FORM_DROPPED), entry.body.subarray(1), entry.signature);
}

function compareCovers(a: EntryPosition, b: EntryPosition): number {
  if (a.device !== b.device) {
    return compareBytes(deviceIdToKey(a.device), deviceIdToKey(b.device));
  }
  return a.seq - b.seq;
}

/** The blob ids an entry lists (what a relay fetches and serves for it), from its bytes. */
export function blobIdsOf(bytes: Uint8Array): readonly BlobId[] {
  return decodeAnyEntry(bytes).blobs;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

function blobIdBytes(id: BlobId): Uint8Array {
  const bytes = fromBase64Url(id);
  if (bytes.length !== BLOB_ID_BYTES) throw new RangeError('a blob id is 32 bytes');
  return bytes;
}

function assertFields(fields: EntryFields, version: EntryVersion): void {
  const { seq, prev, timestamp, payload } = fields;
  if (!Number.isSafeInteger(seq) || seq < 1)
    throw new RangeError(`seq must be 1..2^53-1, got ${seq}`);
  if ((seq === 1) !== (prev === undefined))
    throw new RangeError('prev must be absent exactly at seq 1');
  if (!Number.isSafeInteger(timestamp) || timestamp < 0)
    throw new RangeError(`bad timestamp ${timestamp}`);
  if (payload.length > MAX_PAYLOAD_BYTES)
    throw new RangeError(`payload over ${MAX_PAYLOAD_BYTES} bytes`);
  const covers = fields.covers ?? [];
  if (version === 1 && covers.length > 0) throw new RangeError('a v1 entry covers nothing');
  if (covers.length > MAX_COVERS) throw new RangeError(`more than ${MAX_COVERS} covers`);
  for (const c of covers) {
    if (!Number.isSafeInteger(c.seq) || c.seq < 1) throw new RangeError(`bad covered seq`);
  }
  const blobs = fields.blobs ?? [];
  if (version === 1 && blobs.length > 0) throw new RangeError('a v1 entry lists no blobs');
  if (blobs.length > MAX_ENTRY_BLOBS) throw new RangeError(`more than ${MAX_ENTRY_BLOBS} blobs`);
  parseDocId(fields.docId);
}

/**
 * Encodes the part of an entry that the device signs (v2: without the form byte, see the
 * layout above). Throws RangeError on fields our own code should never produce. `version` 1 is
 * for tests and test vectors: this code writes v2.
 */
export function encodeEntryBody(
  fields: EntryFields,
  authorKey: Uint8Array,
  deviceKey: Uint8Array,
  certificate: Uint8Array,
  version: EntryVersion = ENTRY_VERSION,
): Uint8Array {
  assertFields(fields, version);
  if (authorKey.length !== 32 || deviceKey.length !== 32)
    throw new RangeError('keys must be 32 bytes');
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, version);
  encoding.writeUint8Array(encoder, authorKey);
  encoding.writeUint8Array(encoder, deviceKey);
  encoding.writeVarUint(encoder, fields.seq);
  encoding.writeUint8Array(
    encoder,
    fields.prev === undefined ? ZERO_HASH : entryHashToBytes(fields.prev),
  );
  encoding.writeVarUint(encoder, fields.timestamp);
  encoding.writeVarString(encoder, fields.docId);
  const blobs = [...new Set(fields.blobs ?? [])].map(blobIdBytes).sort(compareBytes);
  if (blobs.length !== (fields.blobs ?? []).length) throw new RangeError('a blob listed twice');
  const kindByte = PAYLOAD_KINDS.indexOf(fields.payloadKind);
  encoding.writeUint8(encoder, blobs.length > 0 ? kindByte | BLOBS_FLAG : kindByte);
  if (version === 1) {
    encoding.writeVarUint8Array(encoder, fields.payload);
  } else {
    encoding.writeUint8Array(encoder, sha256(fields.payload));
    const covers = [...(fields.covers ?? [])].sort(compareCovers);
    for (let i = 1; i < covers.length; i++) {
      if (compareCovers(covers[i - 1]!, covers[i]!) === 0) throw new RangeError('covered twice');
    }
    encoding.writeVarUint(encoder, covers.length);
    for (const c of covers) {
      encoding.writeUint8Array(encoder, deviceIdToKey(c.device));
      encoding.writeVarUint(encoder, c.seq);
    }
    if (blobs.length > 0) {
      encoding.writeVarUint(encoder, blobs.length);
      for (const blob of blobs) encoding.writeUint8Array(encoder, blob);
    }
  }
  encoding.writeVarUint8Array(encoder, certificate);
  return encoding.toUint8Array(encoder);
}

/**
 * The full encoded entry from its signed body, its signature and (v2) its payload: what a
 * signer sends.
 */
export function encodeSignedEntry(
  body: Uint8Array,
  signature: Uint8Array,
  payload: Uint8Array,
): Uint8Array {
  if (body[0] === 1) return concatBytes(body, signature);
  const encoder = encoding.createEncoder();
  encoding.writeUint8Array(encoder, Uint8Array.of(2, FORM_HELD));
  encoding.writeUint8Array(encoder, body.subarray(1));
  encoding.writeUint8Array(encoder, signature);
  encoding.writeVarUint8Array(encoder, payload);
  const bytes = encoding.toUint8Array(encoder);
  if (bytes.length > MAX_ENTRY_BYTES) throw new RangeError(`entry over ${MAX_ENTRY_BYTES} bytes`);
  return bytes;
}

/**
 * Decodes untrusted bytes into an entry that holds its payload, enforcing every limit; checks
 * no signature. A v2 entry without its payload is refused (`payload-absent`): the readers of
 * content use this one. Throws `EntryDecodeError`.
 */
export function decodeEntry(bytes: Uint8Array): Entry {
  const entry = decodeAnyEntry(bytes);
  if (entry.payload === undefined) throw new EntryDecodeError('payload-absent', 'payload');
  return entry;
}

/** Certificates decoded lately, each beside a private copy of its bytes (most recent first). */
const recentCertificates: { bytes: Uint8Array; certificate: DeviceCertificate }[] = [];
/** How many: a batch mixes the entries of a few devices at most. */
const RECENT_CERTIFICATES = 8;

/**
 * Decodes a device certificate, or returns the one decoded from the same bytes lately: every
 * entry carries its device's certificate, and a run of one device's entries needs it decoded
 * once. Only decoding is saved; its signature is still the verifier's to check.
 */
function decodeCertificateOnce(bytes: Uint8Array): DeviceCertificate {
  const found = recentCertificates.find((c) => bytesEqual(c.bytes, bytes));
  if (found) return found.certificate;
  const { certificate } = decodeDeviceCertificate(bytes);
  recentCertificates.unshift({ bytes: bytes.slice(), certificate });
  if (recentCertificates.length > RECENT_CERTIFICATES) recentCertificates.pop();
  return certificate;
}

/**
 * The author an entry claims, read from its header alone (no hashing, nothing verified): what
 * ingest needs to refuse a foreign author before paying for a decode and a signature check.
 * Throws `EntryDecodeError` on a bad version, form or a header cut short.
 */
export function peekEntryAuthor(bytes: Uint8Array): PersonId {
  if (bytes.length > MAX_ENTRY_BYTES) {
    throw new EntryDecodeError('too-large', 'entry', `${bytes.length} > ${MAX_ENTRY_BYTES} bytes`);
  }
  const version = bytes[0];
  if (version !== 1 && version !== 2)
    throw new EntryDecodeError('unknown-version', 'version', `version ${version}`);
  if (version === 2 && bytes[1] !== FORM_HELD && bytes[1] !== FORM_DROPPED)
    throw new EntryDecodeError('bad-form', 'form', `form ${bytes[1]}`);
  const start = version === 1 ? 1 : 2;
  if (bytes.length < start + 32) throw new EntryDecodeError('truncated', 'author');
  return personIdFromKey(bytes.subarray(start, start + 32));
}

/** A v2 entry's signed body: the version byte, then its bytes after the form byte. */
function v2Body(bytes: Uint8Array, bodyStart: number, bodyEnd: number): Uint8Array {
  const body = new Uint8Array(1 + bodyEnd - bodyStart);
  body[0] = 2;
  body.set(bytes.subarray(bodyStart, bodyEnd), 1);
  return body;
}

/**
 * Decodes untrusted bytes into an entry in either form (sync, ingest, chain checks), enforcing
 * every limit; checks no signature. Throws `EntryDecodeError`.
 */
export function decodeAnyEntry(bytes: Uint8Array): AnyEntry {
  if (bytes.length > MAX_ENTRY_BYTES) {
    throw new EntryDecodeError('too-large', 'entry', `${bytes.length} > ${MAX_ENTRY_BYTES} bytes`);
  }
  // One private copy; every field is a view into it (each copy's allocation cost more than
  // reading the fields).
  const own = bytes.slice();
  const r = new ByteReader(own);
  let field: EntryField = 'version';
  try {
    const versionByte = r.u8();
    if (versionByte !== 1 && versionByte !== 2)
      throw new EntryDecodeError('unknown-version', field, `version ${versionByte}`);
    const version: EntryVersion = versionByte === 1 ? 1 : 2;
    let form = FORM_HELD;
    if (version === 2) {
      field = 'form';
      form = r.u8();
      if (form !== FORM_HELD && form !== FORM_DROPPED)
        throw new EntryDecodeError('bad-form', field, `form ${form}`);
    }
    const bodyStart = r.position;
    field = 'author';
    const authorKey = r.view(32);
    field = 'device';
    const deviceKey = r.view(32);
    field = 'seq';
    const seq = r.varUint(MAX_SEQ);
    if (seq < 1) throw new EntryDecodeError('bad-seq', field, 'seq starts at 1');
    field = 'prev';
    const prevBytes = r.view(32);
    const prevIsZero = bytesEqual(prevBytes, ZERO_HASH);
    if ((seq === 1) !== prevIsZero) {
      throw new EntryDecodeError('bad-prev', field, 'prev is zero exactly when seq is 1');
    }
    field = 'timestamp';
    const timestamp = r.varUint();
    field = 'docId';
    const docId = parseDocId(r.varString(MAX_DOC_ID_LENGTH));
    field = 'payloadKind';
    const kindByte = r.u8();
    // The blob flag exists in v2 only: in v1 such a byte names no payload kind.
    const listsBlobs = version === 2 && (kindByte & BLOBS_FLAG) !== 0;
    const payloadKind = PAYLOAD_KINDS[listsBlobs ? kindByte & ~BLOBS_FLAG : kindByte];
    if (!payloadKind) throw new EntryDecodeError('bad-payload-kind', field);
    const blobs: BlobId[] = [];
    let payload: Uint8Array | undefined;
    let payloadHash: Uint8Array | undefined;
    const covers: EntryPosition[] = [];
    if (version === 1) {
      field = 'payload';
      payload = r.varView(MAX_PAYLOAD_BYTES);
    } else {
      field = 'payloadHash';
      payloadHash = r.view(32);
      field = 'covers';
      const count = r.varUint(MAX_COVERS);
      for (let i = 0; i < count; i++) {
        const covered = { device: deviceIdFromKey(r.view(32)), seq: r.varUint(MAX_SEQ) };
        if (covered.seq < 1) throw new EntryDecodeError('bad-covers', field, 'seq starts at 1');
        const last = covers.at(-1);
        if (last && compareCovers(last, covered) >= 0)
          throw new EntryDecodeError('bad-covers', field, 'not strictly ascending');
        covers.push(covered);
      }
      if (listsBlobs) {
        field = 'blobs';
        const count = r.varUint();
        if (count < 1 || count > MAX_ENTRY_BLOBS) {
          throw new EntryDecodeError(
            'bad-blobs',
            field,
            `${count} blobs, not 1..${MAX_ENTRY_BLOBS}`,
          );
        }
        let last: Uint8Array | undefined;
        for (let i = 0; i < count; i++) {
          const blob = r.view(BLOB_ID_BYTES);
          if (last && compareBytes(last, blob) >= 0)
            throw new EntryDecodeError('bad-blobs', field, 'not strictly ascending');
          blobs.push(toBase64Url(blob) as BlobId);
          last = blob;
        }
      }
    }
    field = 'certificate';
    const certificateBytes = r.varView(MAX_DEVICE_CERTIFICATE_BYTES);
    const certificate = decodeCertificateOnce(certificateBytes);
    const bodyEnd = r.position;
    field = 'signature';
    const signature = r.view(ENTRY_SIGNATURE_BYTES);
    if (version === 2 && form === FORM_HELD) {
      field = 'payload';
      payload = r.varView(MAX_PAYLOAD_BYTES);
      if (!bytesEqual(sha256(payload), payloadHash!)) {
        throw new EntryDecodeError('payload-mismatch', field, 'SHA-256 differs from payloadHash');
      }
    }
    field = 'entry';
    r.end();
    const body = version === 1 ? own.subarray(0, bodyEnd) : v2Body(own, bodyStart, bodyEnd);
    const common = {
      author: personIdFromKey(authorKey),
      authorKey,
      device: deviceIdFromKey(deviceKey),
      deviceKey,
      seq,
      prev: prevIsZero ? undefined : entryHashFromBytes(prevBytes),
      timestamp,
      docId,
      payloadKind,
      covers,
      blobs,
      certificate,
      signature,
      body,
      bytes: own,
      hash:
        version === 1
          ? hashEntryBytes(own)
          : entryHashFromBytes(sha256.create().update(body).update(signature).digest()),
    };
    if (payload !== undefined) return { ...common, version, payloadHash, payload };
    return { ...common, version: 2, payloadHash: payloadHash!, payload: undefined };
  } catch (err) {
    if (err instanceof EntryDecodeError) throw err;
    if (err instanceof ByteReadError) throw new EntryDecodeError(err.reason, field, err.message);
    if (err instanceof IdParseError) throw new EntryDecodeError('bad-doc-id', field, err.message);
    if (err instanceof RecordError)
      throw new EntryDecodeError('bad-certificate', field, err.message);
    throw err;
  }
}
