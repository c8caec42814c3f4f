/**
 * `conversation/<id>/<epoch>`: one epoch of a conversation its author started (design section
 * 3, "a conversation is an audience key set"). A record kind: each entry is one conversation
 * record (`crypto/conversation-record.ts`), the epoch key handed to each member and the roster
 * sealed under it. Only the starter writes a conversation's records, so only the starter adds
 * or removes members: a record under the same id in someone else's log is another conversation
 * (conversations are named by starter and id). Removing a member is a new epoch whose record
 * has no box for them. Learning an epoch maps its members' writer tags, so messages that waited
 * for one open.
 */
import { ConversationIdError, parseConversationId } from '../crypto/conversation-tag.ts';
import type { ConversationId, ConversationTag } from '../crypto/conversation-tag.ts';
import { KeyRecordError } from '../crypto/audience.ts';
import { parseDocId } from '../ids.ts';
import { createLogger } from '../log.ts';
import { takeEpoch } from './conversation-views.ts';
import { DocRefError, expectFields, field, type RecordKind } from './kind.ts';

const log = createLogger('kith:views');

/** Epoch numbers of a conversation stay below this. */
const MAX_CONVERSATION_EPOCH = 2 ** 31;

/** One epoch record of a conversation its author started. */
export interface ConversationRef {
  readonly kind: 'conversation';
  readonly conversation: ConversationId;
  readonly epoch: number;
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
  format: (ref) => parseDocId(`conversation/${ref.conversation}/${ref.epoch}`),
  parse(fields) {
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
  async take(entry, ref, views) {
    if (entry.payloadKind !== 'key-record') return;
    const learnt = await views.conversations
      .learn(entry.author, entry.device, ref.conversation, ref.epoch, entry.payload)
      .catch((error: unknown) => {
        if (!(error instanceof KeyRecordError)) throw error;
        log.warn('malformed conversation record', { author: entry.author, error: error.message });
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
