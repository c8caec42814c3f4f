/**
 * Keys of private content (design section 3):
 *
 * - Each private post has its own random **content key**. The post's entries and its photos are
 *   encrypted with it, and every comment and reaction on it with a reply key derived from it
 *   (below), so exactly the post's readers can read all of them, whoever wrote them.
 * - The content key travels **wrapped** with the author's current **friends-epoch key**, inside
 *   every entry of the post (a few dozen bytes), so any one entry can be opened on its own: a
 *   newcomer reading a log recent-first needs no older entry.
 * - The epoch key is **sealed** to each friend's X25519 key and to the author's own devices in an
 *   epoch record (`epoch/<n>` doc). Removing a friend starts epoch n+1, sealed to everyone else:
 *   the removed friend keeps what they could already read, and reads nothing written afterwards.
 *
 * Epoch records name no recipients. Version 1 records (this module) make a reader try each box
 * (trial decryption: one X25519 per box); version 2 records (`key-set.ts`) find a reader's box
 * through a keyed hint. Both are read; new records are version 2.
 *
 * Replies (comments, reactions) to a private post are sealed, from payload version 2, under a
 * reply key derived from the post's content key and the newest epoch key of the post's audience
 * the replier holds; the epoch number travels in the payload. A reader removed from the audience
 * holds the content key but no later epoch key, so opens no reply written after the removal.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { concatBytes, utf8 } from '../bytes.ts';
import { DecryptError, KEY_BYTES, SymmetricKey } from './aead.ts';
import { domain, hkdf } from './kdf.ts';
import { openSealed, sealTo, type X25519KeyPair } from './seal.ts';

/** Most boxes (friends plus own devices) one epoch record may hold. */
export const MAX_EPOCH_RECIPIENTS = 5_000;
const SEALED_KEY_BYTES = 32 + 1 + 12 + KEY_BYTES + 16;
const RECORD_VERSION = 1;
/**
 * Private payload versions: 1 sealed with a content or self key, 2 a reply under a reply key, 3
 * a post for one of its author's lists (`list-payload.ts`: the content key wrapped under a list's
 * key, no epoch named).
 */
type PrivatePayloadVersion = 1 | 2 | 3;

/** Bytes that are not a valid epoch record or private payload. */
export class KeyRecordError extends Error {
  override readonly name = 'KeyRecordError';
}

function sealContext(author: string, epoch: number): string {
  return `kith/epoch-key/v1/${author}/${epoch}`;
}

/**
 * Encodes an epoch record: the epoch key sealed to every recipient (each friend's and each own
 * device's X25519 public key). Box order is shuffled so it reveals nothing about who was added
 * when.
 */
export async function makeEpochRecord(
  author: string,
  epoch: number,
  key: SymmetricKey,
  recipients: readonly Uint8Array[],
): Promise<Uint8Array> {
  if (recipients.length === 0 || recipients.length > MAX_EPOCH_RECIPIENTS) {
    throw new RangeError(`an epoch record has 1 to ${MAX_EPOCH_RECIPIENTS} recipients`);
  }
  const boxes = await Promise.all(
    recipients.map((r) => sealTo(r, key.raw, sealContext(author, epoch))),
  );
  for (let i = boxes.length - 1; i > 0; i--) {
    const j = globalThis.crypto.getRandomValues(new Uint32Array(1))[0]! % (i + 1);
    [boxes[i], boxes[j]] = [boxes[j]!, boxes[i]!];
  }
  const e = encoding.createEncoder();
  encoding.writeUint8(e, RECORD_VERSION);
  encoding.writeVarUint(e, epoch);
  encoding.writeVarUint(e, boxes.length);
  for (const box of boxes) encoding.writeUint8Array(e, box);
  return encoding.toUint8Array(e);
}

