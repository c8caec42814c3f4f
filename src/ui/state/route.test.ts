import { describe, expect, it } from 'vitest';
import { parseScreen, screenHref, type Screen } from './route.svelte.ts';

describe('screens in the fragment', () => {
  it('a post at one of its comments survives the address and back', () => {
    const screen: Screen = {
      name: 'post',
      post: 'author-key/postid',
      item: 'commenter/comment/commentid',
    };
    expect(parseScreen(screenHref(screen))).toEqual(screen);
    expect(screenHref(screen)).toBe('#/post/author-key%2Fpostid/commenter%2Fcomment%2Fcommentid');
  });

  it('a post without a comment, and the other screens', () => {
    for (const screen of [
      { name: 'post', post: 'a/b' },
      { name: 'profile', person: 'p' },
      { name: 'home' },
      { name: 'settings' },
      { name: 'messages' },
      { name: 'conversation', conversation: 'starter-key/conversation-id' },
    ] as Screen[]) {
      expect(parseScreen(screenHref(screen))).toEqual(screen);
    }
    expect(parseScreen('#/nowhere')).toEqual({ name: 'home' });
  });

  it('a search keeps what was typed, slashes, accents and all', () => {
    for (const query of ['', 'café au lait', '東京 / 50%', 'a#b?c']) {
      const screen: Screen = { name: 'search', query };
      expect(parseScreen(screenHref(screen))).toEqual(screen);
    }
    expect(parseScreen('#/search/100%')).toEqual({ name: 'search', query: '100%' });
  });
});
