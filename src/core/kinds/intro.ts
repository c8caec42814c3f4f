/**
 * `intro/~<tag>/<recordId>`: one record of an introduction (`intro-record.ts`), in its writer's
 * own log, under the writer's tag in a one-to-one conversation with the person it is for, and
 * sealed under that conversation's epoch key, bound to writer and doc id (`kinds/payload.ts`).
 * So only those two read it, a relay learns neither who asks whom nor about whom, and the
 * record id is fresh per record so that the records of one introduction in two conversations
 * cannot be linked by their doc ids. A record kind: nothing is applied to a doc.
 *
 * A record is refused (logged, the views untouched) when its tag is another writer's (nobody
 * speaks for someone else), when the conversation is not one of exactly two people (a group
 * would let others read it), when it does not decode, or when it is out of turn
 * (`intro-views.ts`). A record whose tag is not known yet waits for its epoch.
 */
import {
  ConversationIdError,
  parseConversationTag,
  type ConversationTag,
} from '../crypto/conversation-tag.ts';
import { parseDocId, parsePostId, type PostId } from '../ids.ts';
import { createLogger } from '../log.ts';
import { conversationWait } from './conversation.ts';
import { decodeIntroRecord, IntroRecordError } from './intro-record.ts';
import { applyIntroRecord, introNotification, readIntro } from './intro-views.ts';
import { DocRefError, expectFields, field, TAG_MARK, type RecordKind } from './kind.ts';
import { openedWith, openEncrypted } from './payload.ts';

const log = createLogger('kith:views');

/** One record of an introduction, by its writer. */
export interface IntroRef {
  readonly kind: 'intro';
  readonly tag: ConversationTag;
  /** Random per record (in the grammar of post ids). */
  readonly recordId: PostId;
}

/** The `intro` kind. */
export const introKind: RecordKind<IntroRef> = {
  kind: 'intro',
  shape: 'record',
  // After the conversation's records (rank 0) of the same batch.
  rank: 3,
  format: (ref) => parseDocId(`intro/${TAG_MARK}${ref.tag}/${ref.recordId}`),
  parse(fields) {
    expectFields('intro', fields, 2);
    const tagText = field(fields, 0);
    if (!tagText.startsWith(TAG_MARK)) throw new DocRefError('an introduction names its tag');
    try {
      const tag = parseConversationTag(tagText.slice(TAG_MARK.length));
      return { kind: 'intro', tag, recordId: parsePostId(field(fields, 1)) };
    } catch (error) {
      if (error instanceof ConversationIdError) throw new DocRefError(error.message);
      throw error;
    }
  },
  async take(entry, ref, views, stored) {
    if (entry.payloadKind !== 'encrypted') return;
    const target = await views.conversations.ofTag(ref.tag);
    if (!target) return views.wait(conversationWait(ref.tag), stored);
    const refuse = (reason: string) =>
      log.warn('introduction record refused', { author: entry.author, reason });
    if (target.writer !== entry.author) return refuse('under the tag of another member');
    const held = await views.conversations.newest(target.starter, target.conversation);
    const two = held?.members.length === 2 && held.members.includes(views.me);
    const counterpart = two ? held.members.find((m) => m !== views.me) : undefined;
    if (!counterpart) return refuse('not a conversation of two');
    const mine = entry.author === views.me;
    if (!mine && entry.author !== counterpart) return refuse('not from the conversation’s member');
    const opened = await openEncrypted(entry, (p) => openedWith(p, target.key, entry));
    if (opened.kind !== 'update') return refuse(opened.kind);
    let record;
    try {
      record = decodeIntroRecord(opened.update);
    } catch (error) {
      if (error instanceof IntroRecordError) return refuse(error.reason);
      throw error;
    }
    const at = views.trustedTime(entry.timestamp, undefined);
    const refused = await applyIntroRecord(views.store, {
      record,
      me: views.me,
      counterpart,
      mine,
      at,
      isFriend: (person) => views.isFriend(person),
    });
    if (refused) return refuse(refused);
    // What the other side did: the person hears of it where it asks something of them.
    const view = mine ? null : await readIntro(views.store, record.intro);
    const note = view && introNotification(view, at);
    if (note) await views.store.putNotification(note);
  },
};
