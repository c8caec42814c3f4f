/**
 * Kith on a phone: two people in 390x844 touch viewports (`isMobile`, `hasTouch`, device scale
 * 3) do everything by tapping. Alice onboards and creates an invite link; Bob opens it in his own
 * phone context, onboards and accepts; Alice posts and Bob comments on her post, and Alice sees
 * the comment. On every screen on the way (and again on a 360 px wide screen), nothing scrolls
 * sideways and every visible button, link and form control is at least 44x44 CSS px.
 *
 * Exempt from the size check: links inside the running text of a post or a comment (made by
 * LinkedText from what someone wrote). WCAG 2.5.8 exempts a target set in a sentence, and
 * padding such a link to 44 px would tear the text apart; the other controls of a post and
 * its comments (the writer's name too) are full size.
 *
 * The harness's `person()` makes desktop contexts, so this file makes its own phone contexts and
 * fails on any uncaught page error or Content-Security-Policy refusal in them, as the harness
 * does.
 */
import { afterEach, expect, it } from 'vitest';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { requireNetns, setupE2e } from './harness.ts';
import { WAIT } from './app-helpers.ts';

const PHONE = {
  viewport: { width: 390, height: 844 },
  hasTouch: true,
  isMobile: true,
  deviceScaleFactor: 3,
} as const;

/** What is wrong with the layout on screen: sideways scrolling, small targets. */
async function layoutProblems(page: Page, screen: string): Promise<string[]> {
  const found = await page.evaluate(() => {
    const problems: string[] = [];
    const root = document.scrollingElement ?? document.documentElement;
    if (root.scrollWidth > innerWidth) {
      problems.push(`scrolls sideways: ${root.scrollWidth} px wide in ${innerWidth}`);
    }
    const controls = document.querySelectorAll<HTMLElement>(
      'a[href], button, input, select, textarea, [role="button"]',
    );
    for (const el of controls) {
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || el.getClientRects().length === 0) continue;
      // Visually hidden (1x1, clipped), such as the file input behind "Add photos".
      if (el.closest('.visually-hidden') || el.tabIndex < 0) continue;
      const inText = el.tagName === 'A' && el.closest('.post .text, .comment-text') !== null;
      if (inText && style.display === 'inline') continue;
      // A checkbox or a radio button is tapped through its label, which is the target.
      const target =
        el instanceof HTMLInputElement &&
        (el.type === 'checkbox' || el.type === 'radio') &&
        el.closest('label')
          ? el.closest('label')!
          : el;
      const box = target.getBoundingClientRect();
      if (box.width < 44 || box.height < 44) {
        const name = (
          el.getAttribute('aria-label') ??
          el.textContent ??
          el.getAttribute('placeholder') ??
          ''
        )
          .trim()
          .slice(0, 40);
        problems.push(
          `${el.tagName.toLowerCase()} "${name}" is ${box.width.toFixed(1)}x${box.height.toFixed(1)}`,
        );
      }
    }
    return problems;
  });
  return found.map((p) => `${screen}: ${p}`);
}

/** Whether `target` is wholly on screen, above the phone's navigation at the bottom. */
async function aboveNav(page: Page, target: Locator): Promise<boolean> {
  const box = await target.boundingBox();
  const nav = await page.getByRole('navigation', { name: 'Main' }).boundingBox();
  return box !== null && nav !== null && box.y >= 0 && box.y + box.height <= nav.y;
}

