/**
 * Notifications that lead somewhere. Bob comments on Alice's long post; Alice's navigation counts
 * the unread notifications; tapping "Bob commented on your post" opens that post on its own
 * screen with Bob's comment in view, the item is no longer unread, and the badge counts one less.
 */
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { befriend, explained, join, openScreen, post, WAIT } from './app-helpers.ts';
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
      const comment = a
        .getByRole('list', { name: 'Comments' })
        .getByRole('listitem')
        .filter({ hasText: 'What a walk!' });
      await comment.waitFor(WAIT);
      await expect
        .poll(
          () =>
            comment.evaluate((el) => {
              const box = el.getBoundingClientRect();
              return box.top >= 0 && box.bottom <= innerHeight;
            }),
          WAIT,
        )
        .toBe(true);
      await expect.poll(() => unread(a), WAIT).toBe(before - 1);

      await openScreen(a, /Notifications/);
      await item.waitFor(WAIT);
      expect(await item.textContent()).not.toMatch(/Unread/);
    });
  });
});
