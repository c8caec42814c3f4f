/**
 * Steps people take in the real app, shared by the e2e stories: onboarding, and becoming
 * friends through an invite link, as a person would, by role and label.
 */
import type { Page } from 'playwright-core';
import type { Person } from './harness.ts';

/** Bound on every wait in app stories (WebRTC and sync on two shared cores). */
export const WAIT = { timeout: 60_000 };

/** Opens the app and picks a name. */
export async function onboard(person: Person, name: string): Promise<Page> {
  const page = person.page;
  await person.goto('/');
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Start' }).click();
  await page.getByRole('link', { name: 'Home' }).waitFor(WAIT);
  return page;
}

/** Goes to a screen through the main navigation. */
export async function open(
  page: Page,
  screen: 'Home' | 'Friends' | 'Settings' | RegExp,
): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: screen }).click();
}

/** The friend list entry of `name` as text (empty when absent). */
export async function friendState(page: Page, name: string): Promise<string> {
  await open(page, 'Friends');
  const item = page
    .getByRole('list', { name: 'Your friends' })
    .getByRole('listitem')
    .filter({ hasText: name });
  return (await item.textContent({ timeout: 1_000 }).catch(() => '')) ?? '';
}

/** `inviter` invites `invitee` (both onboarded, both online) and waits until both are connected. */
export async function befriend(
  inviter: { page: Page; name: string },
  invitee: { page: Page; name: string },
): Promise<void> {
  await open(inviter.page, 'Friends');
  const box = inviter.page.getByRole('textbox', { name: 'Invite link' });
  const before = (await box.count()) > 0 ? await box.inputValue() : '';
  await inviter.page.getByRole('button', { name: 'Create invite link' }).click();
  // A new link, not the one still shown from an earlier invite.
  await inviter.page.waitForFunction(
    (old) => {
      const input = document.querySelector<HTMLInputElement>('#invite-link');
      return input !== null && input.value !== '' && input.value !== old;
    },
    before,
    WAIT,
  );
  const link = await box.inputValue();
  await invitee.page.goto(link);
  await invitee.page.getByRole('button', { name: 'Accept invite' }).click();
  const connected = async (page: Page, name: string) =>
    /connected|syncing/.test(await friendState(page, name));
  const deadline = Date.now() + WAIT.timeout;
  while (!(
    (await connected(invitee.page, inviter.name)) && (await connected(inviter.page, invitee.name))
  )) {
    if (Date.now() > deadline) {
      const screen = async (p: Page) =>
        (await p.locator('main').textContent())?.replace(/\s+/g, ' ');
      throw new Error(
        `${inviter.name} and ${invitee.name} did not become connected friends.\n` +
          `${invitee.name} sees: ${await screen(invitee.page)}\n` +
          `${inviter.name} sees: ${await screen(inviter.page)}`,
      );
    }
    await invitee.page.waitForTimeout(250);
  }
}

/** Writes a post from the home screen, with photos if given (paths). */
export async function post(page: Page, text: string, photos: string[] = []): Promise<void> {
  await open(page, 'Home');
  if (photos.length > 0) {
    await page.getByLabel('Add photos').setInputFiles(photos);
    await page.getByRole('img', { name: `Photo ${photos.length} to post` }).waitFor(WAIT);
  }
  await page.getByLabel("What's on your mind?").fill(text);
  await page.getByRole('button', { name: 'Post', exact: true }).click();
  await page.getByRole('article').filter({ hasText: text }).waitFor(WAIT);
}
