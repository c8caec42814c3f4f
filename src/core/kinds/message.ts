/**
 * `message/~<tag>/<messageId>`: one message, in its writer's own log, of a conversation named
 * only by the writer's tag for its epoch (`crypto/conversation-tag.ts`): a relay learns neither
 * the conversation nor its members. Sealed under the conversation's epoch key, bound to writer
 * and doc id, so a member cannot pass another member's ciphertext off as their own. Who wrote a
 * message is the log's signature: a tag names its writer, and an entry under a tag of another
 * writer is refused (a member cannot forge another member's message). A message doc takes only
 * its writer's updates, so nobody else can change or remove it.
 */
import {
  ConversationIdError,
  parseConversationTag,
  type ConversationTag,
} from '../crypto/conversation-tag.ts';
import { readMessage, type MessageContent } from '../docs/message-doc.ts';
import { parseDocId, parsePostId, type PersonId, type PostId } from '../ids.ts';
import { conversationWait } from './conversation.ts';
import {
  conversationKey,
  type ConversationKey,
  messageItem,
  messagesItemKey,
  putConversation,
  readConversation,
} from './conversation-views.ts';
import { excerpt } from './excerpt.ts';
import { DocRefError, expectFields, field, TAG_MARK, type DocKind } from './kind.ts';
import { openedWith, openEncrypted, photoBlobs, sealedUnder, unreadable } from './payload.ts';

/** One message of its writer. */
export interface MessageRef {
  readonly kind: 'message';
  readonly tag: ConversationTag;
  readonly messageId: PostId;
}

/** Sealing a message this device cannot write (no such conversation here, not a member now). */
export class MessageKeyError extends Error {
  override readonly name = 'MessageKeyError';
}

/** What every message doc id starts with. */
export const MESSAGE_DOC_PREFIX = 'message/';

/** The `message` kind. */
export const messageKind: DocKind<MessageRef> = {
  kind: 'message',
  shape: 'doc',
  rank: 2,
  // A withdrawn message's text leaves every honest store (whole-state entries).
  coversEarlier: true,
  caps: {
    maxBytes: 32 * 1024,
    maxEntries: 20,
    root: 'message',
    fields: new Set(['text', 'photos', 'createdAt', 'deleted']),
  },
  format: (ref) => parseDocId(`${MESSAGE_DOC_PREFIX}${TAG_MARK}${ref.tag}/${ref.messageId}`),
  parse(fields) {
    expectFields('message', fields, 2);
    const tagText = field(fields, 0);
    if (!tagText.startsWith(TAG_MARK)) throw new DocRefError('a message names its writer tag');
    try {
      return {
        kind: 'message',
        tag: parseConversationTag(tagText.slice(TAG_MARK.length)),
        messageId: parsePostId(field(fields, 1)),
      };
    } catch (error) {
      if (error instanceof ConversationIdError) throw new DocRefError(error.message);
      throw error;
    }
  },
  async seal(ref, doc, update, port) {
    const target = await port.keys.conversations.ofTag(ref.tag);
    if (!target || target.writer !== port.me) {
      throw new MessageKeyError('this device holds no key to write in that conversation');
    }
    const sealed = await sealedUnder(target.key, port.me, messageKind.format(ref), update);
    return { ...sealed, blobs: photoBlobs(readMessage(doc)?.photos) };
  },
  async open(entry, ref, { keys }) {
    if (entry.payloadKind !== 'encrypted') return unreadable('a message is always sealed');
    const target = await keys.conversations.ofTag(ref.tag);
    if (!target) return { kind: 'waiting', key: conversationWait(ref.tag) };
    if (target.writer !== entry.author) {
      return unreadable('a message under the writer tag of another member');
    }
    return openEncrypted(entry, (payload) => openedWith(payload, target.key, entry));
  },
  async view({ ref, entry, doc }, views) {
    const target = await views.conversations.ofTag(ref.tag);
    if (!target || target.writer !== entry.author) return;
    const key = conversationKey(target.starter, target.conversation);
    const conversation = await readConversation(views.store, key);
    if (!conversation) return;
    const message = readMessage(doc);
    const items = await views.store.itemsByPost(messagesItemKey(key));
    const itemId = `${entry.author}/message/${ref.messageId}`;
    const known = items.find((item) => item.itemId === itemId);
    if (!message || message.deleted) {
      if (known) await views.store.removePostItem(itemId);
      return;
    }
    // Someone removed keeps the old epoch's key: what they write under it once this device
    // knows of the removal is not shown (a message of theirs held from before stays).
    if (!known) {
      const newest = await views.conversations.newest(target.starter, target.conversation);
      if (newest && newest.epoch > target.epoch && !newest.members.includes(entry.author)) return;
    }
    const createdAt = views.trustedTime(message.createdAt, known?.createdAt);
    await views.store.putPostItems([
      messageItem(key, entry.author, ref.messageId, createdAt, {
        text: message.text,
        photos: message.photos,
        epoch: target.epoch,
        tag: ref.tag,
      }),
    ]);
    if (known) return;
    // Messages may arrive out of order (recent first): only a newer one becomes the last.
    const newer = createdAt >= conversation.lastAt;
    const unseen = entry.author !== views.me && createdAt > conversation.readAt;
    if (!newer && !unseen) return;
    if (unseen) {
      await views.store.putNotification({
        id: messageNotificationId(key, entry.author, ref.messageId),
        kind: 'message',
        createdAt,
        read: false,
        summary: { from: entry.author, conversation: key, text: excerpt(shownText(message)) },
      });
    }
    await putConversation(views.store, {
      ...conversation,
      ...(newer
        ? {
            lastAt: createdAt,
            lastText: shownText(message).slice(0, 140),
            lastAuthor: entry.author,
          }
        : {}),
      unread: conversation.unread + (unseen ? 1 : 0),
    });
  },
};

/** What a list shows of a message: its text, or what it holds when it has photos only. */
function shownText(message: MessageContent): string {
  if (message.text.trim() || message.photos.length === 0) return message.text;
  return message.photos.length === 1 ? 'A photo' : `${message.photos.length} photos`;
}

/** The notification of one message: `message/<conversation key>/<writer>/<message id>`. */
export function messageNotificationId(
  key: ConversationKey,
  writer: PersonId,
  messageId: PostId,
): string {
  return `${MESSAGE_NOTIFICATION}${key}/${writer}/${messageId}`;
}

/** What every message notification's id starts with. */
export const MESSAGE_NOTIFICATION = 'message/';
