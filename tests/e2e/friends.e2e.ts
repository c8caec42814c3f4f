/**
 * Alice and Bob become friends through an invite link and use Kith together: the link opens
 * onboarding for Bob, both see each other as friends and connected over real WebRTC (inside the
 * test's network namespace), a friends-only post and a comment travel both ways, and after both
 * reload they are still friends and reconnect with no action.
 */
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { requireNetns, setupE2e, type Person } from './harness.ts';

const WAIT = { timeout: 60_000 };

async function onboard(person: Person, name: string, path = '/'): Promise<Page> {
  const page = person.page;
  await person.goto(path);
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Start' }).click();
  return page;
}

async function friendState(page: Page, name: string): Promise<string> {
  await page.goto(page.url().replace(/#.*$/, '#/friends'));
  const item = page
    .getByRole('list', { name: 'Your friends' })
    .getByRole('listitem')
    .filter({ hasText: name });
  return (await item.textContent({ timeout: 1_000 }).catch(() => '')) ?? '';
}

requireNetns()('friends through an invite link', () => {
  const e2e = setupE2e({ site: 'app' });

  it('Alice invites Bob; they become friends, connect, share a post and a comment, and survive reloads', async () => {
    const alice = await e2e.person('alice');
    const bob = await e2e.person('bob');
    const a = await onboard(alice, 'Alice');
    await a.getByRole('heading', { name: /timeline is quiet/i }).waitFor(WAIT);
    await a.getByRole('link', { name: 'Friends' }).click();
    await a.getByRole('button', { name: 'Create invite link' }).click();
    const linkBox = a.getByRole('textbox', { name: 'Invite link' });
    await linkBox.waitFor(WAIT);
    const link = await linkBox.inputValue();
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#invite=[A-Za-z0-9_-]+$/);
    await a.getByRole('img', { name: 'QR code of the invite link' }).waitFor(WAIT);

    // Bob opens the link in a new browser: onboarding first, then the invite.
    const b = bob.page;
    await bob.goto(link.replace(/^http:\/\/127\.0\.0\.1:\d+/, ''));
    await b.getByText(/you were invited/i).waitFor(WAIT);
    await b.getByLabel('Your name').fill('Bob');
    await b.getByRole('button', { name: 'Start' }).click();
    await b.getByRole('heading', { name: /invited to be friends/i }).waitFor(WAIT);
    await b.getByRole('button', { name: 'Accept invite' }).click();

    // Both see the other as a friend, connected.
    await expect.poll(() => friendState(b, 'Alice'), WAIT).toMatch(/connected|syncing/);
    await expect.poll(() => friendState(a, 'Bob'), WAIT).toMatch(/connected|syncing/);
    // Bob's quiet timeline no longer asks him to invite a friend: he has one.
    await b.getByRole('link', { name: 'Home' }).click();
    await b
      .getByText('Your friends have not posted yet, or their posts are still on the way.')
      .waitFor(WAIT);
    expect(await b.getByRole('link', { name: 'Invite a friend' }).count()).toBe(0);

    // A friends-only post reaches Bob; his comment reaches Alice.
    await a.getByRole('link', { name: 'Home' }).click();
    await a.getByLabel("What's on your mind?").fill('Picnic on Saturday?');
    await a.getByRole('button', { name: 'Post', exact: true }).click();
    await b.getByRole('link', { name: 'Home' }).click();
    const post = b.getByRole('article').filter({ hasText: 'Picnic on Saturday?' });
    await post.waitFor(WAIT);
    expect(await post.getByRole('link', { name: 'Alice' }).count()).toBe(1);
    await post.getByLabel('Write a comment').fill('Count me in');
    await post.getByRole('button', { name: 'Comment', exact: true }).click();
    await a.getByRole('article').getByText('Count me in').waitFor(WAIT);
    // Bob's acceptance and his comment.
    await a.getByRole('link', { name: /Notifications \(2 unread\)/ }).waitFor(WAIT);

    // Both reload: still friends, connected again with no action.
    await a.reload();
    await b.reload();
    await expect.poll(() => friendState(a, 'Bob'), WAIT).toMatch(/connected|syncing/);
    await expect.poll(() => friendState(b, 'Alice'), WAIT).toMatch(/connected|syncing/);
    await b.getByRole('link', { name: 'Home' }).click();
    await b.getByRole('article').filter({ hasText: 'Picnic on Saturday?' }).waitFor(WAIT);
  });
});
