import { describe, expect, it } from 'vitest';
import type { NotificationView } from '../../core/store/storage-adapter.ts';
import {
  describeNotification,
  MAX_AT_ONCE,
  MAX_REMEMBERED,
  parseMemory,
  pickAnnouncements,
  SystemNotifications,
  type NotificationEnv,
} from './system-notifications.ts';

function item(id: string, over: Partial<NotificationView> = {}): NotificationView {
  return {
    id,
    kind: 'comment',
    createdAt: 1_000,
    read: false,
    summary: { from: 'bob', text: `text of ${id}` },
    ...over,
  };
}

describe('which notifications to announce', () => {
  it('announces nothing the first time: what exists is old news, but it is remembered', () => {
    const { announce, memory } = pickAnnouncements([item('a'), item('b')], null, true);
    expect(announce).toEqual([]);
    expect(memory.seen).toEqual(['a', 'b']);
  });

  it('announces new unread items while hidden, each once', () => {
    const first = pickAnnouncements([item('a')], null, true);
    const second = pickAnnouncements([item('b'), item('a')], first.memory, true);
    expect(second.announce.map((i) => i.id)).toEqual(['b']);
    const third = pickAnnouncements([item('b'), item('a')], second.memory, true);
    expect(third.announce).toEqual([]);
  });

  it('never announces what arrived while the page was visible', () => {
    const start = pickAnnouncements([], null, false);
    const visible = pickAnnouncements([item('a')], start.memory, false);
    expect(visible.announce).toEqual([]);
    expect(pickAnnouncements([item('a')], visible.memory, true).announce).toEqual([]);
  });

  it('skips read items and kinds not worth interrupting for, but remembers them', () => {
    const start = pickAnnouncements([], null, true);
    const next = pickAnnouncements(
      [
        item('r', { read: true }),
        item('x', { kind: 'sync-report' }),
        item('f', { kind: 'friend' }),
        item('m', { kind: 'mention' }),
        item('e', { kind: 'reaction' }),
      ],
      start.memory,
      true,
    );
    expect(next.announce.map((i) => i.id)).toEqual(['f', 'm', 'e']);
    expect(next.memory.seen).toEqual(['r', 'x', 'f', 'm', 'e']);
  });

  it('remembers a bounded number of ids, newest first', () => {
    let memory = pickAnnouncements([], null, true).memory;
    for (let round = 0; round < 10; round++) {
      const items = Array.from({ length: 50 }, (_, i) => item(`n${round * 50 + i}`)).reverse();
      memory = pickAnnouncements(items, memory, true).memory;
    }
    expect(memory.seen).toHaveLength(MAX_REMEMBERED);
    expect(memory.seen[0]).toBe('n499');
  });

  it('reads remembered ids back from storage, refusing anything else', () => {
    expect(parseMemory(JSON.stringify({ seen: ['a', 'b'] }))).toEqual({ seen: ['a', 'b'] });
    expect(parseMemory(JSON.stringify({ seen: ['a', 7, null] }))).toEqual({ seen: ['a'] });
    expect(parseMemory('{not json')).toBeNull();
    expect(parseMemory('"seen"')).toBeNull();
    expect(parseMemory('{"seen": "a"}')).toBeNull();
    expect(parseMemory(null)).toBeNull();
  });

  it('says each kind in words, with the text of the peer treated as text', () => {
    const intro = (step: string) => ({
      id: `intro/i/${step}`,
      kind: 'introduction',
      createdAt: 1,
      read: false,
      summary: { from: 'ben', about: 'ada', step },
    });
    expect(describeNotification(intro('ask'), 'Ben', 'Ada')).toBe(
      'Ben asks you to introduce them to Ada',
    );
    expect(describeNotification(intro('offer'), 'Ben', 'Cal')).toBe(
      'Ben wants to introduce you to Cal',
    );
    expect(describeNotification(intro('declined'), 'Ben', 'Ada')).toBe(
      'Ben did not introduce you to Ada',
    );
    expect(describeNotification(intro('answered'), 'Ben', 'Ada')).toBe(
      'Ada answered your introduction, through Ben',
    );
    expect(describeNotification(item('a'), 'Bob')).toBe('Bob commented on your post: “text of a”');
    expect(
      describeNotification(item('b', { kind: 'reaction', summary: { value: 'love' } }), 'Bob'),
    ).toBe('Bob reacted to your post (love)');
    expect(describeNotification(item('c', { kind: 'friend', summary: {} }), 'Bob')).toBe(
      'Bob is now your friend',
    );
    expect(
      describeNotification(item('m', { kind: 'message', summary: { text: 'on my way' } }), 'Bob'),
    ).toBe('Bob sent you a message: “on my way”');
    expect(describeNotification(item('d', { summary: { text: { evil: 1 } } }), 'Bob')).toBe(
      'Bob commented on your post: “”',
    );
  });
});

