import { describe, expect, it } from 'vitest';
import { MAX_SHARED_FILE_BYTES, MAX_SHARED_FILES, readShareForm } from './shared-inbox.ts';
import { MAX_POST_TEXT } from '../../core/docs/post-doc.ts';

const picture = (name: string, size = 10) =>
  new File([new Uint8Array(size)], name, { type: 'image/png' });

describe('readShareForm', () => {
  it('keeps shared pictures in order and joins title, text and url', () => {
    const form = new FormData();
    form.append('photos', picture('a.png'));
    form.append('photos', picture('b.png'));
    form.append('title', 'Sunset');
    form.append('text', ' Look at this ');
    form.append('url', 'https://example.org/x');
    const shared = readShareForm(form);
    expect(shared.files.map((f) => f.name)).toEqual(['a.png', 'b.png']);
    expect(shared.text).toBe('Sunset\nLook at this\nhttps://example.org/x');
    expect(shared.notes).toEqual([]);
  });

  it('says a URL once when the text already carries it', () => {
    const form = new FormData();
    form.append('text', 'Read https://example.org/x');
    form.append('url', 'https://example.org/x');
    expect(readShareForm(form).text).toBe('Read https://example.org/x');
  });

  it('leaves out what is not a picture, too large or too many, and says so', () => {
    const form = new FormData();
    form.append('photos', new File(['%PDF'], 'doc.pdf', { type: 'application/pdf' }));
    form.append('photos', 'a string where a file belongs');
    form.append('photos', picture('huge.png', MAX_SHARED_FILE_BYTES + 1));
    for (let i = 0; i < MAX_SHARED_FILES + 2; i++) form.append('photos', picture(`${i}.png`));
    const shared = readShareForm(form);
    expect(shared.files).toHaveLength(MAX_SHARED_FILES);
    expect(shared.files[0]!.name).toBe('0.png');
    expect(shared.notes).toEqual([
      '1 shared file was not a picture, left out.',
      '1 picture was too large to post, left out.',
      `A post holds at most ${MAX_SHARED_FILES} photos; 2 left out.`,
    ]);
  });

  it('cuts text to what a post holds', () => {
    const form = new FormData();
    form.append('text', 'x'.repeat(MAX_POST_TEXT + 5));
    const shared = readShareForm(form);
    expect(shared.text).toHaveLength(MAX_POST_TEXT);
    expect(shared.notes).toEqual([`The shared text was cut to ${MAX_POST_TEXT} characters.`]);
  });

  it('gives an empty share for an empty form', () => {
    expect(readShareForm(new FormData())).toEqual({ files: [], text: '', notes: [] });
  });
});