/** Decodes an epoch record's structure (no decryption); throws {@link KeyRecordError}. */
export function decodeEpochRecord(bytes: Uint8Array): { epoch: number; boxes: Uint8Array[] } {
  try {
    const d = decoding.createDecoder(bytes);
    if (decoding.readUint8(d) !== RECORD_VERSION)
      throw new KeyRecordError('unknown epoch record version');
    const epoch = decoding.readVarUint(d);
    const count = decoding.readVarUint(d);
    if (count === 0 || count > MAX_EPOCH_RECIPIENTS)
      throw new KeyRecordError('bad recipient count');
    if (bytes.length < count * SEALED_KEY_BYTES) throw new KeyRecordError('truncated epoch record');
    const boxes: Uint8Array[] = [];
    for (let i = 0; i < count; i++) boxes.push(decoding.readUint8Array(d, SEALED_KEY_BYTES));
    if (decoding.hasContent(d)) throw new KeyRecordError('trailing bytes after epoch record');
    return { epoch, boxes };
  } catch (error) {
    if (error instanceof KeyRecordError) throw error;
    throw new KeyRecordError(`malformed epoch record: ${(error as Error).message}`);
  }
}

/**
 * Finds the box sealed to `me` in an epoch record and returns the epoch key, or `null` when the
 * record holds none for `me` (not a friend in that epoch).
 */
export async function openEpochRecord(
  author: string,
  expectedEpoch: number,
  bytes: Uint8Array,
  me: X25519KeyPair,
): Promise<SymmetricKey | null> {
  const { epoch, boxes } = decodeEpochRecord(bytes);
  if (epoch !== expectedEpoch)
    throw new KeyRecordError(`record of epoch ${epoch} in doc of epoch ${expectedEpoch}`);
  for (const box of boxes) {
    try {
      return await SymmetricKey.fromRaw(await openSealed(me, box, sealContext(author, epoch)));
    } catch (error) {
      if (!(error instanceof DecryptError)) throw error;
    }
  }
  return null;
}

/**
 * A private entry's payload: its version, which epoch, the post's wrapped content key (a post's
 * own entries only), the encrypted update.
 */
export interface PrivatePayload {
  readonly version: PrivatePayloadVersion;
  readonly epoch: number;
  readonly wrappedKey: Uint8Array;
  readonly box: Uint8Array;
}

/** Bytes of a content key wrapped under an epoch or list key. */
export const WRAPPED_KEY_BYTES = 1 + 12 + KEY_BYTES + 16;

function wrapContext(author: string, postId: string): Uint8Array {
  return domain('kith/content-key/v1', utf8(author), utf8(postId));
}

/** The AAD binding a private payload's box to its author and doc id. */
export function payloadContext(author: string, docId: string): Uint8Array {
  return domain('kith/payload/v1', utf8(author), utf8(docId));
}

/**
 * Encrypts a Yjs update of a private post doc (the author's own post): the update under the
 * post's content key, bound to author and doc id, and the content key wrapped with the epoch key.
 */
export async function sealPostPayload(input: {
  author: string;
  docId: string;
  postId: string;
  epoch: number;
  epochKey: SymmetricKey;
  contentKey: SymmetricKey;
  update: Uint8Array;
}): Promise<Uint8Array> {
  const wrappedKey = await input.epochKey.encrypt(
    input.contentKey.raw,
    wrapContext(input.author, input.postId),
  );
  const box = await input.contentKey.encrypt(
    input.update,
    payloadContext(input.author, input.docId),
  );
  return encodePrivatePayload({ version: 1, epoch: input.epoch, wrappedKey, box });
}

/** Unwraps a post's content key from a private payload with the matching epoch key. */
export async function unwrapContentKey(
  payload: PrivatePayload,
  epochKey: SymmetricKey,
  author: string,
  postId: string,
): Promise<SymmetricKey> {
  return SymmetricKey.fromRaw(
    await epochKey.decrypt(payload.wrappedKey, wrapContext(author, postId)),
  );
}

