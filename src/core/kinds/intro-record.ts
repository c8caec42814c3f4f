/**
 * The records of an introduction (issue 29) and the answer the introduced person seals to the
 * asker, as bytes. Cal asks Ben, a friend of both, to introduce him to Ada:
 *
 *   Cal -> Ben  ask      { intro, other: Ada }
 *   Ben -> Cal  decline  { intro }                          (Ben declines; Ada is never told)
 *   Ben -> Ada  forward  { intro, asker: Cal, name, Cal's X25519 key }
 *   Ada -> Ben  reply    { intro, answer box }              (sealed to Cal: Ben cannot read it)
 *   Ben -> Cal  relay    { intro, Ada's X25519 key, answer box }
 *
 * Each record travels sealed under the epoch key of the one-to-one conversation of its two
 * people (`kinds/intro.ts`). The answer box is sealed under a key derived from the X25519 pair
 * key of Ada and Cal, and has one size whatever it says, so Ben, who carries it, learns neither
 * Ada's answer nor her invite.
 *
 * Record (the sealed plaintext): `version u8 = 1 | type u8 | intro (16 bytes) | fields`:
 *   ask      `other varString (a person id)`
 *   decline  nothing
 *   forward  `asker varString (a person id) | name varString (<= 320 bytes) | key (32 bytes)`
 *   reply    `box (ANSWER_BOX_BYTES)`
 *   relay    `key (32 bytes) | box (ANSWER_BOX_BYTES)`
 * nothing after. Answer (the box's plaintext, ANSWER_BYTES):
 *   `version u8 = 1 | agree u8 (0 or 1) | intro (16 bytes) | invite varString | zeros`
 * where the invite is the payload of a single-use invite link of Ada's (empty when she declines).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { bytesEqual, concatBytes, fromBase64Url, toBase64Url, randomBytes } from '../bytes.ts';
import { BOX_OVERHEAD, DecryptError, SymmetricKey } from '../crypto/aead.ts';
import { domain, hkdf } from '../crypto/kdf.ts';
import { MAX_INVITE_PAYLOAD_CHARS } from '../invite/invite-codec.ts';
import { IdParseError, parsePersonId, type PersonId } from '../ids.ts';

/** An introduction, named by 16 random bytes (base64url) on every device that takes part. */
export type IntroId = string & { readonly __introId: true };

const INTRO_BYTES = 16;
const KEY_BYTES = 32;
const VERSION = 1;
/** Longest name an introducer passes on (as an invite's signed name). */
export const MAX_INTRO_NAME_BYTES = 320;
const MAX_PERSON_ID_BYTES = 64;
/**
 * The answer's plaintext size: version, flag, intro, and the longest invite payload with its
 * two-byte length; every answer is padded to it.
 */
export const ANSWER_BYTES = 2 + INTRO_BYTES + 2 + MAX_INVITE_PAYLOAD_CHARS;
/** The sealed answer's size: the same whether it agrees or declines. */
export const ANSWER_BOX_BYTES = ANSWER_BYTES + BOX_OVERHEAD;
/** Longest record: a relay. */
export const MAX_INTRO_RECORD_BYTES = 2 + INTRO_BYTES + KEY_BYTES + ANSWER_BOX_BYTES;

/** A record or answer refused as malformed; `reason` says what was wrong. */
export class IntroRecordError extends Error {
  override readonly name = 'IntroRecordError';
  constructor(readonly reason: string) {
    super(`introduction refused: ${reason}`);
  }
}

/** One record of an introduction. */
export type IntroRecord =
  | { readonly type: 'ask'; readonly intro: IntroId; readonly other: PersonId }
  | { readonly type: 'decline'; readonly intro: IntroId }
  | {
      readonly type: 'forward';
      readonly intro: IntroId;
      readonly asker: PersonId;
      readonly name: string;
      readonly askerKey: Uint8Array;
    }
  | { readonly type: 'reply'; readonly intro: IntroId; readonly box: Uint8Array }
  | {
      readonly type: 'relay';
      readonly intro: IntroId;
      readonly otherKey: Uint8Array;
      readonly box: Uint8Array;
    };

