import { describe, expect, it } from 'vitest';
import { MAX_MENTIONS } from '../core/docs/post-doc.ts';
import type { PersonId } from '../core/ids.ts';
import {
  findMentions,
  insertMention,
  liveMentions,
  matchCandidates,
  mentionQuery,
  namedCandidates,
  type MentionCandidate,
} from './mentions.ts';

const person = (name: string, n: number): MentionCandidate => ({
  id: String(n).padStart(43, 'A') as PersonId,
  name,
});
const bob = person('Bob', 1);
const bobby = person('Bobby Tables', 2);
const carol = person('Carol Boyle', 3);
const zoe = person('Zoë', 4);

describe('mentionQuery: the @query at the caret', () => {
  it('finds the word after an @ that begins a word, up to the caret', () => {
    expect(mentionQuery('Lunch with @Bo', 14)).toEqual({ start: 11, end: 14, query: 'Bo' });
    expect(mentionQuery('@Zo', 3)).toEqual({ start: 0, end: 3, query: 'Zo' });
    expect(mentionQuery('(@zoë', 5)).toEqual({ start: 1, end: 5, query: 'zoë' });
    // The caret in the middle of the word: the query is what precedes it.
    expect(mentionQuery('hi @Bobby', 6)).toEqual({ start: 3, end: 6, query: 'Bo' });
  });

  it('is null without letters after the @, after a space, or inside an address', () => {
    expect(mentionQuery('hi @', 4)).toBeNull();
    expect(mentionQuery('hi @1', 5)).toBeNull();
    expect(mentionQuery('hi @Bob ', 8)).toBeNull();
    expect(mentionQuery('mail me at me@Example', 21)).toBeNull();
    expect(mentionQuery('no at sign', 10)).toBeNull();
    expect(mentionQuery(`@${'a'.repeat(41)}`, 42)).toBeNull();
    expect(mentionQuery('@Bo', 9)).toBeNull();
  });
});

describe('matchCandidates', () => {
  const friends = [carol, bobby, zoe, bob];

  it('matches a name or a word of it by prefix, case-insensitive, whole-name prefixes first', () => {
    expect(matchCandidates(friends, 'bo')).toEqual([bob, bobby, carol]);
    expect(matchCandidates(friends, 'BOBBY')).toEqual([bobby]);
    expect(matchCandidates(friends, 'zoë')).toEqual([zoe]);
    expect(matchCandidates(friends, 'tab')).toEqual([bobby]);
  });

  it('finds nothing for an empty or unmatched query, and caps the list', () => {
    expect(matchCandidates(friends, '')).toEqual([]);
    expect(matchCandidates(friends, 'x')).toEqual([]);
    const many = Array.from({ length: 30 }, (_, i) => person(`Bo ${i}`, 100 + i));
    expect(matchCandidates(many, 'bo', 5)).toHaveLength(5);
  });
});

describe('insertMention', () => {
  it('replaces the query with @Name and one space, caret after it', () => {
    const text = 'Lunch with @Bo';
    const q = mentionQuery(text, text.length)!;
    expect(insertMention(text, q, bob)).toEqual({ text: 'Lunch with @Bob ', caret: 16 });
  });

  it('keeps what follows the caret, reusing a space already there', () => {
    const text = 'hi @Ca and more';
    const q = mentionQuery(text, 6)!;
    expect(insertMention(text, q, carol)).toEqual({
      text: 'hi @Carol Boyle and more',
      caret: 16,
    });
  });
});

describe('findMentions and liveMentions: which mentions the text still holds', () => {
  it('finds whole names after a word boundary, the longest name first', () => {
    const text = '@Bobby Tables and @Bob, but not @Bobcat nor x@Bob';
    expect(findMentions(text, [bob, bobby]).map((s) => [s.start, s.end, s.person.name])).toEqual([
      [0, 13, 'Bobby Tables'],
      [18, 22, 'Bob'],
    ]);
  });

  it('drops a mention whose text was deleted or changed, and keeps each person once', () => {
    const recorded = [bob, carol, bob];
    expect(liveMentions('@Bob and @Carol Boyle', recorded)).toEqual([bob, carol]);
    expect(liveMentions('@Bob and @Carol', recorded)).toEqual([bob]);
    expect(liveMentions('@Bo and Carol Boyle', recorded)).toEqual([]);
    expect(liveMentions('@Bob @Bob', recorded)).toEqual([bob]);
  });

  it('sends at most as many mentions as a post holds', () => {
    const many = Array.from({ length: MAX_MENTIONS + 5 }, (_, i) => person(`P${i}x`, 200 + i));
    const text = many.map((p) => `@${p.name}`).join(' ');
    expect(liveMentions(text, many)).toHaveLength(MAX_MENTIONS);
  });
});

describe('namedCandidates', () => {
  it('names people and leaves out those whose name is still loading', () => {
    const names: Record<string, string> = { [bob.id]: 'Bob', [carol.id]: '…' };
    expect(namedCandidates([bob.id, carol.id], (id) => names[id] ?? 'Someone')).toEqual([bob]);
  });
});
