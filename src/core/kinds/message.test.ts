import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { newConversationId, parseConversationTag } from '../crypto/conversation-tag.ts';
import { CappedDoc } from '../docs/doc-caps.ts';
import { MAX_MESSAGE_LENGTH, readMessage, writeMessage } from '../docs/message-doc.ts';
import { newDoc } from '../docs/yjs-change.ts';
import { newPostId } from '../ids.ts';
import { messageKind, type MessageRef } from './message.ts';
import type { ConversationRef } from './conversation.ts';
import { docIdOf, parseDocRef, rankOf } from './registry.ts';
import { entryOf, kindsPerson } from './test-kinds.ts';

const tag = parseConversationTag('A'.repeat(22));

describe('message and conversation kinds', () => {
  it('round-trip their doc ids; a conversation record ranks before the messages it opens', () => {
    const message: MessageRef = { kind: 'message', tag, messageId: newPostId() };
    const record: ConversationRef = {
      kind: 'conversation',
      conversation: newConversationId(),
      epoch: 7,
    };
    expect(docIdOf(message)).toBe(`message/~${tag}/${message.messageId}`);
    expect(parseDocRef(docIdOf(message))).toEqual(message);
    expect(parseDocRef(docIdOf(record))).toEqual(record);
    expect(rankOf(docIdOf(record))).toBeLessThan(rankOf(docIdOf(message)));
    const handedOver: ConversationRef = { kind: 'conversation', tag };
    expect(docIdOf(handedOver)).toBe(`conversation/~${tag}`);
    expect(parseDocRef(docIdOf(handedOver))).toEqual(handedOver);
  });

  it('a message in clear is never opened, and one whose tag is unknown waits for it', async () => {
    const ada = await kindsPerson(1);
    const ref: MessageRef = { kind: 'message', tag, messageId: newPostId() };
    const doc = newDoc(1);
    writeMessage(doc, 'hi', 1);
    const update = Y.encodeStateAsUpdate(doc);
    const clear = await entryOf(ada, docIdOf(ref), { payloadKind: 'yjs-update', payload: update });
    expect((await messageKind.open(clear, ref, ada.open)).kind).toBe('unreadable');
    const sealed = await entryOf(ada, docIdOf(ref), { payloadKind: 'encrypted', payload: update });
    expect(await messageKind.open(sealed, ref, ada.open)).toEqual({
      kind: 'waiting',
      key: `conversation:${tag}`,
    });
    await expect(messageKind.seal(ref, doc, update, ada.seal())).rejects.toThrow(
      'no key to write in that conversation',
    );
  });

  it('writes within its caps and limits, and refuses a message too long', () => {
    const doc = newDoc(2);
    expect(() => writeMessage(doc, 'x'.repeat(MAX_MESSAGE_LENGTH + 1), 1)).toThrow(
      'at most 4000 characters',
    );
    writeMessage(doc, 'x'.repeat(MAX_MESSAGE_LENGTH), 1);
    const capped = new CappedDoc(newDoc(3), messageKind.caps);
    expect(capped.apply(Y.encodeStateAsUpdate(doc)).kind).toBe('applied');
    expect(readMessage(capped.doc)?.text.length).toBe(MAX_MESSAGE_LENGTH);
  });
});
