/**
 * The social network with three people: Alice and Bob are friends, Bob and Carol are friends,
 * Alice and Carol are not. Bob posts with a photo; Alice and Carol both see the post and the
 * photo (fetched from Bob's device, encrypted); Carol comments and Alice sees Carol's comment
 * (re-published by Bob); Alice reacts and Bob is notified; Bob edits, then deletes the post, and
 * it changes, then disappears, for both.
 */
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { requireNetns, setupE2e } from './harness.ts';
import { WAIT, befriendExisting, joinAll, openHome, post } from './app-helpers.ts';

/** Waits until the post's photo is drawn (decoded image with pixels). */
async function photoShown(page: Page, text: string): Promise<void> {
  const img = page
    .getByRole('article')
    .filter({ hasText: text })
    .getByRole('img', { name: /Photo 1 of 1 by Bob/ });
  await img.waitFor(WAIT);
  await expect
    .poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), WAIT)
    .toBeGreaterThan(0);
}

requireNetns()('three people and a post', () => {
  const e2e = setupE2e({ site: 'app' });

  it('a photo post, a comment across friendships, a reaction, an edit and a deletion', async () => {
    const [alice, bob, carol] = await joinAll(e2e, 'Alice', 'Bob', 'Carol');
    const [a, b, c] = [alice.page, bob.page, carol.page];
    await befriendExisting(b, 'Bob', a, 'Alice');
    await befriendExisting(b, 'Bob', c, 'Carol');

    await post(b, 'Sunset from the hill', ['public/icons/icon-512.png']);
    for (const page of [a, c]) {
      await openHome(page);
      await page.getByRole('article').filter({ hasText: 'Sunset from the hill' }).waitFor(WAIT);
      await photoShown(page, 'Sunset from the hill');
    }

    const onCarol = c.getByRole('article').filter({ hasText: 'Sunset from the hill' });
    await onCarol.getByLabel('Write a comment').fill('Gorgeous colours');
    await onCarol.getByRole('button', { name: 'Comment', exact: true }).click();
    const onAlice = a.getByRole('article').filter({ hasText: 'Sunset from the hill' });
    await onAlice.getByText('Gorgeous colours').waitFor(WAIT);
    await expect
      .poll(
        () => onAlice.getByRole('listitem').filter({ hasText: 'Gorgeous colours' }).textContent(),
        WAIT,
      )
      .toContain('Carol');

    await onAlice.getByRole('button', { name: 'React', exact: true }).click();
    await onAlice.getByRole('button', { name: 'React love' }).click();
    await b.getByRole('link', { name: /Notifications \(\d+ unread\)/ }).click();
    await b.getByText(/Alice reacted to your post/).waitFor(WAIT);
    await b.getByText(/Carol commented on your post: “Gorgeous colours”/).waitFor(WAIT);

    await openHome(b);
    const mine = b.getByRole('article').filter({ hasText: 'Sunset from the hill' });
    // Bob hides Carol's comment on his post: it disappears for Alice too.
    await mine.getByRole('button', { name: 'Options for Carol’s comment' }).click();
    await mine.getByRole('button', { name: 'Hide comment by Carol' }).click();
    await expect.poll(() => onAlice.getByText('Gorgeous colours').count(), WAIT).toBe(0);
    await mine.getByRole('button', { name: 'Post options' }).click();
    await mine.getByRole('button', { name: 'Edit post' }).click();
    await b.getByLabel('Post text').fill('Sunset from the hill, last night');
    await b.getByRole('button', { name: 'Save' }).click();
    for (const page of [a, c]) {
      await page.getByRole('article').filter({ hasText: 'last night' }).waitFor(WAIT);
    }
    b.once('dialog', (dialog) => void dialog.accept());
    const edited = b.getByRole('article').filter({ hasText: 'last night' });
    await edited.getByRole('button', { name: 'Post options' }).click();
    await edited.getByRole('button', { name: 'Delete post' }).click();
    for (const page of [a, c]) {
      await expect
        .poll(() => page.getByRole('article').filter({ hasText: 'Sunset' }).count(), WAIT)
        .toBe(0);
    }
  });
});
