/**
 * Notifications that lead somewhere. Bob comments on Alice's long post; Alice's navigation counts
 * the unread notifications; tapping "Bob commented on your post" opens that post on its own
 * screen with Bob's comment in view, the item is no longer unread, and the badge counts one less.
 *
 * Choices and muting: Alice turns reactions off in the app; Bob's reaction then neither lists
 * nor counts, his comment does; turned back on, the reaction is there; opening the comment's
 * notification reads the reaction's too (the post shows both). Alice mutes Bob from his
 * profile: his post leaves her timeline but stays on his profile, nothing of his lists or
 * counts, not even what he does next; Settings lists him, and "Unmute Bob" brings it all back.
 */
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  befriend,
  explained,
  join,
  onScreen,
  openHome,
  openScreen,
  post,
  waitForPost,
  WAIT,
} from './app-helpers.ts';
import { requireNetns, setupE2e } from './harness.ts';

/** The unread count in the Notifications link's name ("Notifications (2 unread)"), or 0. */
async function unread(page: Page): Promise<number> {
  const name =
    (await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: /Notifications/ })
      .textContent({ timeout: 1_000 })
      .catch(() => '')) ?? '';
  return Number(/\((\d+) unread\)/.exec(name)?.[1] ?? 0);
}

/** What Alice's Notifications screen lists, item by item. */
async function listed(page: Page): Promise<string[]> {
  await openScreen(page, /Notifications/);
  await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor(WAIT);
  // Read once the list is there (or says it is empty), not while "Loading notifications…".
  await page
    .getByRole('button', { name: 'Mark all as read' })
    .or(page.getByText(/^Nothing yet\./))
    .waitFor(WAIT);
  return page.getByRole('listitem').allTextContents();
}

/** The switch of one kind of notification, in the app or as a system notification. */
function choice(page: Page, kind: string, where: 'In the app' | 'As a system notification') {
  return page.getByRole('group', { name: kind }).getByRole('checkbox', { name: where });
}

