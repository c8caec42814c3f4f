/**
 * `member/~<tag>`: what one member says of themselves in one epoch of a conversation, in their
 * own log, named by their writer tag (`crypto/conversation-tag.ts`) as their messages are: how
 * far they have read (a read receipt, written only where the reader allows them) and that they
 * left. A record kind: each entry is one whole statement, sealed under the epoch key and bound
 * to writer and doc id (`kinds/payload.ts`), so a relay learns neither the conversation nor the
 * statement, and a member cannot speak for another (a tag of another writer is refused, as for
 * messages). A statement whose tag is not known yet waits for its epoch.
 *
 * Statement (the sealed plaintext): `version u8 = 1 | readThrough varuint (ms) | flags u8`
 * (bit 0: left; other bits zero), nothing after.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import {
  ConversationIdError,
  parseConversationTag,
  type ConversationTag,
} from '../crypto/conversation-tag.ts';
import { parseDocId } from '../ids.ts';
import { createLogger } from '../log.ts';
import { conversationWait } from './conversation.ts';
import { holderWait } from './conversation-holder.ts';
import { conversationKey, putConversation, readConversation } from './conversation-views.ts';
import { DocRefError, expectFields, field, TAG_MARK, type RecordKind } from './kind.ts';
import { openedWith, openEncrypted } from './payload.ts';

const log = createLogger('kith:views');

/** One member's statements in one epoch of a conversation. */
export interface MemberRef {
  readonly kind: 'member';
  readonly tag: ConversationTag;
}

/** What a member says of themselves. */
export interface MemberState {
  /** Messages of others written up to this time (their `createdAt`) are read; 0: none said. */
  readonly readThrough: number;
  /** They left the conversation. */
  readonly left: boolean;
}

const VERSION = 1;
const LEFT = 1;

/** A statement's bytes, before sealing. */
export function encodeMemberState(state: MemberState): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, VERSION);
  encoding.writeVarUint(e, state.readThrough);
  encoding.writeUint8(e, state.left ? LEFT : 0);
  return encoding.toUint8Array(e);
}

/** A statement read back, or `null` when its bytes are not one (a member may be hostile). */
export function decodeMemberState(bytes: Uint8Array): MemberState | null {
  try {
    const d = decoding.createDecoder(bytes);
    if (decoding.readUint8(d) !== VERSION) return null;
    const readThrough = decoding.readVarUint(d);
    const flags = decoding.readUint8(d);
    if (!Number.isSafeInteger(readThrough) || (flags & ~LEFT) !== 0) return null;
    if (decoding.hasContent(d)) return null;
    return { readThrough, left: flags === LEFT };
  } catch {
    // lib0 throws plain errors on bytes cut short: not a statement.
    return null;
  }
}

/** The `member` kind. */
export const memberKind: RecordKind<MemberRef> = {
  kind: 'member',
  shape: 'record',
  // After the conversation's records (rank 0) and messages (rank 2) of the same batch.
  rank: 3,
  format: (ref) => parseDocId(`member/${TAG_MARK}${ref.tag}`),
  parse(fields) {
    expectFields('member', fields, 1);
    const tagText = field(fields, 0);
    if (!tagText.startsWith(TAG_MARK)) throw new DocRefError('a member record names its tag');
    try {
      return { kind: 'member', tag: parseConversationTag(tagText.slice(TAG_MARK.length)) };
    } catch (error) {
      if (error instanceof ConversationIdError) throw new DocRefError(error.message);
      throw error;
    }
  },
  async take(entry, ref, views, stored) {
    if (entry.payloadKind !== 'encrypted') return;
    const target = await views.conversations.ofTag(ref.tag);
    if (!target) return views.wait(conversationWait(ref.tag), stored);
    if (target.writer !== entry.author) {
      log.warn('member record under the tag of another member', { author: entry.author });
      return;
    }
    const opened = await openEncrypted(entry, (p) => openedWith(p, target.key, entry));
    const state = opened.kind === 'update' ? decodeMemberState(opened.update) : null;
    if (!state) {
      log.warn('member record refused', { author: entry.author });
      return;
    }
    const key = conversationKey(target.starter, target.conversation);
    const view = await readConversation(views.store, key);
    if (!view) return;
    const before = view.readBy[entry.author] ?? 0;
    const readThrough = views.trustedTime(state.readThrough, undefined);
    const leaves = state.left && view.members.includes(entry.author);
    if (readThrough <= before && (!leaves || view.left.includes(entry.author))) return;
    await putConversation(views.store, {
      ...view,
      readBy: { ...view.readBy, [entry.author]: Math.max(before, readThrough) },
      left: leaves && !view.left.includes(entry.author) ? [...view.left, entry.author] : view.left,
    });
    // A hand-over record may have waited for this leave (`conversation-holder.ts`).
    if (leaves) await views.release(holderWait(key));
  },
};
