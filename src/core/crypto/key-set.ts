/**
 * Key sets (design section 3, "audiences are key sets"): an audience (a person's friends; later a
 * named list or a conversation) has epochs, each with one random key, and a key-set record hands
 * an epoch's key to each member. This module is the record (format v2, `docs/protocol.md`,
 * "Key-set records v2"); which set, which epoch and which members is the caller's business.
 *
 * What a record must not cost or tell:
 * - **No X25519 per box.** Each box is sealed under a key derived from the pair key of author
 *   and recipient (`pair-keys.ts`: one agreement per pair, cached) and the record's salt, and
 *   carries a short keyed hint derived the same way. A reader computes its one expected hint,
 *   scans the hint table, and opens at most {@link MAX_HINT_TRIES} boxes whose hint matches (a
 *   hostile author can copy one reader's hint onto every box; an honest record has one match).
 * - **No recipient list.** Hints are keyed, and differ per record (the salt), so a relay cannot
 *   tell who a record is for, nor link one reader across records.
 * - **No audience size.** The box count is padded with random decoys to a size class (8, 16,
 *   32 … {@link MAX_KEY_SET_BOXES}); a decoy looks like any box.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { randomBytes, toArrayBufferBytes, utf8, type RandomBytes } from '../bytes.ts';
import { BOX_OVERHEAD, DecryptError, KEY_BYTES, SymmetricKey } from './aead.ts';
import { KeyRecordError } from './audience.ts';
import { domain, hkdf } from './kdf.ts';

/** Version byte of a key-set record (v1 is the trial-decryption epoch record of `audience.ts`). */
export const KEY_SET_RECORD_VERSION = 2;
/** Length of a recipient's hint. */
export const HINT_BYTES = 8;
/** Length of one box: the epoch key under AES-256-GCM. */
export const KEY_SET_BOX_BYTES = BOX_OVERHEAD + KEY_BYTES;
/** Most boxes a record holds (members plus decoys): 2048 × 69 bytes fit one entry. */
export const MAX_KEY_SET_BOXES = 2_048;
/** Fewest boxes a record holds: small audiences all look alike. */
export const MIN_KEY_SET_BOXES = 8;
/** Most hint-matching boxes a reader tries in one record. */
export const MAX_HINT_TRIES = 2;
/** Length of a record's random salt. */
export const SALT_BYTES = 16;
/** Longest set name, in UTF-8 bytes. */
export const MAX_SET_NAME_BYTES = 64;

/** A decoded key-set record (structure only: nothing is opened). */
export interface KeySetRecord {
  /** Which audience: `friends`, or a list or conversation id. */
  readonly set: string;
  readonly epoch: number;
  readonly salt: Uint8Array;
  /** `boxes.length` hints of {@link HINT_BYTES}, in box order. */
  readonly hints: Uint8Array;
  readonly boxes: readonly Uint8Array[];
}

/** What names one epoch of one audience: bound into every hint and box. */
export interface KeySetEpoch {
  /** The person whose audience it is (the record's author). */
  readonly author: string;
  readonly set: string;
  readonly epoch: number;
}

/** The number of boxes a record for `members` recipients holds: the size class above it. */
export function sizeClass(members: number): number {
  if (!Number.isSafeInteger(members) || members < 1 || members > MAX_KEY_SET_BOXES) {
    throw new RangeError(`a key set has 1 to ${MAX_KEY_SET_BOXES} members, not ${members}`);
  }
  let size = MIN_KEY_SET_BOXES;
  while (size < members) size *= 2;
  return size;
}

function isSizeClass(count: number): boolean {
  return count >= MIN_KEY_SET_BOXES && count <= MAX_KEY_SET_BOXES && (count & (count - 1)) === 0;
}

function boxLabel(at: KeySetEpoch): Uint8Array {
  return domain('kith/key-set/box/v2', utf8(at.author), utf8(at.set), utf8(String(at.epoch)));
}