/** A browser as the module sees it: permission, storage, visibility, notifications shown. */
function fakeBrowser(permission: NotificationPermission, withWorker: boolean) {
  const shown: { title: string; body?: string; tag?: string; href?: string; via: string }[] = [];
  /** What a notification's click opens: the fragment its `data` carries. */
  const hrefOf = (options?: NotificationOptions) => (options?.data as { href?: string })?.href;
  const data = new Map<string, string>();
  const state = { permission, hidden: false, asked: 0 };
  class FakeNotification {
    static get permission() {
      return state.permission;
    }
    static requestPermission() {
      state.asked++;
      // A browser never asks again once denied.
      if (state.permission !== 'denied') state.permission = 'granted';
      return Promise.resolve(state.permission);
    }
    onclick: (() => void) | null = null;
    constructor(title: string, options?: NotificationOptions) {
      shown.push({
        title,
        body: options?.body,
        tag: options?.tag,
        href: hrefOf(options),
        via: 'Notification',
      });
    }
  }
  const env: NotificationEnv = {
    Notification: FakeNotification as unknown as NotificationEnv['Notification'],
    storage: {
      getItem: (k) => data.get(k) ?? null,
      setItem: (k, v) => void data.set(k, v),
      removeItem: (k) => void data.delete(k),
    },
    hidden: () => state.hidden,
    registration: () =>
      Promise.resolve(
        withWorker
          ? {
              showNotification: (title: string, options?: NotificationOptions) => {
                shown.push({
                  title,
                  body: options?.body,
                  tag: options?.tag,
                  href: hrefOf(options),
                  via: 'worker',
                });
                return Promise.resolve();
              },
            }
          : undefined,
      ),
  };
  return { env, shown, state, data };
}