/** What the introduced person answers the asker. */
export type IntroAnswer =
  { readonly agree: true; readonly invite: string } | { readonly agree: false };

const TYPES = ['ask', 'decline', 'forward', 'reply', 'relay'] as const;

/** A fresh introduction id. */
export function newIntroId(random = randomBytes): IntroId {
  return toBase64Url(random(INTRO_BYTES)) as IntroId;
}

/** Validates text as an introduction id; throws {@link IntroRecordError}. */
export function parseIntroId(text: string): IntroId {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(text);
  } catch {
    throw new IntroRecordError('not an introduction id');
  }
  if (bytes.length !== INTRO_BYTES || toBase64Url(bytes) !== text) {
    throw new IntroRecordError('not an introduction id');
  }
  return text as IntroId;
}

/** A record's bytes, before sealing. */
export function encodeIntroRecord(record: IntroRecord): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, VERSION);
  encoding.writeUint8(e, TYPES.indexOf(record.type) + 1);
  encoding.writeUint8Array(e, fromBase64Url(record.intro));
  switch (record.type) {
    case 'ask':
      encoding.writeVarString(e, record.other);
      break;
    case 'decline':
      break;
    case 'forward':
      encoding.writeVarString(e, record.asker);
      encoding.writeVarString(e, record.name);
      encoding.writeUint8Array(e, exact(record.askerKey, KEY_BYTES, 'key'));
      break;
    case 'reply':
      encoding.writeUint8Array(e, exact(record.box, ANSWER_BOX_BYTES, 'answer'));
      break;
    case 'relay':
      encoding.writeUint8Array(e, exact(record.otherKey, KEY_BYTES, 'key'));
      encoding.writeUint8Array(e, exact(record.box, ANSWER_BOX_BYTES, 'answer'));
      break;
  }
  return encoding.toUint8Array(e);
}

/** A record read back from untrusted bytes; throws {@link IntroRecordError}. */
export function decodeIntroRecord(bytes: Uint8Array): IntroRecord {
  if (bytes.length > MAX_INTRO_RECORD_BYTES) throw new IntroRecordError('record too large');
  return reading(bytes, (d) => {
    if (decoding.readUint8(d) !== VERSION) throw new IntroRecordError('unknown version');
    const type = TYPES[decoding.readUint8(d) - 1];
    if (!type) throw new IntroRecordError('unknown record type');
    const intro = toBase64Url(bytesOf(d, INTRO_BYTES)) as IntroId;
    let record: IntroRecord;
    switch (type) {
      case 'ask':
        record = { type, intro, other: person(d) };
        break;
      case 'decline':
        record = { type, intro };
        break;
      case 'forward': {
        const asker = person(d);
        const name = text(d, MAX_INTRO_NAME_BYTES, 'name too long');
        record = { type, intro, asker, name, askerKey: bytesOf(d, KEY_BYTES) };
        break;
      }
      case 'reply':
        record = { type, intro, box: bytesOf(d, ANSWER_BOX_BYTES) };
        break;
      case 'relay':
        record = {
          type,
          intro,
          otherKey: bytesOf(d, KEY_BYTES),
          box: bytesOf(d, ANSWER_BOX_BYTES),
        };
        break;
    }
    if (decoding.hasContent(d)) throw new IntroRecordError('bytes after the record');
    return record;
  });
}

/**
 * The key an answer between two people is sealed under: from their X25519 pair key
 * (`crypto/pair-keys.ts`), for this purpose only.
 */
export async function answerKey(pairKey: Uint8Array): Promise<SymmetricKey> {
  return SymmetricKey.fromRaw(
    await hkdf(pairKey, new Uint8Array(0), domain('kith/intro/answer/v1')),
  );
}

