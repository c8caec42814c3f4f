/**
 * Opening an entry's payload into the Yjs update it carries, with whichever key its doc needs:
 * none for public docs, the post's content key for a private post and every reply to it, the
 * device owner's self key for their friend list. A payload this device cannot open yet names
 * the key it waits for, so it can be retried when that key arrives.
 */
import { DecryptError, type SymmetricKey } from '../crypto/aead.ts';
import {
  decodePrivatePayload,
  KeyRecordError,
  openPayload,
  replyKey,
  unwrapContentKey,
  type PrivatePayload,
} from '../crypto/audience.ts';
import type { DocRef } from '../docs/doc-ref.ts';
import type { Entry } from '../feed/entry-codec.ts';
import type { PersonId } from '../ids.ts';
import type { Keyring } from './keyring.ts';

/** What opening a payload gave. */
export type Opened =
  | { readonly kind: 'update'; readonly update: Uint8Array }
  /** Not readable yet: waits for this key (an epoch key, or a post's content key). */
  | { readonly kind: 'waiting'; readonly key: string }
  /** Never readable here: not for this device, or refused as malformed. */
  | { readonly kind: 'unreadable'; readonly reason: string };

/** Name of the key a payload waits for: an author's epoch. */
export function epochWait(author: PersonId, epoch: number): string {
  return `epoch:${author}:${epoch}`;
}

/** Name of the key a payload waits for: a post's content key. */
export function contentWait(author: PersonId, postId: string): string {
  return `content:${author}:${postId}`;
}

/** Opens payloads of entries with the keys of one device. */
export class PayloadOpener {
  constructor(
    private readonly keyring: Keyring,
    private readonly me: PersonId,
    private readonly selfKey: SymmetricKey,
  ) {}

  /** Opens the payload of a verified entry of doc `ref`. */
  async open(entry: Entry, ref: DocRef): Promise<Opened> {
    if (entry.payloadKind === 'key-record' || entry.payloadKind === 'embedded-entry') {
      return { kind: 'unreadable', reason: `${entry.payloadKind} is not a doc update` };
    }
    if (entry.payloadKind === 'yjs-update') {
      // Friend lists are never public: a plain one is refused rather than shown.
      if (ref.kind === 'friends') return { kind: 'unreadable', reason: 'plain friend list' };
      // A reply to a post this device holds the key of (a friends-only post) must be sealed
      // with that key: one in clear comes from someone who could not read the post.
      if (
        (ref.kind === 'comment' || ref.kind === 'reaction') &&
        (await this.keyring.contentKey(ref.postAuthor, ref.postId))
      ) {
        return { kind: 'unreadable', reason: 'clear reply to a friends-only post' };
      }
      return { kind: 'update', update: entry.payload };
    }
    try {
      const payload = decodePrivatePayload(entry.payload);
      switch (ref.kind) {
        case 'friends': {
          if (entry.author !== this.me)
            return { kind: 'unreadable', reason: 'another person’s friend list' };
          return this.update(openPayload(payload, this.selfKey, entry.author, entry.docId));
        }
        case 'post': {
          let key = await this.keyring.contentKey(entry.author, ref.postId);
          if (!key) {
            const epochKeys = await this.keyring.epochKeys(entry.author, payload.epoch);
            if (epochKeys.length === 0)
              return { kind: 'waiting', key: epochWait(entry.author, payload.epoch) };
            key = await firstOpening(epochKeys, (k) =>
              unwrapContentKey(payload, k, entry.author, ref.postId),
            );
            await this.keyring.setContentKey(entry.author, ref.postId, key);
          }
          return this.update(openPayload(payload, key, entry.author, entry.docId));
        }
        case 'comment':
        case 'reaction': {
          const key = await this.keyring.contentKey(ref.postAuthor, ref.postId);
          if (!key) return { kind: 'waiting', key: contentWait(ref.postAuthor, ref.postId) };
          // Key records v2: a reply is sealed under its post's audience epoch (see `openReply`).
          if (payload.version === 2) return await this.openReply(entry, ref, payload, key);
          return this.update(openPayload(payload, key, entry.author, entry.docId));
        }
        default:
          return { kind: 'unreadable', reason: `encrypted ${ref.kind} doc` };
      }
    } catch (error) {
      if (error instanceof DecryptError || error instanceof KeyRecordError) {
        return { kind: 'unreadable', reason: error.message };
      }
      throw error;
    }
  }

  private async update(opening: Promise<Uint8Array>): Promise<Opened> {
    return { kind: 'update', update: await opening };
  }

  /** Opens a v2 reply with the reply key of its epoch: waits for that epoch's key if needed. */
  private async openReply(
    entry: Entry,
    ref: Extract<DocRef, { kind: 'comment' | 'reaction' }>,
    payload: PrivatePayload,
    contentKey: SymmetricKey,
  ): Promise<Opened> {
    const epochKeys = await this.keyring.epochKeys(ref.postAuthor, payload.epoch);
    if (epochKeys.length === 0)
      return { kind: 'waiting', key: epochWait(ref.postAuthor, payload.epoch) };
    const update = await firstOpening(epochKeys, async (epochKey) => {
      const key = await replyKey({
        postAuthor: ref.postAuthor,
        postId: ref.postId,
        contentKey,
        epoch: payload.epoch,
        epochKey,
      });
      return openPayload(payload, key, entry.author, entry.docId);
    });
    return { kind: 'update', update };
  }
}

/**
 * The first result of `open` over `keys` (an epoch may hold a key per device that rotated at
 * once); the last `DecryptError` when none opens.
 */
async function firstOpening<T>(
  keys: readonly SymmetricKey[],
  open: (key: SymmetricKey) => Promise<T>,
): Promise<T> {
  let failure: unknown;
  for (const key of keys) {
    try {
      return await open(key);
    } catch (error) {
      if (!(error instanceof DecryptError)) throw error;
      failure = error;
    }
  }
  throw failure;
}
