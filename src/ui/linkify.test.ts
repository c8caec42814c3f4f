import { describe, expect, it } from 'vitest';
import { linkify } from './linkify.ts';
import type { PersonId } from '../core/ids.ts';

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

describe('linkify with mentions', () => {
  const bob = { id: 'B'.repeat(43) as PersonId, name: 'Bob' };
  const carol = { id: 'C'.repeat(43) as PersonId, name: 'Carol <b>' };

  it('turns the @Name of each mentioned person into a mention piece, links alongside', () => {
    expect(linkify('Lunch with @Bob at https://x.test/menu.', [bob])).toEqual([
      { text: 'Lunch with ' },
      { text: '@Bob', person: bob.id },
      { text: ' at ' },
      { text: 'https://x.test/menu', href: 'https://x.test/menu' },
      { text: '.' },
    ]);
  });

  it('leaves @words of people not mentioned, and partial names, as text', () => {
    expect(linkify('@Bob @Bobby @Dave', [])).toEqual([{ text: '@Bob @Bobby @Dave' }]);
    expect(linkify('@Bobby and @Bob', [bob])).toEqual([
      { text: '@Bobby and ' },
      { text: '@Bob', person: bob.id },
    ]);
  });

  it('keeps markup in a name as text, and an @ inside a URL part of the URL', () => {
    expect(linkify('hi @Carol <b>!', [carol])).toEqual([
      { text: 'hi ' },
      { text: '@Carol <b>', person: carol.id },
      { text: '!' },
    ]);
    expect(linkify('https://x.test/@Bob', [bob])).toEqual([
      { text: 'https://x.test/@Bob', href: 'https://x.test/@Bob' },
    ]);
  });
});