/** Seals an answer to introduction `intro` (always {@link ANSWER_BOX_BYTES} long). */
export async function sealAnswer(
  key: SymmetricKey,
  intro: IntroId,
  answer: IntroAnswer,
): Promise<Uint8Array> {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, VERSION);
  encoding.writeUint8(e, answer.agree ? 1 : 0);
  encoding.writeUint8Array(e, fromBase64Url(intro));
  encoding.writeVarString(e, answer.agree ? answer.invite : '');
  const body = encoding.toUint8Array(e);
  if (body.length > ANSWER_BYTES) throw new IntroRecordError('invite too long');
  const plain = concatBytes(body, new Uint8Array(ANSWER_BYTES - body.length));
  return key.encrypt(plain, answerAad(intro));
}

/**
 * Opens an answer to introduction `intro`; throws {@link IntroRecordError} for a box that does
 * not open with `key` for this introduction, or whose contents are malformed.
 */
export async function openAnswer(
  key: SymmetricKey,
  intro: IntroId,
  box: Uint8Array,
): Promise<IntroAnswer> {
  let plain: Uint8Array;
  try {
    plain = await key.decrypt(box, answerAad(intro));
  } catch (error) {
    if (error instanceof DecryptError) throw new IntroRecordError('the answer does not open');
    throw error;
  }
  if (plain.length !== ANSWER_BYTES) throw new IntroRecordError('answer of the wrong size');
  return reading(plain, (d) => {
    if (decoding.readUint8(d) !== VERSION) throw new IntroRecordError('unknown version');
    const agree = decoding.readUint8(d);
    if (agree > 1) throw new IntroRecordError('bad answer flag');
    if (!bytesEqual(bytesOf(d, INTRO_BYTES), fromBase64Url(intro))) {
      throw new IntroRecordError('answer to another introduction');
    }
    const invite = text(d, MAX_INVITE_PAYLOAD_CHARS, 'bad invite in the answer');
    if (decoding.readTailAsUint8Array(d).some((b) => b !== 0)) {
      throw new IntroRecordError('padding not zero');
    }
    if (agree === 0) {
      if (invite !== '') throw new IntroRecordError('a refusal carries no invite');
      return { agree: false };
    }
    if (invite === '' || invite.length > MAX_INVITE_PAYLOAD_CHARS) {
      throw new IntroRecordError('bad invite in the answer');
    }
    return { agree: true, invite };
  });
}

function answerAad(intro: IntroId): Uint8Array {
  return domain('kith/intro/answer-box/v1', fromBase64Url(intro));
}

/** Runs a lib0 read, turning a read past the end into an {@link IntroRecordError}. */
function reading<T>(bytes: Uint8Array, read: (d: decoding.Decoder) => T): T {
  try {
    return read(decoding.createDecoder(bytes));
  } catch (error) {
    if (error instanceof IntroRecordError) throw error;
    // lib0 throws plain errors on bytes cut short or bad UTF-8.
    throw new IntroRecordError('truncated or malformed record');
  }
}

/** A length-prefixed UTF-8 string of at most `max` bytes, wholly present and well-formed. */
function text(d: decoding.Decoder, max: number, tooLong: string): string {
  const length = decoding.readVarUint(d);
  if (length > max) throw new IntroRecordError(tooLong);
  return STRICT_UTF8.decode(bytesOf(d, length));
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

function person(d: decoding.Decoder): PersonId {
  const id = text(d, MAX_PERSON_ID_BYTES, 'bad person id');
  try {
    return parsePersonId(id);
  } catch (error) {
    if (error instanceof IdParseError) throw new IntroRecordError('bad person id');
    throw error;
  }
}

/** `length` bytes, or an error: lib0 would read past the end of a view into its buffer. */
function bytesOf(d: decoding.Decoder, length: number): Uint8Array {
  if (d.arr.length - d.pos < length) throw new IntroRecordError('truncated record');
  return decoding.readUint8Array(d, length).slice();
}

function exact(bytes: Uint8Array, length: number, what: string): Uint8Array {
  if (bytes.length !== length) throw new Error(`${what} must be ${length} bytes`);
  return bytes;
}
