import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CappedDoc, type DocCaps } from './doc-caps.ts';
import { commentKind } from '../kinds/comment.ts';
import { postKind } from '../kinds/post.ts';
import { reactionKind } from '../kinds/reaction.ts';
import { readPost, writeNewPost } from './post-doc.ts';
import { writeComment, writeReaction } from './small-docs.ts';
import { newDoc } from './yjs-change.ts';

const postCaps = postKind.caps;

/** A hostile writer's post doc: a valid post "hi", then whatever `change` adds, as one update. */
function hostilePost(change: (doc: Y.Doc) => void): { first: Uint8Array; then: Uint8Array } {
  const doc = newDoc(7);
  const first = writeNewPost(doc, { text: 'hi', photos: [], audience: 'public', createdAt: 1 });
  const before = Y.encodeStateVector(doc);
  change(doc);
  return { first, then: Y.encodeStateAsUpdate(doc, before) };
}

/** Applies `updates` in turn to a reader's doc; returns the doc and each outcome. */
function replay(caps: DocCaps, ...updates: Uint8Array[]) {
  const capped = new CappedDoc(newDoc(99), caps);
  const outcomes = updates.map((u) => {
    const outcome = capped.apply(u);
    return outcome.kind === 'refused' ? outcome.reason : outcome.kind;
  });
  return { doc: capped.doc, outcomes };
}

describe('doc caps', () => {
  it('a post doc grown past its bytes keeps its last valid state (state-too-large)', () => {
    const junk: Uint8Array[] = [];
    const doc = newDoc(7);
    const first = writeNewPost(doc, { text: 'hi', photos: [], audience: 'public', createdAt: 1 });
    // An unread key in the post map is refused on its own (below); here the junk is text past
    // what any reader shows (10,000 characters), 250 kB at a time.
    for (let i = 0; i < 8; i++) {
      const before = Y.encodeStateVector(doc);
      const text = doc.getMap('post').get('text') as Y.Text;
      text.insert(2, 'x'.repeat(250_000));
      junk.push(Y.encodeStateAsUpdate(doc, before));
    }
    const { doc: held, outcomes } = replay(postCaps, first, ...junk);
    expect(outcomes).toContain('state-too-large');
    expect(Y.encodeStateAsUpdate(held).length).toBeLessThanOrEqual(postCaps.maxBytes);
    expect(readPost(held)?.text.startsWith('hi')).toBe(true);
  });

  it('an update bigger than the doc’s cap is refused before it is read (update-too-large)', () => {
    const { first, then } = hostilePost((doc) =>
      (doc.getMap('post').get('text') as Y.Text).insert(2, 'x'.repeat(postCaps.maxBytes)),
    );
    const { doc, outcomes } = replay(postCaps, first, then);
    expect(outcomes).toEqual(['applied', 'update-too-large']);
    expect(readPost(doc)?.text).toBe('hi');
  });

  it('unknown keys and other root types are refused (unknown-field); the post stays', () => {
    const key = hostilePost((doc) => doc.getMap('post').set('junk', 'x'.repeat(1000)));
    const root = hostilePost((doc) => doc.getArray('elsewhere').push(['x']));
    const { doc, outcomes } = replay(postCaps, key.first, key.then, root.then);
    expect(outcomes).toEqual(['applied', 'unknown-field', 'unknown-field']);
    expect(readPost(doc)?.text).toBe('hi');
    expect(doc.getMap('post').has('junk')).toBe(false);
  });

  it('a doc takes a bounded number of entries (too-many-entries); repeats do not count', () => {
    const caps = reactionKind.caps;
    const doc = newDoc(3);
    const updates = [];
    for (let i = 0; i <= caps.maxEntries; i++)
      updates.push(writeReaction(doc, i % 2 ? 'wow' : 'like', i)!);
    const { outcomes } = replay(caps, updates[0]!, updates[0]!, ...updates.slice(1));
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(caps.maxEntries + 1);
    expect(outcomes.at(-1)).toBe('too-many-entries');
  });

  it('malformed bytes are refused (malformed-update); comment docs have their own smaller cap', () => {
    const { outcomes } = replay(postCaps, new Uint8Array([255, 255, 255, 255, 1]));
    expect(outcomes).toEqual(['malformed-update']);
    const comment = commentKind.caps;
    expect(comment.maxBytes).toBeLessThan(postCaps.maxBytes);
    const doc = newDoc(4);
    const ok = writeComment(doc, { text: 'fine', createdAt: 1, deleted: false })!;
    expect(replay(comment, ok).outcomes).toEqual(['applied']);
  });
});
