/**
 * `conversation/<id>/<epoch>`: one epoch of a conversation its author started (design section
 * 3, "a conversation is an audience key set"). A record kind: each entry is one conversation
 * record (`crypto/conversation-record.ts`), the epoch key handed to each member and the roster
 * sealed under it. The starter writes a conversation's records until they leave, so only they
 * remove members: a record under the same id in someone else's log is another conversation
 * (conversations are named by starter and id). Removing a member is a new epoch whose record
 * has no box for them. Learning an epoch maps its members' writer tags, so messages that waited
 * for one open.
 *
 * `conversation/~<tag>`: the epoch after the one `tag` belongs to, sealed by the member whose
 * writer tag it is, once the key-holding role passed to them (`conversation-holder.ts`). Named by
 * the tag, so a relay learns no conversation id from it, and a device that does not hold the
 * epoch before cannot even place it: it waits for that epoch, then for the leaves that make its
 * writer the holder.
 */
import {
  ConversationIdError,
  parseConversationId,
  parseConversationTag,
} from '../crypto/conversation-tag.ts';
import type { ConversationId, ConversationTag } from '../crypto/conversation-tag.ts';
import { KeyRecordError } from '../crypto/audience.ts';
import { parseDocId, type PersonId } from '../ids.ts';
import { createLogger } from '../log.ts';
import type { StoredEntry } from '../store/storage-adapter.ts';
import { holderWait, nextHolder } from './conversation-holder.ts';
import type { LearntEpoch } from './conversation-port.ts';
import { conversationKey, readConversation, takeEpoch } from './conversation-views.ts';
import {
  DocRefError,
  expectFields,
  field,
  TAG_MARK,
  type RecordKind,
  type ViewPort,
} from './kind.ts';

const log = createLogger('kith:views');

/** Epoch numbers of a conversation stay below this. */
const MAX_CONVERSATION_EPOCH = 2 ** 31;

/** One epoch record of a conversation its author started, or of one handed over to them. */
export type ConversationRef = StarterRecordRef | HolderRecordRef;

/** An epoch record of a conversation its author started. */
export interface StarterRecordRef {
  readonly kind: 'conversation';
  readonly conversation: ConversationId;
  readonly epoch: number;
}

/** The record of the epoch after the one `tag` (its author's writer tag) belongs to. */
export interface HolderRecordRef {
  readonly kind: 'conversation';
  readonly tag: ConversationTag;
}

/** Name of the key a message waits for: the epoch its writer tag belongs to. */
export function conversationWait(tag: ConversationTag): string {
  return `conversation:${tag}`;
}

/** The `conversation` kind. */
export const conversationKind: RecordKind<ConversationRef> = {
  kind: 'conversation',
  shape: 'record',
  rank: 0,
  format: (ref) =>
    parseDocId(
      'tag' in ref
        ? `conversation/${TAG_MARK}${ref.tag}`
        : `conversation/${ref.conversation}/${ref.epoch}`,
    ),
  parse(fields) {
    if (fields.length === 1 && field(fields, 0).startsWith(TAG_MARK)) {
      try {
        const tag = parseConversationTag(field(fields, 0).slice(TAG_MARK.length));
        return { kind: 'conversation', tag };
      } catch (error) {
        if (error instanceof ConversationIdError) throw new DocRefError(error.message);
        throw error;
      }
    }
    expectFields('conversation', fields, 2);
    let conversation: ConversationId;
    try {
      conversation = parseConversationId(field(fields, 0));
    } catch (error) {
      if (error instanceof ConversationIdError) throw new DocRefError(error.message);
      throw error;
    }
    const text = field(fields, 1);
    const epoch = Number(text);
    if (!/^(0|[1-9][0-9]{0,9})$/.test(text) || epoch >= MAX_CONVERSATION_EPOCH) {
      throw new DocRefError(`bad conversation epoch ${JSON.stringify(text)}`);
    }
    return { kind: 'conversation', conversation, epoch };
  },
  async take(entry, ref, views, stored) {
    if (entry.payloadKind !== 'key-record') return;
    const learning =
      'tag' in ref
        ? learnHandOver(entry, ref, views, stored)
        : views.conversations.learn(
            entry.author,
            entry.device,
            ref.conversation,
            ref.epoch,
            entry.payload,
          );
    const learnt = await learning.catch((error: unknown) => {
      if (!(error instanceof KeyRecordError)) throw error;
      log.warn('conversation record refused', { author: entry.author, error: error.message });
      return null;
    });
    if (!learnt) return;
    const startedAt = views.trustedTime(entry.timestamp, undefined);
    if (!(await takeEpoch(views.store, learnt.held, startedAt))) {
      log.warn('conversation refused: too many held', { author: entry.author });
      return;
    }
    for (const tag of learnt.tags) await views.release(conversationWait(tag));
  },
};

/**
 * A hand-over record: opened only when its writer is the holder the epoch before names, once the
 * leaves that name them are held here (until then it waits); `null` when it is not for this
 * device or comes too late to matter.
 */
async function learnHandOver(
  entry: { readonly author: PersonId; readonly device: string; readonly payload: Uint8Array },
  ref: HolderRecordRef,
  views: ViewPort,
  stored: StoredEntry,
): Promise<LearntEpoch | null> {
  const target = await views.conversations.ofTag(ref.tag);
  if (!target) {
    views.wait(conversationWait(ref.tag), stored);
    return null;
  }
  if (target.writer !== entry.author) {
    log.warn('conversation record under the tag of another member', { author: entry.author });
    return null;
  }
  const { starter, conversation } = target;
  const at = { starter, conversation, epoch: target.epoch + 1 };
  const { author, device, payload } = entry;
  const newest = await views.conversations.newest(starter, conversation);
  if (newest?.epoch === at.epoch && newest.holder === author) {
    // Another device of the same holder sealed this epoch too: it may only keep its people.
    return views.conversations.learnHandOver(author, device, at, newest, [], payload);
  }
  if (newest?.epoch !== target.epoch || !newest.members.includes(author)) return null;
  const key = conversationKey(starter, conversation);
  const left = (await readConversation(views.store, key))?.left ?? [];
  if (nextHolder(newest, left) !== author) {
    // Not the holder by the leaves held here: it may be once more of them arrive.
    views.wait(holderWait(key), stored);
    return null;
  }
  return views.conversations.learnHandOver(author, device, at, newest, left, payload);
}
