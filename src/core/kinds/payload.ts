/**
 * The sealing and opening steps kinds share: a payload in clear, a payload under one symmetric
 * key (bound to its author and doc id), trying each key of an epoch, and the names of keys a
 * payload can wait for. Which key a kind uses is the kind's choice; how a sealed payload is laid
 * out is `crypto/audience.ts`'s.
 */
import { DecryptError, type SymmetricKey } from '../crypto/aead.ts';
import {
  decodePrivatePayload,
  KeyRecordError,
  openPayload,
  sealWithKey,
  type PrivatePayload,
} from '../crypto/audience.ts';
import { isBlobId, type BlobId } from '../crypto/blobs.ts';
import type { ReplyTag } from '../crypto/reply-tag.ts';
import type { PhotoRef } from '../docs/post-doc.ts';
import type { Entry } from '../feed/entry-codec.ts';
import type { DocId, PersonId, PostId } from '../ids.ts';
import { createLogger } from '../log.ts';
import type { Opened, Sealed } from './kind.ts';

const log = createLogger('kith:views');

/**
 * The ciphertext blobs of sealed photos, listed in clear beside the payload (entries v2) so that
 * a relay or a carrying friend can fetch and serve them without reading anything.
 */
export function photoBlobs(photos: readonly PhotoRef[] | undefined): BlobId[] {
  const ids = (photos ?? []).flatMap((p) => [p.blob, p.thumb]);
  return [...new Set(ids.filter(isBlobId))];
}

/** Name of the key a payload waits for: an author's epoch. */
export function epochWait(author: PersonId, epoch: number): string {
  return `epoch:${author}:${epoch}`;
}

/** Name of the key a payload waits for: a post's content key. */
export function contentWait(author: PersonId, postId: PostId): string {
  return `content:${author}:${postId}`;
}

/** Name of the key a payload waits for: the post a reply tag stands for (its content key). */
export function tagWait(tag: ReplyTag): string {
  return `tag:${tag}`;
}

/** A payload in clear: the update itself. */
export function clear(update: Uint8Array): Sealed {
  return { payloadKind: 'yjs-update', payload: update };
}

/** A payload sealed under `key` alone (no wrapped key: every reader holds `key`). */
export async function sealedUnder(
  key: SymmetricKey,
  author: PersonId,
  docId: DocId,
  update: Uint8Array,
): Promise<Sealed> {
  return {
    payloadKind: 'encrypted',
    payload: await sealWithKey({ author, docId, contentKey: key, update }),
  };
}

/** A payload that opens to nothing here. */
export function unreadable(reason: string): Opened {
  return { kind: 'unreadable', reason };
}

/**
 * Decodes an encrypted payload and opens it with `open`; a malformed payload, or one that does
 * not decrypt with the key `open` chose, is unreadable (it came from someone else); any other
 * error is a bug and is thrown. (Where several keys may open it, `open` tries them with
 * {@link firstOpening} and waits when none does.)
 */
export async function openEncrypted(
  entry: Entry,
  open: (payload: PrivatePayload) => Promise<Opened>,
): Promise<Opened> {
  try {
    return await open(decodePrivatePayload(entry.payload));
  } catch (error) {
    if (error instanceof DecryptError || error instanceof KeyRecordError) {
      return unreadable(error.message);
    }
    throw error;
  }
}

/** Opens a decoded payload of `entry` with the key it was sealed under. */
export async function openedWith(
  payload: PrivatePayload,
  key: SymmetricKey,
  entry: Entry,
): Promise<Opened> {
  return { kind: 'update', update: await openPayload(payload, key, entry.author, entry.docId) };
}

/**
 * The first result of `open` over `keys`, or `null` when none opens it (or there is none): the
 * key it was sealed under may still come. An epoch may hold a key per own device that rotated at
 * once, and a reader holding one of them waits for the record of the other.
 */
export async function firstOpening<T>(
  keys: readonly SymmetricKey[],
  open: (key: SymmetricKey) => Promise<T>,
): Promise<T | null> {
  for (const key of keys) {
    try {
      return await open(key);
    } catch (error) {
      if (!(error instanceof DecryptError)) throw error;
    }
  }
  // Not silent: a payload no key will ever open (its author's doing) waits too, within the
  // materializer's bound of waiting entries.
  if (keys.length > 0)
    log.info('a payload opens with no key held: it waits for another', {
      keys: keys.length,
    });
  return null;
}
