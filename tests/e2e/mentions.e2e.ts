/**
 * Mentions, as a person uses them: Alice and Bob are friends. Alice types "Lunch with @Bo" in
 * the composer, the suggestions offer Bob, she picks him with the keyboard and posts. Bob sees
 * the post with "@Bob" as a link to his profile and a notification "Alice mentioned you in a
 * post". Alice then mentions Bob in a comment, picking him with a click after trying Escape;
 * Bob is told of that too.
 */
import { expect, it } from 'vitest';
import { requireNetns, setupE2e } from './harness.ts';
import { WAIT, befriend, explained, join, openHome, openScreen } from './app-helpers.ts';

requireNetns()('mentions', () => {
  const e2e = setupE2e({ site: 'app' });

  it('Alice mentions Bob in a post and in a comment; Bob sees the link and is notified', async () => {
    const alice = await e2e.person('alice');
    const bob = await e2e.person('bob');
    const a = await join(alice, 'Alice');
    const b = bob.page;
    await befriend(a, 'Alice', b, 'Bob');

    await explained({ alice: a, bob: b }, async () => {
      // The composer: "@Bo" opens the suggestions; Enter picks the active one, Bob.
      await openHome(a);
      const box = a.getByRole('textbox', { name: "What's on your mind?" });
      await box.click();
      await box.pressSequentially('Lunch with @Bo');
      const list = a.getByRole('listbox', { name: 'People to mention' });
      await list.waitFor(WAIT);
      const option = list.getByRole('option', { name: 'Bob' });
      expect(await option.getAttribute('aria-selected')).toBe('true');
      expect(await box.getAttribute('aria-activedescendant')).toBe(await option.getAttribute('id'));
      expect(await box.getAttribute('aria-controls')).toBe(await list.getAttribute('id'));
      await a.keyboard.press('ArrowDown');
      await a.keyboard.press('Enter');
      await expect.poll(() => box.inputValue(), WAIT).toBe('Lunch with @Bob ');
      expect(await list.count()).toBe(0);
      // Closed, the text box points at no list (it would name an id that is not there).
      expect(await box.getAttribute('aria-controls')).toBeNull();
      await box.pressSequentially('at noon');
      await a.getByRole('button', { name: 'Post', exact: true }).click();
      const mine = a.getByRole('article').filter({ hasText: 'Lunch with @Bob at noon' });
      await mine.waitFor(WAIT);

      // Bob sees the post, "@Bob" a link to his own profile.
      await openHome(b);
      const onBob = b.getByRole('article').filter({ hasText: 'Lunch with @Bob at noon' });
      await onBob.waitFor(WAIT);
      const mention = onBob.getByRole('link', { name: '@Bob', exact: true });
      await mention.waitFor(WAIT);
      expect(await mention.getAttribute('href')).toMatch(/^#\/profile\/[A-Za-z0-9_-]{43}$/);
      await openScreen(b, /Notifications \(\d+ unread\)/);
      await b
        .getByRole('listitem')
        .filter({ hasText: 'Alice mentioned you in a post: “Lunch with @Bob at noon”' })
        .waitFor(WAIT);
      await openHome(b);
      await onBob.getByRole('link', { name: '@Bob', exact: true }).click();
      await b.getByRole('heading', { name: 'Bob', level: 1 }).waitFor(WAIT);

      // A comment: Escape closes the suggestions, a new "@" opens them, a click picks Bob.
      const comment = mine.getByRole('combobox', { name: 'Write a comment' });
      await comment.click();
      await comment.pressSequentially('@Bo');
      const commentList = a.getByRole('listbox', { name: 'People to mention' });
      await commentList.waitFor(WAIT);
      expect(await comment.getAttribute('aria-expanded')).toBe('true');
      await a.keyboard.press('Escape');
      await expect.poll(() => commentList.count(), WAIT).toBe(0);
      expect(await comment.getAttribute('aria-expanded')).toBe('false');
      await comment.fill('');
      await comment.pressSequentially('see you there @B');
      await commentList.getByRole('option', { name: 'Bob' }).click();
      await expect.poll(() => comment.inputValue(), WAIT).toBe('see you there @Bob ');
      await mine.getByRole('button', { name: 'Comment', exact: true }).click();
      await mine
        .getByRole('list', { name: 'Comments' })
        .getByRole('link', { name: '@Bob', exact: true })
        .waitFor(WAIT);

      // Bob: the comment's mention is a link too, and he is told.
      await openHome(b);
      const bobsComment = b
        .getByRole('article')
        .filter({ hasText: 'Lunch with @Bob at noon' })
        .getByRole('list', { name: 'Comments' })
        .getByRole('listitem')
        .filter({ hasText: 'see you there' });
      await bobsComment.getByRole('link', { name: '@Bob', exact: true }).waitFor(WAIT);
      await openScreen(b, /Notifications/);
      await b
        .getByRole('listitem')
        .filter({ hasText: 'Alice mentioned you in a comment: “see you there @Bob”' })
        .waitFor(WAIT);
    });
  }, 300_000);
});
