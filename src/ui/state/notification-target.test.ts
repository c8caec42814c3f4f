import { describe, expect, it } from 'vitest';
import type { NotificationView } from '../../core/store/storage-adapter.ts';
import { hrefFromData, NOTIFICATIONS_HREF } from './notification-data.ts';
import { notificationHref, readWith } from './notification-target.ts';
import { parseScreen, screenHref } from './route.svelte.ts';

function n(id: string, kind: string, summary: NotificationView['summary']): NotificationView {
  return { id, kind, createdAt: 1, read: false, summary };
}

describe('where a notification leads', () => {
  it('a comment on my post opens the post at that comment', () => {
    const href = notificationHref(
      n('comment/bob/comment/c1', 'comment', { from: 'bob', post: 'alice/p1', text: 'hi' }),
    );
    expect(href).toBe('#/post/alice%2Fp1/bob%2Fcomment%2Fc1');
    expect(parseScreen(href)).toEqual({
      name: 'post',
      post: 'alice/p1',
      item: 'bob/comment/c1',
    });
  });

  it('a mention opens the comment it is in, or the post', () => {
    const inComment = n('mention/bob/comment/c2', 'mention', {
      from: 'bob',
      post: 'carol/p2',
      in: 'comment',
      text: '@Alice',
    });
    expect(notificationHref(inComment)).toBe('#/post/carol%2Fp2/bob%2Fcomment%2Fc2');
    const inPost = n('mention/bob/p3', 'mention', { from: 'bob', post: 'bob/p3', in: 'post' });
    expect(notificationHref(inPost)).toBe('#/post/bob%2Fp3');
  });

  it('a reaction opens the post; a new friend, their profile', () => {
    expect(
      notificationHref(n('reaction/bob/reaction/r', 'reaction', { from: 'bob', post: 'alice/p1' })),
    ).toBe('#/post/alice%2Fp1');
    expect(notificationHref(n('friend/bob', 'friend', { from: 'bob' }))).toBe('#/profile/bob');
  });

  it('a message opens its conversation', () => {
    const href = notificationHref(
      n('message/alice/c1/bob/m1', 'message', {
        from: 'bob',
        conversation: 'alice/c1',
        text: 'hi',
      }),
    );
    expect(parseScreen(href)).toEqual({ name: 'conversation', conversation: 'alice/c1' });
    expect(notificationHref(n('message/x', 'message', { conversation: 7 }))).toBe(
      NOTIFICATIONS_HREF,
    );
  });

  it('anything it cannot place opens the Notifications screen', () => {
    expect(notificationHref(n('comment/x', 'comment', { from: 'bob' }))).toBe(NOTIFICATIONS_HREF);
    expect(notificationHref(n('comment/x', 'comment', { post: 42 }))).toBe(NOTIFICATIONS_HREF);
    expect(notificationHref(n('friend/x', 'friend', null))).toBe(NOTIFICATIONS_HREF);
    expect(NOTIFICATIONS_HREF).toBe(screenHref({ name: 'notifications' }));
  });
});

describe('the place a system notification carries back', () => {
  it('takes the app’s own fragments and nothing else', () => {
    expect(hrefFromData({ href: '#/post/alice%2Fp1/bob%2Fcomment%2Fc1' })).toBe(
      '#/post/alice%2Fp1/bob%2Fcomment%2Fc1',
    );
    for (const data of [
      undefined,
      null,
      'x',
      { href: 'https://evil.example/' },
      { href: '//evil.example/#/' },
      { href: 42 },
      { href: `#/${'a'.repeat(3_000)}` },
    ]) {
      expect(hrefFromData(data)).toBe(NOTIFICATIONS_HREF);
    }
  });
});

describe('what opening a notification marks read', () => {
  const comment = n('comment/bob/comment/c1', 'comment', { from: 'bob', post: 'alice/p1' });
  const reaction = n('reaction/carol/reaction/r1', 'reaction', { from: 'carol', post: 'alice/p1' });
  const elsewhere = n('comment/bob/comment/c9', 'comment', { from: 'bob', post: 'alice/p2' });
  const friend = n('friend/dan', 'friend', { from: 'dan' });

  it('the others about the same post, which its screen shows too', () => {
    expect(readWith(comment, [comment, reaction, elsewhere, friend])).toEqual([
      comment.id,
      reaction.id,
    ]);
  });

  it('only itself when it is about no post, and nothing already read', () => {
    expect(readWith(friend, [comment, friend])).toEqual([friend.id]);
    expect(
      readWith(comment, [
        { ...comment, read: true },
        { ...reaction, read: true },
      ]),
    ).toEqual([]);
  });
});