describe('system notifications in a page', () => {
  function setUp(permission: NotificationPermission, withWorker = true) {
    const browser = fakeBrowser(permission, withWorker);
    const items: NotificationView[] = [item('old')];
    const system = new SystemNotifications({
      list: () => Promise.resolve([...items]),
      name: (person) => Promise.resolve(person === 'bob' ? 'Bob' : null),
      env: browser.env,
    });
    return { ...browser, items, system };
  }

  it('asks permission only when turned on, and then shows new items while hidden', async () => {
    const { system, state, shown, items } = setUp('default');
    expect(system.state()).toBe('off');
    await system.check();
    expect(state.asked).toBe(0);
    expect(await system.enable()).toBe('on');
    expect(state.asked).toBe(1);
    expect(shown).toEqual([]);

    items.unshift(item('new'));
    await system.check();
    expect(shown).toEqual([]); // visible: the person sees the app

    state.hidden = true;
    items.unshift(
      item('reaction/bob/reaction/r1', {
        kind: 'reaction',
        summary: { from: 'bob', value: 'love', post: 'alice/p1' },
      }),
    );
    await system.check();
    await system.check();
    expect(shown).toEqual([
      {
        title: 'Kith',
        body: 'Bob reacted to your post (love)',
        tag: 'reaction/bob/reaction/r1',
        // A click opens the post, as the in-app list does (notification-target.ts).
        href: '#/post/alice%2Fp1',
        via: 'worker',
      },
    ]);
  });

  it('does not announce again after a reload (a new instance over the same storage)', async () => {
    const { system, state, shown, items, env } = setUp('granted', false);
    await system.enable();
    state.hidden = true;
    items.unshift(
      item('comment/bob/comment/c1', { summary: { from: 'bob', text: 'hi', post: 'alice/p1' } }),
    );
    await system.check();
    expect(shown.map((s) => [s.tag, s.href, s.via])).toEqual([
      ['comment/bob/comment/c1', '#/post/alice%2Fp1/bob%2Fcomment%2Fc1', 'Notification'],
    ]);
    const reloaded = new SystemNotifications({
      list: () => Promise.resolve([...items]),
      name: () => Promise.resolve(null),
      env,
    });
    expect(reloaded.state()).toBe('on');
    await reloaded.check();
    expect(shown).toHaveLength(1);
  });

  it('judges visibility as a check starts, not after its read', async () => {
    const browser = fakeBrowser('granted', true);
    const items: NotificationView[] = [];
    const system = new SystemNotifications({
      list: () => {
        // The page goes to the background while the check reads.
        const read = Promise.resolve([...items]);
        browser.state.hidden = true;
        return read;
      },
      name: () => Promise.resolve('Bob'),
      env: browser.env,
    });
    await system.enable();
    browser.state.hidden = false;
    items.unshift(item('seen-in-front'));
    await system.check();
    expect(browser.shown).toEqual([]);
    items.unshift(item('arrived-behind'));
    await system.check();
    expect(browser.shown.map((s) => s.tag)).toEqual(['arrived-behind']);
  });

  it('sums up a burst instead of showing each item', async () => {
    const { system, state, shown, items } = setUp('granted');
    await system.enable();
    state.hidden = true;
    for (let i = 0; i <= MAX_AT_ONCE; i++) items.unshift(item(`b${i}`));
    await system.check();
    expect(shown.map((s) => [s.body, s.href])).toEqual([
      [`${MAX_AT_ONCE + 1} new notifications`, '#/notifications'],
    ]);
  });

  it('says when the browser blocks them or lacks them, and can be turned off', async () => {
    const blocked = setUp('denied');
    expect(blocked.system.state()).toBe('blocked');
    expect(await blocked.system.enable()).toBe('blocked');
    expect(blocked.state.asked).toBe(0);
    const on = setUp('granted');
    await on.system.enable();
    expect(on.system.disable()).toBe('off');
    on.state.hidden = true;
    on.items.unshift(item('z'));
    await on.system.check();
    expect(on.shown).toEqual([]);
    const none = new SystemNotifications({
      list: () => Promise.resolve([]),
      name: () => Promise.resolve(null),
      env: { ...on.env, Notification: undefined },
    });
    expect(none.state()).toBe('unsupported');
    expect(await none.enable()).toBe('unsupported');
  });
});

describe('the person’s choices', () => {
  it('a kind turned off, or someone muted, is never announced, and not later either', async () => {
    const browser = fakeBrowser('granted', true);
    const items: NotificationView[] = [];
    let wanted = (i: NotificationView) => i.kind !== 'reaction';
    const system = new SystemNotifications({
      list: () => Promise.resolve([...items]),
      name: () => Promise.resolve('Bob'),
      wanted: (i) => wanted(i),
      env: browser.env,
    });
    await system.enable();
    browser.state.hidden = true;
    items.unshift(item('r', { kind: 'reaction' }), item('c'));
    await system.check();
    expect(browser.shown.map((s) => s.tag)).toEqual(['c']);
    // Turned back on: what was left out then is old news now.
    wanted = () => true;
    await system.check();
    expect(browser.shown.map((s) => s.tag)).toEqual(['c']);
  });
});
