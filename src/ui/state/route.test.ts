import { describe, expect, it } from 'vitest';
import { backLink, parseScreen, screenHref, type Screen } from './route.svelte.ts';
import { SETTINGS_SECTIONS } from './settings-sections.ts';

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

  it('Settings at a section, and a section it does not have', () => {
    for (const section of SETTINGS_SECTIONS.map((s) => s.key)) {
      const screen: Screen = { name: 'settings', section };
      expect(parseScreen(screenHref(screen))).toEqual(screen);
    }
    expect(screenHref({ name: 'settings', section: 'home-peer' })).toBe('#/settings/home-peer');
    expect(parseScreen('#/settings/nowhere')).toEqual({ name: 'settings' });
    expect(parseScreen('#/settings/')).toEqual({ name: 'settings' });
  });

  it('a search keeps what was typed, slashes, accents and all', () => {
    for (const query of ['', 'café au lait', '東京 / 50%', 'a#b?c']) {
      const screen: Screen = { name: 'search', query };
      expect(parseScreen(screenHref(screen))).toEqual(screen);
    }
    expect(parseScreen('#/search/100%')).toEqual({ name: 'search', query: '100%' });
  });
});

const names = (person: string) => (person === 'bob' ? 'Bob' : null);

describe('backLink', () => {
  it('leads Home when the screen was the first one shown', () => {
    expect(backLink(null, names)).toEqual({ href: '#/', label: 'Home' });
  });

  it('leads to the screen shown before, named as its title', () => {
    expect(backLink({ name: 'notifications' }, names)).toEqual({
      href: '#/notifications',
      label: 'Notifications',
    });
  });

  it('keeps what was searched for in the way back', () => {
    const back = backLink({ name: 'search', query: 'long walk' }, names);
    expect(back.label).toBe('Search');
    expect(parseScreen(back.href)).toEqual({ name: 'search', query: 'long walk' });
  });

  it('names a profile by its person, and one whose id names no one as a profile', () => {
    expect(backLink({ name: 'profile', person: 'bob' }, names)).toEqual({
      href: '#/profile/bob',
      label: 'Bob’s profile',
    });
    expect(backLink({ name: 'profile', person: 'nonsense' }, names).label).toBe('Profile');
  });

  it('leads Home from another post or a conversation, not into a loop of posts', () => {
    const before: Screen[] = [
      { name: 'post', post: 'bob/p1' },
      { name: 'conversation', conversation: 'bob/c1' },
    ];
    for (const screen of before)
      expect(backLink(screen, names)).toEqual({ href: '#/', label: 'Home' });
  });
});
