import { describe, expect, it } from 'vitest';
import { foldText } from './fold-text.ts';

describe('folding a long text', () => {
  it('leaves a short text whole', () => {
    expect(foldText('hello\nworld', { chars: 100, lines: 3 })).toEqual({
      shown: 'hello\nworld',
      folded: false,
    });
  });

  it('folds at a space before the character limit', () => {
    const text = 'one two three four five six seven';
    expect(foldText(text, { chars: 16, lines: 10 })).toEqual({
      shown: 'one two three',
      folded: true,
    });
  });

  it('cuts a long word where it must, never inside a surrogate pair', () => {
    expect(foldText('x'.repeat(30), { chars: 10, lines: 5 }).shown).toBe('x'.repeat(10));
    const emoji = '😀'.repeat(10);
    const { shown } = foldText(emoji, { chars: 5, lines: 5 });
    expect(shown).toBe('😀😀');
  });

  it('folds after the line limit', () => {
    expect(foldText('a\nb\nc\nd', { chars: 100, lines: 2 })).toEqual({
      shown: 'a\nb',
      folded: true,
    });
    expect(foldText('a\nb', { chars: 100, lines: 2 }).folded).toBe(false);
  });
});
