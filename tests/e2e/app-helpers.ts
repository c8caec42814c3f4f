/**
 * What people do in the real Kith app, for the `app-*.e2e.ts` stories: onboard, invite, accept,
 * post, and look at the Friends and Home screens, finding everything by role and label. Each wait
 * is bounded by `WAIT` (a bound, never an expectation of speed).
 *
 * `enableTestHooks` must run before a person's first page loads: the app then exposes
 * `window.kithTest` (see `src/boot.ts`), which the stories read for what no screen shows (who
 * holds the network, how many connections are open) and use to close a connection on purpose.
 */
import { expect } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { PersonRunning } from '../../src/boot.ts';
import { recentConsole, type E2eSession, type Person } from './harness.ts';

/** The bound on each wait for something the network has to carry. */
export const WAIT = { timeout: 60_000 };

/** Whether an element is wholly on screen (for `locator.evaluate`; runs in the page). */
export function onScreen(el: Element): boolean {
  const box = el.getBoundingClientRect();
  return box.top >= 0 && box.bottom <= innerHeight;
}

declare global {
  interface Window {
    /**
     * Present when `localStorage['kith:test-hooks']` was `'1'` as the app loaded. Typed as the
     * identity device's, which most stories use; a linked device's is a `LinkedRunning`.
     */
    kithTest?: PersonRunning;
  }
}

/** Makes every page of `context` load the app with its test hooks (`window.kithTest`). */
export async function enableTestHooks(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    // A new page starts on about:blank, which has no storage of its own.
    if (location.protocol === 'http:') localStorage.setItem('kith:test-hooks', '1');
  });
}

/** Fills in onboarding with `name` on a page that shows it. */
export async function onboard(page: Page, name: string): Promise<void> {
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Start' }).click();
}

/** Opens the app for `person` and onboards as `name`; returns the page, on Home. */
export async function join(person: Person, name: string): Promise<Page> {
  await person.goto('/');
  await onboard(person.page, name);
  await person.page.getByRole('link', { name: 'Home' }).waitFor(WAIT);
  return person.page;
}

/**
 * People who each open the app in their own browser context and onboard under their name, one
 * after the other; each comes back with their page, on Home.
 */
export async function joinAll<const N extends readonly string[]>(
  e2e: E2eSession,
  ...names: N
): Promise<{ [K in keyof N]: { person: Person; page: Page } }> {
  const joined: { person: Person; page: Page }[] = [];
  for (const name of names) {
    const person = await e2e.person(name.toLowerCase());
    joined.push({ person, page: await join(person, name) });
  }
  return joined as { [K in keyof N]: { person: Person; page: Page } };
}

/** Goes to a screen through the main navigation. */
export async function openScreen(
  page: Page,
  screen: 'Home' | 'Friends' | 'Settings' | RegExp,
): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: screen }).click();
}

/** Opens the Friends screen through the main navigation. */
export async function openFriends(page: Page): Promise<void> {
  await openScreen(page, 'Friends');
  await page.getByRole('heading', { name: 'Friends', level: 1 }).waitFor(WAIT);
}

/** Opens the Home screen through the main navigation. */
export async function openHome(page: Page): Promise<void> {
  await openScreen(page, 'Home');
  await page.getByRole('form', { name: 'New post' }).waitFor(WAIT);
}

/** Creates an invite link on the Friends screen and returns it as shown. */
export async function createInvite(page: Page): Promise<string> {
  await openFriends(page);
  const box = page.getByRole('textbox', { name: 'Invite link' });
  // The box may still show the link made before; the new one replaces it.
  const before = (await box.count()) > 0 ? await box.inputValue() : '';
  await page.getByRole('button', { name: 'Create invite link' }).click();
  await expect
    .poll(() => box.inputValue({ timeout: 1_000 }).catch(() => before), WAIT)
    .not.toBe(before);
  const link = await box.inputValue();
  expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#invite=[A-Za-z0-9_-]+$/);
  return link;
}

/**
 * Opens `link` on a page of someone who has no profile yet: onboarding as `name`, then the
 * invite's own screen, where they accept.
 */
export async function acceptAsNewcomer(page: Page, link: string, name: string): Promise<void> {
  await page.goto(link);
  await page.getByText(/you were invited/i).waitFor(WAIT);
  await onboard(page, name);
  await page.getByRole('heading', { name: /invited to be friends/i }).waitFor(WAIT);
  await page.getByRole('button', { name: 'Accept invite' }).click();
}

/** The item of `name` in the friends list of the Friends screen. */
export function friendItem(page: Page, name: string) {
  return page
    .getByRole('list', { name: 'Your friends' })
    .getByRole('listitem')
    .filter({ has: page.getByRole('link', { name, exact: true }) });
}

/**
 * The text of `name`'s item on the Friends screen or, when no item bears that name, which names
 * the list shows (a friend still named "…" or "Someone" tells their profile was not read).
 */
