import { describe, expect, it } from 'vitest';
import { linkify } from './linkify.ts';

describe('linkify', () => {
  it('finds http and https links and leaves the rest as text', () => {
    expect(linkify('see https://example.org/a?b=1 and http://x.test.')).toEqual([
      { text: 'see ' },
      { text: 'https://example.org/a?b=1', href: 'https://example.org/a?b=1' },
      { text: ' and ' },
      { text: 'http://x.test', href: 'http://x.test/' },
      { text: '.' },
    ]);
  });

  it('never links other schemes, and keeps markup as text', () => {
    const text = '<script>alert(1)</script> javascript:alert(1) <a href="x">y</a>';
    expect(linkify(text)).toEqual([{ text }]);
  });

  it('handles empty text and text without links', () => {
    expect(linkify('')).toEqual([]);
    expect(linkify('just words')).toEqual([{ text: 'just words' }]);
  });
});
