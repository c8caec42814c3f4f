/**
 * `member/~<tag>`: what one member says of themselves in one epoch of a conversation, in their
 * own log, named by their writer tag (`crypto/conversation-tag.ts`) as their messages are: how
 * far they have read (a read receipt, written only where the reader allows them), that they
 * left, and a new name for the conversation (any member renames it, as in any group chat: the
 * newest name by its time wins on every device, ties to the higher person id). A record kind: each entry is one whole statement, sealed under the epoch key and bound
 * to writer and doc id (`kinds/payload.ts`), so a relay learns neither the conversation nor the
 * statement, and a member cannot speak for another (a tag of another writer is refused, as for
 * messages). A statement whose tag is not known yet waits for its epoch.
 *
 * Statement (the sealed plaintext): `version u8 = 1 | readThrough varuint (ms) | flags u8`
 * (bit 0: left; other bits zero), nothing after; or, naming the conversation,
 * `version u8 = 2 | readThrough varuint | flags u8 (bit 0: left, bit 1: set) |
 * titledAt varuint (ms) | title varstring (at most 80 UTF-16 code units)`, nothing after.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { MAX_TITLE_LENGTH } from '../crypto/conversation-record.ts';
import {
  ConversationIdError,
  parseConversationTag,
  type ConversationTag,
} from '../crypto/conversation-tag.ts';
import { parseDocId, type PersonId } from '../ids.ts';
import { createLogger } from '../log.ts';
import { conversationWait } from './conversation.ts';
import { holderWait } from './conversation-holder.ts';
import {
  conversationKey,
  putConversation,
  readConversation,
  type ConversationView,
} from './conversation-views.ts';
import {
  DocRefError,
  expectFields,
  field,
  TAG_MARK,
  type RecordKind,
  type ViewPort,
} from './kind.ts';
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
  /** The name they gave the conversation, and when (their clock); absent: none given. */
  readonly title?: { readonly text: string; readonly at: number };
}

const VERSION = 1;
const TITLED_VERSION = 2;
const LEFT = 1;
const TITLED = 2;

/** A statement's bytes, before sealing (version 1 unless it names the conversation). */
export function encodeMemberState(state: MemberState): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeUint8(e, state.title ? TITLED_VERSION : VERSION);
  encoding.writeVarUint(e, state.readThrough);
  encoding.writeUint8(e, (state.left ? LEFT : 0) | (state.title ? TITLED : 0));
  if (state.title) {
    encoding.writeVarUint(e, state.title.at);
    encoding.writeVarString(e, state.title.text);
  }
  return encoding.toUint8Array(e);
}

/** A statement read back, or `null` when its bytes are not one (a member may be hostile). */
export function decodeMemberState(bytes: Uint8Array): MemberState | null {
  try {
    const d = decoding.createDecoder(bytes);
    const version = decoding.readUint8(d);
    if (version !== VERSION && version !== TITLED_VERSION) return null;
    const readThrough = decoding.readVarUint(d);
    const flags = decoding.readUint8(d);
    if (!Number.isSafeInteger(readThrough)) return null;
    // Version 1 has the left bit only; version 2 has the set bit, always.
    if (flags & ~(version === VERSION ? LEFT : LEFT | TITLED)) return null;
    if (version === TITLED_VERSION && !(flags & TITLED)) return null;
    let title: MemberState['title'];
    if (version === TITLED_VERSION) {
      const at = decoding.readVarUint(d);
      const text = decoding.readVarString(d);
      if (!Number.isSafeInteger(at) || text.length > MAX_TITLE_LENGTH) return null;
      title = { text, at };
    }
    if (decoding.hasContent(d)) return null;
    const left = (flags & LEFT) !== 0;
    return title ? { readThrough, left, title } : { readThrough, left };
  } catch {
    // lib0 throws plain errors on bytes cut short (or not UTF-8): not a statement.
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
    const leaves =
      state.left && view.members.includes(entry.author) && !view.left.includes(entry.author);
    const title = state.title && renames(view, entry.author, state.title, views);
    if (readThrough <= before && !leaves && !title) return;
    await putConversation(views.store, {
      ...view,
      ...title,
      readBy: { ...view.readBy, [entry.author]: Math.max(before, readThrough) },
      left: leaves ? [...view.left, entry.author] : view.left,
    });
    // A hand-over record may have waited for this leave (`conversation-holder.ts`).
    if (leaves) await views.release(holderWait(key));
  },
};

/**
 * The conversation's name and its time after `author` named it `title`, or `null` when that
 * changes nothing: they are not in it (any more), or a newer name is shown.
 */
function renames(
  view: ConversationView,
  author: PersonId,
  title: { readonly text: string; readonly at: number },
  views: Pick<ViewPort, 'trustedTime'>,
): Pick<ConversationView, 'title' | 'titledAt' | 'titledBy'> | null {
  if (!view.members.includes(author) || view.left.includes(author)) return null;
  const at = views.trustedTime(title.at, undefined);
  const newer = at > view.titledAt || (at === view.titledAt && author > (view.titledBy ?? ''));
  return newer ? { title: title.text, titledAt: at, titledBy: author } : null;
}