export async function friendRow(page: Page, name: string): Promise<string> {
  const row = await friendItem(page, name)
    .textContent({ timeout: 1_000 })
    .catch(() => null);
  if (row !== null) return row;
  const names = await page
    .getByRole('list', { name: 'Your friends' })
    .getByRole('listitem')
    .getByRole('link')
    .allTextContents()
    .catch((error: unknown) => [`(unreadable: ${String(error)})`]);
  const counts = new Map<string, number>();
  for (const shown of names) counts.set(shown, (counts.get(shown) ?? 0) + 1);
  // The names that tell something first: those of friends whose profile is not read.
  const unread = (shown: string) => shown === '…' || shown === 'Someone';
  const listed = [...counts]
    .sort(([a], [b]) => Number(unread(b)) - Number(unread(a)))
    .slice(0, 12)
    .map(([shown, n]) => (n > 1 ? `${shown} x${n}` : shown));
  return `no friend named ${name}; ${names.length} listed: ${listed.join(', ')}`;
}

/** Waits until the Friends screen shows `name` as a friend, connected (or syncing with them). */
export async function waitConnected(page: Page, name: string): Promise<void> {
  await openFriends(page);
  await expect.poll(() => friendRow(page, name), WAIT).toMatch(/connected|syncing/);
}

/**
 * Posts `text` from the Home screen, with photos if given (file paths), to `audience` if given
 * (the composer's own choice otherwise).
 */
export async function post(
  page: Page,
  text: string,
  photos: readonly string[] = [],
  audience?: 'friends' | 'public',
): Promise<void> {
  await openHome(page);
  if (audience) await page.getByRole('combobox', { name: 'Audience' }).selectOption(audience);
  if (photos.length > 0) {
    await page.getByLabel('Add photos').setInputFiles([...photos]);
    await page.getByRole('img', { name: `Photo ${photos.length} to post` }).waitFor(WAIT);
  }
  await page.getByLabel("What's on your mind?").fill(text);
  await page.getByRole('button', { name: 'Post', exact: true }).click();
  await page
    .getByRole('article')
    .filter({ hasText: shownStart(text) })
    .waitFor(WAIT);
}

/** The beginning of a post's text, which shows even while a long post is folded ("See more"). */
export function shownStart(text: string): string {
  return text.slice(0, 80);
}

/** Waits until the Home screen shows `author`'s post `text`. */
export async function waitForPost(page: Page, author: string, text: string): Promise<void> {
  await openHome(page);
  const article = page.getByRole('article').filter({ hasText: shownStart(text) });
  await article.waitFor(WAIT);
  // The author's name shows once their profile is read, which may be a moment after the post
  // (with hundreds of friends, seen in app-many-friends): until then the link reads "…".
  const byAuthor = article.getByRole('link', { name: author, exact: true });
  await expect.poll(() => byAuthor.count(), WAIT).toBe(1);
}

/**
 * Alice (onboarded) invites a newcomer who accepts as `name`; returns once each sees the other
 * connected.
 */
export async function befriend(
  inviter: Page,
  inviterName: string,
  newcomer: Page,
  name: string,
): Promise<void> {
  const link = await createInvite(inviter);
  await acceptAsNewcomer(newcomer, link, name);
  await waitConnected(newcomer, inviterName);
  await waitConnected(inviter, name);
}

/**
 * `inviter` invites someone who already has a profile (`invitee`, onboarded as `inviteeName`),
 * who opens the link and accepts; returns once each sees the other connected.
 */
export async function befriendExisting(
  inviter: Page,
  inviterName: string,
  invitee: Page,
  inviteeName: string,
): Promise<void> {
  const link = await createInvite(inviter);
  await invitee.goto(link);
  await invitee.getByRole('button', { name: 'Accept invite' }).click();
  await waitConnected(invitee, inviterName);
  await waitConnected(inviter, inviteeName);
}

/** What a page's network looks like, for a failure's message (needs `enableTestHooks`). */
export async function describeNet(page: Page): Promise<string> {
  if (page.isClosed()) return 'closed';
  return page
    .evaluate(() => {
      const mesh = window.kithTest?.network.mesh;
      if (!mesh) return window.kithTest ? 'network in another tab' : 'no test hooks';
      const status = mesh.status();
      return JSON.stringify({
        ...status,
        friends: Object.fromEntries(status.friends),
        pending: Object.fromEntries(status.pending),
        connectionsCreated: mesh.connectionsCreated,
      });
    })
    .catch((error: unknown) => `unreadable: ${String(error)}`);
}

/**
 * Runs `story`; when it fails, adds what each page's network looked like at that moment, what
 * its screen showed and the warnings it logged last to the error, so a failure on a loaded
 * machine says where it stood.
 */
export async function explained(
  pages: Record<string, Page>,
  story: () => Promise<void>,
): Promise<void> {
  try {
    await story();
  } catch (error) {
    const states: string[] = [];
    for (const [name, page] of Object.entries(pages)) {
      const screen = page.isClosed()
        ? ''
        : await page
            .locator('body')
            .ariaSnapshot({ timeout: 2_000 })
            .catch(() => '(no snapshot)');
      const logged = recentConsole(page);
      const warnings = logged.length > 0 ? `\nits last warnings:\n${logged.join('\n')}` : '';
      states.push(`${name}: ${await describeNet(page)}\n${screen}${warnings}`);
    }
    if (error instanceof Error) error.message += `\n\nwhere each stood:\n${states.join('\n')}`;
    throw error;
  }
}
