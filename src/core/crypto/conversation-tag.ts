/**
 * Conversation ids and writer tags (design section 3, "a conversation is an audience"). A
 * conversation is named by its starter and a random id; its messages name it only by a writer
 * tag, as a reply to a friends-only post names the post only by its reply tag
 * (`reply-tag.ts`), so a relay that carries the entries learns neither which conversation a
 * message belongs to nor who else writes in it:
 *
 *   tag = base64url(HKDF-SHA256(ikm = the conversation's epoch key, salt = empty,
 *                               info = domain("kith/conversation-tag/v1", starter key 32,
 *                                             conversation id UTF-8, epoch decimal UTF-8,
 *                                             writer key 32)))
 *         truncated to 16 bytes (22 characters, no padding)
 *
 * One tag per (conversation, epoch, writer): the writer is in the info so that two members'
 * messages never share a tag (a relay cannot group a conversation's writers by it), and so that
 * a member who writes under another member's tag is caught (the tag names its writer, the log
 * signature names the author: they must agree). The epoch is in it so that a member removed at
 * the next epoch cannot even link the messages written afterwards. A tag is no key: it opens
 * nothing.
 */
import {
  BytesFormatError,
  fromBase64Url,
  randomBytes,
  toBase64Url,
  utf8,
  type RandomBytes,
} from '../bytes.ts';
import { personIdToKey, type PersonId } from '../ids.ts';
import type { SymmetricKey } from './aead.ts';
import { domain, hkdf } from './kdf.ts';

declare const tagBrand: unique symbol;
declare const idBrand: unique symbol;
/** A writer's tag in one epoch of a conversation, 22 base64url characters. */
export type ConversationTag = string & { readonly [tagBrand]: 'ConversationTag' };
/** A conversation's random id (unique per starter), 22 base64url characters. */
export type ConversationId = string & { readonly [idBrand]: 'ConversationId' };

/** Bytes of a writer tag, and of a conversation id. */
export const CONVERSATION_TAG_BYTES = 16;
/** The label of the HKDF info a writer tag is derived under. */
export const CONVERSATION_TAG_INFO = 'kith/conversation-tag/v1';

/** Thrown for text that is not a conversation id or writer tag. */
export class ConversationIdError extends Error {
  override readonly name = 'ConversationIdError';
}

/** One epoch of one conversation. */
export interface ConversationEpoch {
  readonly starter: PersonId;
  readonly conversation: ConversationId;
  readonly epoch: number;
}

/** A fresh conversation id. */
export function newConversationId(random: RandomBytes = randomBytes): ConversationId {
  return toBase64Url(random(CONVERSATION_TAG_BYTES)) as ConversationId;
}

/** The tag `writer`'s messages in `at` carry, given the epoch's key. */
export async function writerTag(
  at: ConversationEpoch,
  writer: PersonId,
  epochKey: SymmetricKey,
): Promise<ConversationTag> {
  const info = domain(
    CONVERSATION_TAG_INFO,
    personIdToKey(at.starter),
    utf8(at.conversation),
    utf8(String(at.epoch)),
    personIdToKey(writer),
  );
  const bytes = await hkdf(epochKey.raw, new Uint8Array(0), info, CONVERSATION_TAG_BYTES);
  return toBase64Url(bytes) as ConversationTag;
}

/** Parses a writer tag's text; throws {@link ConversationIdError} for anything else. */
export function parseConversationTag(text: string): ConversationTag {
  return sixteenBytes(text, 'writer tag') as ConversationTag;
}

/** Parses a conversation id's text; throws {@link ConversationIdError} for anything else. */
export function parseConversationId(text: string): ConversationId {
  return sixteenBytes(text, 'conversation id') as ConversationId;
}

function sixteenBytes(text: string, what: string): string {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(text);
  } catch (error) {
    if (error instanceof BytesFormatError) {
      throw new ConversationIdError(`not a ${what}: ${JSON.stringify(text.slice(0, 64))}`);
    }
    throw error;
  }
  if (bytes.length !== CONVERSATION_TAG_BYTES || toBase64Url(bytes) !== text) {
    throw new ConversationIdError(`a ${what} is ${CONVERSATION_TAG_BYTES} bytes`);
  }
  return text;
}