requireNetns()('notifications that lead somewhere', () => {
  const e2e = setupE2e({ site: 'app' });

  it('tapping a comment notification opens the post at the comment and marks it read', async () => {
    const a = await join(await e2e.person('alice'), 'Alice');
    const b = (await e2e.person('bob')).page;
    await explained({ alice: a, bob: b }, async () => {
      await befriend(a, 'Alice', b, 'Bob');
      // Long enough that the comment starts below the first screen.
      await post(a, `Our trip, day by day: ${'Another day of walking. '.repeat(150)}`);
      await openScreen(b, 'Home');
      const seen = b.getByRole('article').filter({ hasText: 'Our trip' });
      await seen.getByLabel('Write a comment').fill('What a walk!');
      await seen.getByRole('button', { name: 'Comment', exact: true }).click();

      await expect.poll(() => unread(a), WAIT).toBeGreaterThanOrEqual(1);
      await openScreen(a, /Notifications/);
      const item = a.getByRole('listitem').filter({ hasText: 'Bob commented on your post' });
      await item.waitFor(WAIT);
      expect(await item.textContent()).toMatch(/^Unread:/);
      const before = await unread(a);

      await item.getByRole('link').click();
      await a.getByRole('heading', { name: 'Post by Alice', level: 1 }).waitFor(WAIT);
      // On its own screen a long post shows whole (Home folds it behind "See more").
      await a.getByRole('button', { name: 'See less' }).waitFor(WAIT);
      expect(await a.getByRole('button', { name: 'See more' }).count()).toBe(0);
      const comment = a
        .getByRole('list', { name: 'Comments' })
        .getByRole('listitem')
        .filter({ hasText: 'What a walk!' });
      await comment.waitFor(WAIT);
      await expect.poll(() => comment.evaluate(onScreen), WAIT).toBe(true);
      await expect.poll(() => unread(a), WAIT).toBe(before - 1);

      // The post's screen leads back to where one came from (an installed app has no Back).
      await a.getByRole('link', { name: 'Back to Notifications' }).click();
      await a.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor(WAIT);
      await item.waitFor(WAIT);
      expect(await item.textContent()).not.toMatch(/Unread/);
    });
  });

  it('Alice chooses what she hears about, and mutes Bob without him knowing', async () => {
    const a = await join(await e2e.person('alice'), 'Alice');
    const b = (await e2e.person('bob')).page;
    await explained({ alice: a, bob: b }, async () => {
      await befriend(a, 'Alice', b, 'Bob');
      await openScreen(a, /Notifications/);
      await a.getByRole('button', { name: 'Mark all as read' }).click();
      await expect.poll(() => unread(a), WAIT).toBe(0);

      // Reactions off in the app (system notifications stay as they are).
      await openScreen(a, 'Settings');
      const reactions = choice(a, 'Reactions to your posts', 'In the app');
      expect(await reactions.isChecked()).toBe(true);
      await reactions.uncheck();
      expect(
        await choice(a, 'Reactions to your posts', 'As a system notification').isChecked(),
      ).toBe(true);
      // A ticked system column does not read as if system notifications were on.
      await a.getByText(/^System notifications are off on this device/).waitFor(WAIT);

      await post(a, 'Picnic on Sunday?');
      await waitForPost(b, 'Alice', 'Picnic on Sunday?');
      const onBob = b.getByRole('article').filter({ hasText: 'Picnic on Sunday?' });
      await onBob.getByRole('button', { name: 'React', exact: true }).click();
      await onBob.getByRole('button', { name: 'React love' }).click();
      await onBob.getByLabel('Write a comment').fill('Count me in');
      await onBob.getByRole('button', { name: 'Comment', exact: true }).click();

      // Both reached Alice: her post shows the reaction and the comment.
      await openHome(a);
      const mine = a.getByRole('article').filter({ hasText: 'Picnic on Sunday?' });
      await mine.getByText('Count me in').waitFor(WAIT);
      await mine.getByText(/❤️ 1/).waitFor(WAIT);
      await expect.poll(() => unread(a), WAIT).toBe(1);
      let items = await listed(a);
      expect(items.filter((i) => i.includes('Bob commented on your post'))).toHaveLength(1);
      expect(items.filter((i) => i.includes('reacted'))).toEqual([]);

      // Choices stay across a reload; turned back on, the reaction lists and counts.
      await a.reload();
      await openScreen(a, 'Settings');
      expect(await reactions.isChecked()).toBe(false);
      await reactions.check();
      await expect.poll(() => unread(a), WAIT).toBe(2);
      items = await listed(a);
      expect(items.filter((i) => i.includes('Bob reacted to your post'))).toHaveLength(1);
      // Opening the comment's notification opens the post, which shows the reaction too: both
      // are read.
      await a
        .getByRole('listitem')
        .filter({ hasText: 'Bob commented on your post' })
        .getByRole('link')
        .click();
      await a.getByRole('heading', { name: 'Post by Alice', level: 1 }).waitFor(WAIT);
      await expect.poll(() => unread(a), WAIT).toBe(0);

      // Bob posts; Alice mutes him from his profile.
      await post(b, 'Bob’s news of the day');
      await waitForPost(a, 'Bob', 'Bob’s news of the day');
      await a
        .getByRole('article')
        .filter({ hasText: 'Bob’s news of the day' })
        .getByRole('link', { name: 'Bob', exact: true })
        .click();
      await a.getByRole('heading', { name: 'Bob', level: 1 }).waitFor(WAIT);
      await a.getByRole('button', { name: 'Mute Bob' }).click();
      await a.getByText(/You muted Bob/).waitFor(WAIT);
      // His posts stay on his profile.
      await a
        .getByRole('region', { name: 'Posts by Bob' })
        .getByText('Bob’s news of the day')
        .waitFor(WAIT);

      await openHome(a);
      await mine.waitFor(WAIT);
      expect(
        await a.getByRole('article').filter({ hasText: 'Bob’s news of the day' }).count(),
      ).toBe(0);
      await expect.poll(() => unread(a), WAIT).toBe(0);
      expect((await listed(a)).filter((i) => i.includes('Bob'))).toEqual([]);

      // What he does next tells her nothing either.
      await onBob.getByLabel('Write a comment').fill('Still coming');
      await onBob.getByRole('button', { name: 'Comment', exact: true }).click();
      await openHome(a);
      await mine.getByText('Still coming').waitFor(WAIT);
      expect(await unread(a)).toBe(0);
      expect((await listed(a)).filter((i) => i.includes('Bob'))).toEqual([]);

      // Settings lists him; unmuted, his post and his notifications are back.
      await openScreen(a, 'Settings');
      await a
        .getByRole('list', { name: 'Muted people' })
        .getByRole('link', { name: 'Bob', exact: true })
        .waitFor(WAIT);
      await a.getByRole('button', { name: 'Unmute Bob' }).click();
      await a.getByText('You have muted nobody.', { exact: false }).waitFor(WAIT);
      // "Still coming", the one he wrote while muted (the two before were read).
      await expect.poll(() => unread(a), WAIT).toBe(1);
      await waitForPost(a, 'Bob', 'Bob’s news of the day');
    });
  });
});