/**
 * Encrypts an update of a doc only its author's own devices read (the friend list, under the
 * self key), or written before payload version 2 (a reply under its post's content key).
 */
export async function sealWithKey(input: {
  author: string;
  docId: string;
  contentKey: SymmetricKey;
  update: Uint8Array;
}): Promise<Uint8Array> {
  const box = await input.contentKey.encrypt(
    input.update,
    payloadContext(input.author, input.docId),
  );
  return encodePrivatePayload({ version: 1, epoch: 0, wrappedKey: new Uint8Array(), box });
}

/** The post a reply answers and the audience epoch it is sealed under. */
export interface ReplyKeyInput {
  readonly postAuthor: string;
  readonly postId: string;
  readonly contentKey: SymmetricKey;
  readonly epoch: number;
  readonly epochKey: SymmetricKey;
}

/**
 * The key replies to a private post are sealed with in `epoch`:
 * HKDF-SHA256(ikm = content key ‖ epoch key, salt = empty,
 * info = domain("kith/reply-key/v2", post author, post id, epoch)).
 */
export async function replyKey(input: ReplyKeyInput): Promise<SymmetricKey> {
  return SymmetricKey.fromRaw(
    await hkdf(
      concatBytes(input.contentKey.raw, input.epochKey.raw),
      new Uint8Array(),
      domain(
        'kith/reply-key/v2',
        utf8(input.postAuthor),
        utf8(input.postId),
        utf8(String(input.epoch)),
      ),
    ),
  );
}

/**
 * Encrypts an update of a doc that answers someone's private post (a comment or reaction by
 * `author`) under the reply key of `epoch` (payload version 2).
 */
export async function sealReply(
  input: ReplyKeyInput & { author: string; docId: string; update: Uint8Array },
): Promise<Uint8Array> {
  const key = await replyKey(input);
  const box = await key.encrypt(input.update, payloadContext(input.author, input.docId));
  return encodePrivatePayload({
    version: 2,
    epoch: input.epoch,
    wrappedKey: new Uint8Array(),
    box,
  });
}

/** Opens the update inside a private payload with the key it was sealed under (content, self or reply key). */
export function openPayload(
  payload: PrivatePayload,
  contentKey: SymmetricKey,
  author: string,
  docId: string,
): Promise<Uint8Array> {
  return contentKey.decrypt(payload.box, payloadContext(author, docId));
}

/** Encodes a {@link PrivatePayload}. */
export function encodePrivatePayload(p: PrivatePayload): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, p.version);
  encoding.writeVarUint(e, p.epoch);
  encoding.writeVarUint8Array(e, p.wrappedKey);
  encoding.writeVarUint8Array(e, p.box);
  return encoding.toUint8Array(e);
}

/** Decodes a {@link PrivatePayload}; throws {@link KeyRecordError} on anything malformed. */
export function decodePrivatePayload(bytes: Uint8Array): PrivatePayload {
  try {
    const d = decoding.createDecoder(bytes);
    const version = decoding.readUint8(d);
    if (version !== 1 && version !== 2 && version !== 3)
      throw new KeyRecordError('unknown private payload version');
    const epoch = decoding.readVarUint(d);
    // A list post names no epoch: which list it is for is no relay's business.
    if (version === 3 && epoch !== 0) throw new KeyRecordError('a list post names no epoch');
    const wrappedKey = decoding.readVarUint8Array(d);
    const box = decoding.readVarUint8Array(d);
    const wrapped = [[], [0, WRAPPED_KEY_BYTES], [0], [WRAPPED_KEY_BYTES]][version]!;
    if (!wrapped.includes(wrappedKey.length)) throw new KeyRecordError('bad wrapped key length');
    if (decoding.hasContent(d)) throw new KeyRecordError('trailing bytes after private payload');
    return { version, epoch, wrappedKey, box };
  } catch (error) {
    if (error instanceof KeyRecordError) throw error;
    throw new KeyRecordError(`malformed private payload: ${(error as Error).message}`);
  }
}
