/**
 * Nothing is lost while people are away. A post (and a comment) written while a friend's pages
 * are closed is marked "Not delivered yet", reaches them when they return, and loses the mark; and a post reaches a friend who comes back after its author
 * left, carried by a third friend (store and forward, entries verifiable end to end). The mark
 * says who lacks a post: no friend yet, then the friends still away by name.
 * Closing a person's pages keeps their browser context, so their IndexedDB stays.
 */
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { requireNetns, setupE2e, type Person } from './harness.ts';
import { WAIT, befriendExisting, joinAll, openHome, post } from './app-helpers.ts';

/** Closes the person's page (they are away) and returns a function that brings them back. */
async function leave(person: Person): Promise<() => Promise<Page>> {
  await person.page.close();
  return async () => {
    const page = await person.context.newPage();
    await page.goto(`${new URL(person.page.url()).origin}/`);
    await page.getByRole('link', { name: 'Home' }).waitFor(WAIT);
    return page;
  };
}

async function sees(page: Page, text: string): Promise<void> {
  await openHome(page);
  await expect
    .poll(() => page.getByRole('article').filter({ hasText: text }).count(), WAIT)
    .toBe(1);
}

requireNetns()('people who are away', () => {
  const e2e = setupE2e({ site: 'app' });

  it('a post written while Bob is away reaches him when he returns', async () => {
    const [{ page: a }, bob] = await joinAll(e2e, 'Alice', 'Bob');
    await befriendExisting(a, 'Alice', bob.page, 'Bob');
    const bobReturns = await leave(bob.person);
    await post(a, 'Written while Bob was away');
    const status = a.getByLabel('Sync status');
    await expect.poll(() => status.textContent(), WAIT).toMatch(/waiting to be delivered/);
    // The post and Alice's comment on it are each marked until a friend's device takes them.
    const mine = a.getByRole('article').filter({ hasText: 'Written while Bob was away' });
    await mine.getByLabel('Write a comment').fill('And a comment');
    await mine.getByRole('button', { name: 'Comment', exact: true }).click();
    const comment = mine.getByRole('listitem').filter({ hasText: 'And a comment' });
    await comment.getByText('Not delivered yet').waitFor(WAIT);
    await mine.locator('header').getByText('Not delivered yet').waitFor(WAIT);
    const back = await bobReturns();
    await sees(back, 'Written while Bob was away');
    await back
      .getByRole('article')
      .filter({ hasText: 'Written while Bob was away' })
      .getByText('And a comment')
      .waitFor(WAIT);
    await expect.poll(() => status.textContent(), WAIT).toMatch(/1 of 1 friend connected/);
    await expect.poll(() => status.textContent(), WAIT).not.toMatch(/waiting to be delivered/);
    await expect.poll(() => mine.getByText('Not delivered yet').count(), WAIT).toBe(0);
  });

  it('Bob carries Alice’s post to Carol after Alice has left', async () => {
    const [alice, bob, carol] = await joinAll(e2e, 'Alice', 'Bob', 'Carol');
    const [a, b, c] = [alice.page, bob.page, carol.page];
    await befriendExisting(a, 'Alice', b, 'Bob');
    await befriendExisting(a, 'Alice', c, 'Carol');
    await befriendExisting(b, 'Bob', c, 'Carol');
    const carolReturns = await leave(carol.person);
    await post(a, 'Carried by Bob');
    await sees(b, 'Carried by Bob');
    await leave(alice.person);
    const back = await carolReturns();
    await sees(back, 'Carried by Bob');
  });

  it('Alice’s post says who lacks it: no friend yet, then not yet with Carol, then nobody', async () => {
    const [{ page: a }, ben, carol] = await joinAll(e2e, 'Alice', 'Ben', 'Carol');
    await befriendExisting(a, 'Alice', ben.page, 'Ben');
    await befriendExisting(a, 'Alice', carol.page, 'Carol');
    const benReturns = await leave(ben.person);
    const carolReturns = await leave(carol.person);
    await post(a, 'Who has it yet?');
    const mark = a
      .getByRole('article')
      .filter({ hasText: 'Who has it yet?' })
      .locator('header')
      .getByText(/^Not (delivered )?yet/);
    const says = () => mark.textContent({ timeout: 1_000 }).catch(() => null);
    await expect.poll(says, WAIT).toBe('Not delivered yet: no friend has it yet');
    await sees(await benReturns(), 'Who has it yet?');
    await expect.poll(says, WAIT).toBe('Not yet with Carol');
    await sees(await carolReturns(), 'Who has it yet?');
    await expect.poll(() => mark.count(), WAIT).toBe(0);
  });
});