/** The hint a member with `pairKey` expects in the record of `at` salted `salt`. */
export async function hintOf(
  pairKey: Uint8Array,
  at: KeySetEpoch,
  salt: Uint8Array,
): Promise<Uint8Array> {
  const subtle = globalThis.crypto.subtle;
  const key = await subtle.importKey(
    'raw',
    toArrayBufferBytes(pairKey),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const message = domain(
    'kith/key-set/hint/v2',
    utf8(at.author),
    utf8(at.set),
    utf8(String(at.epoch)),
    salt,
  );
  const mac = await subtle.sign('HMAC', key, toArrayBufferBytes(message));
  return new Uint8Array(mac, 0, HINT_BYTES);
}

async function boxKey(
  pairKey: Uint8Array,
  at: KeySetEpoch,
  salt: Uint8Array,
): Promise<SymmetricKey> {
  return SymmetricKey.fromRaw(await hkdf(pairKey, salt, boxLabel(at)));
}

/**
 * Encodes the record handing `key` to each member, given the pair key the author shares with
 * each (`PairKeys.pairKey`). Boxes are shuffled among decoys, so order tells nothing either.
 * `random` is replaced only by test vectors (salt, nonces, decoys and shuffle all come from it).
 */
export async function makeKeySetRecord(
  at: KeySetEpoch,
  key: SymmetricKey,
  memberPairKeys: readonly Uint8Array[],
  random: RandomBytes = randomBytes,
): Promise<Uint8Array> {
  const count = sizeClass(memberPairKeys.length);
  const setName = utf8(at.set);
  if (setName.length === 0 || setName.length > MAX_SET_NAME_BYTES) {
    throw new RangeError(`a set name is 1 to ${MAX_SET_NAME_BYTES} bytes`);
  }
  const salt = random(SALT_BYTES);
  const slots: { hint: Uint8Array; box: Uint8Array }[] = [];
  for (const pairKey of memberPairKeys) {
    const sealed = await (await boxKey(pairKey, at, salt)).encrypt(key.raw, boxLabel(at), random);
    slots.push({ hint: await hintOf(pairKey, at, salt), box: sealed });
  }
  while (slots.length < count) {
    // A decoy: random hint, and random bytes behind the box version byte, as a real box shows.
    const box = random(KEY_SET_BOX_BYTES);
    box[0] = 1;
    slots.push({ hint: random(HINT_BYTES), box });
  }
  for (let i = slots.length - 1; i > 0; i--) {
    const r = random(4);
    const j = (((r[0]! << 24) | (r[1]! << 16) | (r[2]! << 8) | r[3]!) >>> 0) % (i + 1);
    [slots[i], slots[j]] = [slots[j]!, slots[i]!];
  }
  const e = encoding.createEncoder();
  encoding.writeUint8(e, KEY_SET_RECORD_VERSION);
  encoding.writeVarUint8Array(e, setName);
  encoding.writeVarUint(e, at.epoch);
  encoding.writeUint8Array(e, salt);
  encoding.writeVarUint(e, count);
  for (const slot of slots) encoding.writeUint8Array(e, slot.hint);
  for (const slot of slots) encoding.writeUint8Array(e, slot.box);
  return encoding.toUint8Array(e);
}

/** Decodes a record's structure; throws {@link KeyRecordError} naming what is wrong. */
export function decodeKeySetRecord(bytes: Uint8Array): KeySetRecord {
  const d = decoding.createDecoder(bytes);
  const need = (n: number, what: string) => {
    if (d.arr.length - d.pos < n) throw new KeyRecordError(`truncated ${what}`);
  };
  try {
    need(1, 'key-set record');
    if (decoding.readUint8(d) !== KEY_SET_RECORD_VERSION) {
      throw new KeyRecordError('unknown key-set record version');
    }
    const setName = decoding.readVarUint8Array(d);
    if (setName.length === 0 || setName.length > MAX_SET_NAME_BYTES) {
      throw new KeyRecordError('bad set name length');
    }
    const set = new TextDecoder('utf-8', { fatal: true }).decode(setName);
    const epoch = decoding.readVarUint(d);
    need(SALT_BYTES, 'salt');
    const salt = decoding.readUint8Array(d, SALT_BYTES).slice();
    const count = decoding.readVarUint(d);
    if (count > MAX_KEY_SET_BOXES) throw new KeyRecordError(`box count ${count} over the cap`);
    if (!isSizeClass(count)) throw new KeyRecordError(`box count ${count} is not a size class`);
    need(count * HINT_BYTES, 'hint table');
    const hints = decoding.readUint8Array(d, count * HINT_BYTES).slice();
    need(count * KEY_SET_BOX_BYTES, 'box table');
    const boxes: Uint8Array[] = [];
    for (let i = 0; i < count; i++) boxes.push(decoding.readUint8Array(d, KEY_SET_BOX_BYTES));
    if (decoding.hasContent(d)) throw new KeyRecordError('trailing bytes after key-set record');
    return { set, epoch, salt, hints, boxes };
  } catch (error) {
    if (error instanceof KeyRecordError) throw error;
    throw new KeyRecordError(`malformed key-set record: ${(error as Error).message}`);
  }
}

/**
 * Opens the box of the member sharing `pairKey` with the author, or returns `null` when the
 * record holds none for them. Throws {@link KeyRecordError} for a malformed record or one of
 * another set or epoch than expected.
 */
export async function openKeySetRecord(
  expected: KeySetEpoch,
  bytes: Uint8Array,
  pairKey: Uint8Array,
): Promise<SymmetricKey | null> {
  const record = decodeKeySetRecord(bytes);
  if (record.set !== expected.set || record.epoch !== expected.epoch) {
    throw new KeyRecordError(
      `record of ${record.set} epoch ${record.epoch} where ${expected.set} epoch ${expected.epoch} was expected`,
    );
  }
  const mine = await hintOf(pairKey, expected, record.salt);
  let tries = 0;
  let key: SymmetricKey | undefined;
  for (let i = 0; i < record.boxes.length && tries < MAX_HINT_TRIES; i++) {
    if (!sameHint(record.hints, i, mine)) continue;
    tries++;
    key ??= await boxKey(pairKey, expected, record.salt);
    try {
      return await SymmetricKey.fromRaw(await key.decrypt(record.boxes[i]!, boxLabel(expected)));
    } catch (error) {
      if (!(error instanceof DecryptError)) throw error;
    }
  }
  return null;
}

/** Whether the record has a box whose hint is the one `pairKey` gives (no box is opened). */
export async function hasHintFor(
  expected: KeySetEpoch,
  record: KeySetRecord,
  pairKey: Uint8Array,
): Promise<boolean> {
  const hint = await hintOf(pairKey, expected, record.salt);
  for (let i = 0; i < record.boxes.length; i++) if (sameHint(record.hints, i, hint)) return true;
  return false;
}

function sameHint(table: Uint8Array, index: number, hint: Uint8Array): boolean {
  const at = index * HINT_BYTES;
  for (let j = 0; j < HINT_BYTES; j++) if (table[at + j] !== hint[j]) return false;
  return true;
}
