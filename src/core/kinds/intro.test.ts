import { describe, expect, it } from 'vitest';
import { newPostId } from '../ids.ts';
import type { ConversationTag } from '../crypto/conversation-tag.ts';
import { DocRefError, docIdOf, parseDocRef, rankOf } from './registry.ts';

const tag = 'AAAAAAAAAAAAAAAAAAAAAA' as ConversationTag;

describe('intro doc ids', () => {
  it('round-trip, and rank after the conversation records they wait for', () => {
    const ref = { kind: 'intro' as const, tag, recordId: newPostId() };
    const docId = docIdOf(ref);
    expect(docId).toBe(`intro/~${tag}/${ref.recordId}`);
    expect(parseDocRef(docId)).toEqual(ref);
    expect(rankOf(docId)).toBeGreaterThan(
      rankOf(docIdOf({ kind: 'conversation', conversation: tag as never, epoch: 0 })),
    );
  });

  it('refuses a doc id without its tag mark, a bad record id, or the wrong field count', () => {
    const recordId = newPostId();
    for (const text of [
      `intro/${tag}/${recordId}`,
      `intro/~${tag}/short`,
      `intro/~${tag}`,
      `intro/~${tag}/${recordId}/x`,
      `intro/~short/${recordId}`,
    ]) {
      expect(() => parseDocRef(text), text).toThrow(DocRefError);
    }
  });
});