requireNetns()('Kith on a phone', () => {
  const e2e = setupE2e({ site: 'app' });
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];

  async function phone(name: string): Promise<Page> {
    const context = await e2e.browser.newContext(PHONE);
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(`${name}: ${error.message}`));
    // Chromium reports each Content-Security-Policy refusal as a console error.
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
        pageErrors.push(`${name}: ${message.text()}`);
      }
    });
    return page;
  }

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
    const errors = pageErrors.splice(0);
    expect(errors, 'uncaught errors in the pages').toEqual([]);
  });

  it('onboarding, an invite, a post and a comment, all by tapping, on screens that fit', async () => {
    const problems: string[] = [];
    const a = await phone('alice');
    const b = await phone('bob');

    await a.goto(`${e2e.baseUrl}/`);
    await a.getByLabel('Your name').tap();
    await a.getByLabel('Your name').fill('Alice');
    problems.push(...(await layoutProblems(a, 'onboarding')));
    await a.getByRole('button', { name: 'Start' }).tap();
    await a.getByRole('heading', { name: /timeline is quiet/i }).waitFor(WAIT);
    problems.push(...(await layoutProblems(a, 'home, empty')));

    const nav = a.getByRole('navigation', { name: 'Main' });
    // A newcomer's one next step is on the first screen, above the navigation, unscrolled.
    const invite = await a.getByRole('link', { name: 'Invite a friend' }).boundingBox();
    const navBox = await nav.boundingBox();
    expect(invite!.y + invite!.height, 'Invite a friend above the navigation').toBeLessThanOrEqual(
      navBox!.y,
    );
    await nav.getByRole('link', { name: 'Friends' }).tap();
    await a.getByRole('button', { name: 'Create invite link' }).tap();
    const box = a.getByRole('textbox', { name: 'Invite link' });
    await box.waitFor(WAIT);
    const link = await box.inputValue();
    expect(link).toMatch(/#invite=[A-Za-z0-9_-]+$/);
    await a.getByRole('img', { name: 'QR code of the invite link' }).waitFor(WAIT);
    // The code is as wide as the phone allows (up to 20rem) and square, for a camera to read.
    const qr = a.getByRole('img', { name: 'QR code of the invite link' }).locator('canvas');
    await expect
      .poll(async () => {
        const box = (await qr.boundingBox())!;
        return box.width >= 300 && Math.abs(box.width - box.height) < 1;
      }, WAIT)
      .toBe(true);
    // Below the button, it is brought above the navigation, for the friend beside one to scan.
    await expect.poll(() => aboveNav(a, qr), WAIT).toBe(true);
    problems.push(...(await layoutProblems(a, 'friends with an invite')));

    // Bob opens the link on his phone.
    await b.goto(link);
    await b.getByText(/you were invited/i).waitFor(WAIT);
    // "Pick your name, then accept": the name box and Start are on the first screen, unscrolled.
    for (const control of [b.getByLabel('Your name'), b.getByRole('button', { name: 'Start' })]) {
      const place = await control.evaluate((el) => el.getBoundingClientRect().bottom);
      expect(place, 'on the first screen').toBeLessThanOrEqual(PHONE.viewport.height);
    }
    await b.getByLabel('Your name').tap();
    await b.getByLabel('Your name').fill('Bob');
    problems.push(...(await layoutProblems(b, 'onboarding of an invitee')));
    await b.getByRole('button', { name: 'Start' }).tap();
    await b.getByRole('heading', { name: /invited to be friends/i }).waitFor(WAIT);
    problems.push(...(await layoutProblems(b, 'invite landing')));
    await b.getByRole('button', { name: 'Accept invite' }).tap();
    await b.getByRole('heading', { name: 'Friends', level: 1 }).waitFor(WAIT);

    await a
      .getByRole('list', { name: 'Your friends' })
      .getByRole('link', { name: 'Bob', exact: true })
      .waitFor(WAIT);
    problems.push(...(await layoutProblems(a, 'friends with a friend')));

    // Alice posts; Bob comments on it.
    await nav.getByRole('link', { name: 'Home' }).tap();
    // Who reads a post is said once there is something to post (or at once for another
    // audience than friends), not on the empty composer above the timeline.
    const friendsOnly = a.getByText(/only your friends can read it/);
    const everyone = a.getByText(/anyone whose device holds this post can read it/);
    const audience = a.getByRole('combobox', { name: 'Audience' });
    await audience.waitFor(WAIT);
    expect(await friendsOnly.isVisible(), 'the meaning on an empty composer').toBe(false);
    await audience.selectOption('public');
    await everyone.waitFor(WAIT);
    await audience.selectOption('friends');
    await everyone.waitFor({ ...WAIT, state: 'detached' });
    expect(await friendsOnly.isVisible(), 'the meaning once back on friends').toBe(false);
    await a.getByLabel("What's on your mind?").tap();
    await a
      .getByLabel("What's on your mind?")
      .fill('From my phone, see https://example.org/a-rather-long-path');
    await friendsOnly.waitFor(WAIT);
    // A photo's preview pushes the audience and Post down: they are brought back above the
    // navigation (then the photo is taken out again).
    await a.getByLabel('Add photos').setInputFiles('public/icons/icon-512.png');
    await a.getByRole('img', { name: 'Photo 1 to post' }).waitFor(WAIT);
    const postButton = a.getByRole('button', { name: 'Post', exact: true });
    await expect.poll(() => aboveNav(a, postButton), WAIT).toBe(true);
    await a.getByRole('button', { name: 'Remove photo 1' }).tap();
    await a.getByRole('button', { name: 'Post', exact: true }).tap();
    const mine = a.getByRole('article').filter({ hasText: 'From my phone' });
    await mine.waitFor(WAIT);

    await b.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).tap();
    const seen = b.getByRole('article').filter({ hasText: 'From my phone' });
    await seen.waitFor(WAIT);
    // Bob's first look at Home, the recovery-phrase offer still open above the composer: his
    // friend's post begins on the first screen, its header above the navigation bar.
    await b.evaluate(() => scrollTo(0, 0));
    const postTop = await seen.evaluate((el) => el.getBoundingClientRect().top);
    const navTop = await b
      .getByRole('navigation', { name: 'Main' })
      .evaluate((el) => el.getBoundingClientRect().top);
    expect(postTop + 56, "the friend's post's header on the first screen").toBeLessThanOrEqual(
      navTop,
    );
    await seen.getByLabel('Write a comment').tap();
    await seen.getByLabel('Write a comment').fill('Looks good on a phone');
    await seen.getByRole('button', { name: 'Comment' }).tap();
    await seen.getByText('Looks good on a phone').waitFor(WAIT);
    problems.push(...(await layoutProblems(b, 'home with a post and a comment (Bob)')));

    await mine.getByText('Looks good on a phone').waitFor(WAIT);
    // Replying on a phone: the box keeps most of the card's width (the buttons wrap below it).
    await mine.getByRole('button', { name: 'Reply to Bob' }).tap();
    const replyBox = mine.getByLabel('Write a reply to Bob');
    const widthOf = (el: Element) => el.getBoundingClientRect().width;
    const replyWidth = await replyBox.evaluate(widthOf);
    const cardWidth = await mine.evaluate(widthOf);
    expect(replyWidth, 'the reply box beside its buttons').toBeGreaterThan(cardWidth * 0.6);
    await mine.getByRole('button', { name: 'Cancel reply' }).tap();
    // A comment's options open in sight, not under the navigation.
    await mine.getByRole('button', { name: 'Options for Bob’s comment' }).tap();
    const hide = mine.getByRole('button', { name: 'Hide comment by Bob' });
    await expect.poll(() => aboveNav(a, hide), WAIT).toBe(true);
    await mine.getByRole('button', { name: 'Options for Bob’s comment' }).tap();
    problems.push(...(await layoutProblems(a, 'home with a post and a comment (Alice)')));

    await nav.getByRole('link', { name: /Notifications/ }).tap();
    await a.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor(WAIT);
    problems.push(...(await layoutProblems(a, 'notifications')));
    // A chat with Bob: his message and hers, a box and two buttons side by side.
    await nav.getByRole('link', { name: 'Friends' }).tap();
    await a.getByRole('list', { name: 'Your friends' }).getByRole('link', { name: 'Bob' }).tap();
    await a.getByRole('button', { name: 'Message Bob' }).tap();
    await a.getByRole('heading', { name: 'Bob', level: 1 }).waitFor(WAIT);
    await a.getByLabel('Message', { exact: true }).tap();
    await a.getByLabel('Message', { exact: true }).fill('Picnic on Sunday?');
    await a.getByRole('button', { name: 'Send' }).tap();
    const chat = a.getByRole('list', { name: 'Messages' });
    await chat.getByText('Picnic on Sunday?').waitFor(WAIT);
    const [photosBox, sendBox] = await Promise.all(
      ['Add photos', 'Send'].map((name) =>
        a.getByRole('button', { name }).evaluate((el) => el.getBoundingClientRect().toJSON()),
      ),
    );
    expect(sendBox.top, 'Send beside Add photos').toBeLessThan(photosBox.bottom);
    problems.push(...(await layoutProblems(a, 'a conversation')));

    await nav.getByRole('link', { name: 'Settings' }).tap();
    await a.getByRole('heading', { name: 'Settings', level: 1 }).waitFor(WAIT);
    problems.push(...(await layoutProblems(a, 'settings')));

    // The narrowest phones the layout is made for: 360 px.
    await a.setViewportSize({ width: 360, height: 740 });
    problems.push(...(await layoutProblems(a, 'settings at 360 px')));
    await nav.getByRole('link', { name: 'Home' }).tap();
    await mine.waitFor(WAIT);
    problems.push(...(await layoutProblems(a, 'home at 360 px')));
    await nav.getByRole('link', { name: 'Friends' }).tap();
    await a.getByRole('button', { name: 'Create invite link' }).tap();
    await a.getByRole('img', { name: 'QR code of the invite link' }).waitFor(WAIT);
    problems.push(...(await layoutProblems(a, 'friends at 360 px')));

    expect(problems, problems.join('\n')).toEqual([]);
  });
});
