/**
 * Branded identifiers of the core. Each is a string in one canonical text form, so ids
 * compare with `===` and serve as map keys; the parse functions are the only way to make one
 * from untrusted text.
 */
import {
  BytesFormatError,
  isBase64UrlOf,
  fromBase64Url,
  randomBytes,
  toBase64Url,
  type RandomBytes,
} from './bytes.ts';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A person: base64url (unpadded) of the whole 32-byte Ed25519 identity public key. */
export type PersonId = Brand<string, 'PersonId'>;
/** A device: base64url (unpadded) of the device's 32-byte Ed25519 public key. */
export type DeviceId = Brand<string, 'DeviceId'>;
/** An entry: base64url (unpadded) of the 32-byte SHA-256 of the entry's encoded bytes. */
export type EntryHash = Brand<string, 'EntryHash'>;
/** A Yjs doc of one person: 1 to 128 characters of `[A-Za-z0-9._:/~-]`. */
export type DocId = Brand<string, 'DocId'>;

/** A post (or comment) of one author: 16 random bytes, base64url (22 characters). */
export type PostId = Brand<string, 'PostId'>;
/** One append-only log, named across people: its author and the device that writes it. */
export type LogKey = Brand<string, 'LogKey'>;
/** One post, named across authors (post ids are unique per author only): author and post id. */
export type PostKey = Brand<string, 'PostKey'>;

/** Which kind of id failed to parse. */
export type IdKind = 'PersonId' | 'DeviceId' | 'EntryHash' | 'DocId' | 'PostId' | 'PostKey';

/** Thrown when text or bytes are not a valid id of the expected kind. */
export class IdParseError extends Error {
  override readonly name = 'IdParseError';
  /** The id kind that was expected. */
  readonly kind: IdKind;

  constructor(kind: IdKind, message: string) {
    super(`${kind}: ${message}`);
    this.kind = kind;
  }
}

/** Length in bytes of keys and hashes behind ids. */
export const KEY_BYTES = 32;
/** Longest doc id, in bytes (all doc id characters are ASCII). */
export const MAX_DOC_ID_LENGTH = 128;
const DOC_ID_PATTERN = /^[A-Za-z0-9._:/~-]{1,128}$/;

function fromKeyBytes<T extends string>(kind: IdKind, bytes: Uint8Array): T {
  if (bytes.length !== KEY_BYTES) {
    throw new IdParseError(kind, `expected ${KEY_BYTES} bytes, got ${bytes.length}`);
  }
  return toBase64Url(bytes) as T;
}

/** Characters of a key's or hash's text: base64url of 32 bytes, unpadded. */
export const KEY_TEXT_CHARS = 43;

function parseKeyText<T extends string>(kind: IdKind, text: string): T {
  if (text.length !== KEY_TEXT_CHARS) {
    throw new IdParseError(kind, `expected ${KEY_TEXT_CHARS} base64url characters`);
  }
  if (isBase64UrlOf(text, KEY_BYTES)) return text as T;
  try {
    // Only to say why not.
    fromBase64Url(text);
  } catch (err) {
    if (err instanceof BytesFormatError) throw new IdParseError(kind, err.message);
    throw err;
  }
  throw new IdParseError(kind, 'not canonical base64url');
}

/** The person id of a 32-byte Ed25519 identity public key. */
export function personIdFromKey(publicKey: Uint8Array): PersonId {
  return fromKeyBytes('PersonId', publicKey);
}

/** Validates untrusted text as a person id (format only; key validity is the verifier's job). */
export function parsePersonId(text: string): PersonId {
  return parseKeyText('PersonId', text);
}

/**
 * Whether `parse` takes `text`: false where it refuses it as malformed (`IdParseError`); any
 * other error is a fault and is thrown.
 */
export function parses(parse: (text: string) => unknown, text: string): boolean {
  try {
    parse(text);
    return true;
  } catch (error) {
    if (error instanceof IdParseError) return false;
    throw error;
  }
}

/** Whether untrusted text is a well-formed person id (`parsePersonId` would take it). */
export function isPersonId(text: string): text is PersonId {
  return parses(parsePersonId, text);
}

/** The 32-byte identity public key a person id stands for. */
export function personIdToKey(id: PersonId): Uint8Array {
  return fromBase64Url(id);
}

/** The device id of a 32-byte Ed25519 device public key. */
export function deviceIdFromKey(publicKey: Uint8Array): DeviceId {
  return fromKeyBytes('DeviceId', publicKey);
}

/** Validates untrusted text as a device id. */
export function parseDeviceId(text: string): DeviceId {
  return parseKeyText('DeviceId', text);
}

/** The 32-byte device public key a device id stands for. */
export function deviceIdToKey(id: DeviceId): Uint8Array {
  return fromBase64Url(id);
}

/** The entry hash of a 32-byte SHA-256 digest. */
export function entryHashFromBytes(digest: Uint8Array): EntryHash {
  return fromKeyBytes('EntryHash', digest);
}

/** Validates untrusted text as an entry hash. */
export function parseEntryHash(text: string): EntryHash {
  return parseKeyText('EntryHash', text);
}

/** The 32 digest bytes an entry hash stands for. */
export function entryHashToBytes(hash: EntryHash): Uint8Array {
  return fromBase64Url(hash);
}

/** Validates untrusted text as a doc id. */
export function parseDocId(text: string): DocId {
  if (!DOC_ID_PATTERN.test(text)) {
    throw new IdParseError('DocId', `must be 1 to ${MAX_DOC_ID_LENGTH} of [A-Za-z0-9._:/~-]`);
  }
  return text as DocId;
}

const POST_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/** A fresh random post (or comment) id. */
export function newPostId(random: RandomBytes = randomBytes): PostId {
  return toBase64Url(random(16)) as PostId;
}

/** Validates untrusted text as a post id. */
export function parsePostId(text: string): PostId {
  if (!POST_ID_PATTERN.test(text)) {
    throw new IdParseError('PostId', `not a post id: ${JSON.stringify(text.slice(0, 64))}`);
  }
  return text as PostId;
}

/** The key of one log: the only place its text form is made (a map key, never parsed). */
export function logKey(author: PersonId, device: DeviceId): LogKey {
  return `${author}/${device}` as LogKey;
}

/** The author a log key names. */
export function authorOfLogKey(key: LogKey): PersonId {
  return key.slice(0, key.indexOf('/')) as PersonId;
}

/** The key of one post: the only place its text form (`<author>/<postId>`) is made. */
export function postKey(author: PersonId, postId: PostId): PostKey {
  return `${author}/${postId}` as PostKey;
}

/** The author and post id a post key names; validates untrusted text (an address, a view). */
export function parsePostKey(text: string): { readonly author: PersonId; readonly postId: PostId } {
  const slash = text.indexOf('/');
  if (slash < 0) throw new IdParseError('PostKey', 'expected <author>/<postId>');
  return {
    author: parsePersonId(text.slice(0, slash)),
    postId: parsePostId(text.slice(slash + 1)),
  };
}
