/**
 * Accessibility of every main screen, audited by axe-core in real Chromium in both the light and
 * the dark colour scheme: onboarding, restoring from a phrase (with its error) or a backup file,
 * the invitee's onboarding and invite screens, an empty Home (the recovery phrase offered, shown),
 * Home with a post and a comment, Friends with an invite link and its QR code, a friend's
 * profile (and muted), notifications, settings (the recovery phrase's warning and words, a
 * refused backup passphrase, the notification choices, and a muted
 * person), and the error of a garbled invite link. Any `serious` or
 * `critical` violation fails the test and is printed (rule, nodes, why).
 *
 * axe's source is evaluated through the DevTools protocol (`page.evaluate` of the script text),
 * which the page's Content-Security-Policy (`script-src 'self'`) does not govern; an injected
 * `<script>` would be refused, and the app's policy stays as it is.
 *
 * A second story walks Home with the Tab key: the composer, its Post button and the main
 * navigation come in that order, each with a visible focus indicator; a link of the navigation
 * opens its screen with focus on the screen's heading.
 */
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { requireNetns, setupE2e } from './harness.ts';
import { audit } from './axe-audit.ts';
import { WAIT, createInvite, onboard, openHome, openScreen, post } from './app-helpers.ts';

/** The accessible name and focus indicator of the element that has focus. */
interface Focused {
  readonly name: string;
  readonly indicated: boolean;
}

async function focused(page: Page): Promise<Focused> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return { name: '(body)', indicated: false };
    const labelled = el.getAttribute('aria-label');
    const label =
      labelled ??
      (el.id ? document.querySelector(`label[for="${el.id}"]`)?.textContent : null) ??
      el.textContent ??
      '';
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    // A shadow counts only if focus brought it (the current screen's link has one anyway).
    const focusedShadow = style.boxShadow;
    el.blur();
    const restingShadow = getComputedStyle(el).boxShadow;
    el.focus();
    const ring = focusedShadow !== 'none' && focusedShadow !== restingShadow;
    return {
      name: `${el.tagName.toLowerCase()}:${label.trim().replace(/\s+/g, ' ')}`,
      indicated: outline || ring,
    };
  });
}

requireNetns()('accessibility audit', () => {
  const e2e = setupE2e({ site: 'app' });

  it('every main screen passes axe with no serious or critical violation, light and dark', async () => {
    const alice = await e2e.person('alice');
    const bob = await e2e.person('bob');
    const a = alice.page;
    const b = bob.page;
    const found: string[] = [];

    await alice.goto('/');
    await a.getByLabel('Your name').waitFor(WAIT);
    found.push(...(await audit(a, 'onboarding')));
    await a.getByRole('button', { name: 'I have a recovery phrase' }).click();
    await a.getByLabel('Your 24 words, in order').fill('not a phrase');
    await a.getByRole('button', { name: 'Restore my account' }).click();
    await a.getByRole('alert').waitFor(WAIT);
    found.push(...(await audit(a, 'restore from a phrase, with its error')));
    await a.getByRole('button', { name: 'Back', exact: true }).click();
    await a.getByRole('button', { name: 'Restore from a backup file' }).click();
    await a.getByLabel('Passphrase of the backup').waitFor(WAIT);
    found.push(...(await audit(a, 'restore from a backup file')));
    await a.getByRole('button', { name: 'Back', exact: true }).click();
    await onboard(a, 'Alice');
    await a.getByRole('heading', { name: /timeline is quiet/i }).waitFor(WAIT);
    found.push(...(await audit(a, 'home, empty, the recovery phrase offered')));
    await a.getByRole('button', { name: 'Show my recovery phrase' }).click();
    await a.getByRole('list', { name: 'Your recovery phrase' }).waitFor(WAIT);
    found.push(...(await audit(a, 'home, the recovery phrase shown')));
    await a.getByRole('button', { name: 'Skip for now' }).click();

    const link = await createInvite(a);
    await a.getByRole('img', { name: 'QR code of the invite link' }).waitFor(WAIT);
    found.push(...(await audit(a, 'friends, invite link shown')));

    // Bob's side of the invite: onboarding with the invite's banner, then the invite itself.
    await b.goto(link);
    await b.getByText(/you were invited/i).waitFor(WAIT);
    found.push(...(await audit(b, 'onboarding of an invitee')));
    await onboard(b, 'Bob');
    await b.getByRole('heading', { name: /invited to be friends/i }).waitFor(WAIT);
    found.push(...(await audit(b, 'invite landing')));
    await b.getByRole('button', { name: 'Accept invite' }).click();
    await b.getByRole('heading', { name: 'Friends', level: 1 }).waitFor(WAIT);

    // Alice sees Bob as a friend (a notification), posts, and Bob comments.
    await a
      .getByRole('list', { name: 'Your friends' })
      .getByRole('link', { name: 'Bob', exact: true })
      .waitFor(WAIT);
    await post(a, 'Hello from Alice, see https://example.org/about');
    const article = a.getByRole('article').filter({ hasText: 'Hello from Alice' });
    await article.getByLabel('Write a comment').fill('First comment');
    await article.getByRole('button', { name: 'Comment' }).click();
    await article.getByRole('list', { name: 'Comments' }).getByText('First comment').waitFor(WAIT);
    found.push(...(await audit(a, 'home with a post and a comment')));
    await article.getByRole('link', { name: /\d/ }).first().click();
    await a.getByRole('heading', { name: 'Post by Alice', level: 1 }).waitFor(WAIT);
    found.push(...(await audit(a, 'a post on its own screen')));

    await a
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: /Notifications/ })
      .click();
    await a.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor(WAIT);
    await a.getByText(/Bob is now your friend/).waitFor(WAIT);
    found.push(...(await audit(a, 'notifications')));

    await a
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Settings' })
      .click();
    await a.getByRole('heading', { name: 'Settings', level: 1 }).waitFor(WAIT);
    found.push(...(await audit(a, 'settings')));
    await a.getByRole('button', { name: 'Show my recovery phrase' }).click();
    await a.getByRole('button', { name: 'Show the words' }).waitFor(WAIT);
    found.push(...(await audit(a, 'settings, the recovery phrase warning')));
    await a.getByRole('button', { name: 'Show the words' }).click();
    await a.getByRole('list', { name: 'Your recovery phrase' }).waitFor(WAIT);
    found.push(...(await audit(a, 'settings, the recovery phrase shown')));
    await a.getByRole('button', { name: 'Hide the words' }).click();
    await a.getByRole('button', { name: 'Download a backup' }).click();
    await a
      .getByRole('alert')
      .filter({ hasText: /passphrase/ })
      .waitFor(WAIT);
    found.push(...(await audit(a, 'settings, a backup passphrase refused')));

    await a
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Friends' })
      .click();
    await a
      .getByRole('list', { name: 'Your friends' })
      .getByRole('link', { name: 'Bob', exact: true })
      .click();
    await a.getByRole('heading', { name: 'Bob', level: 1 }).waitFor(WAIT);
    found.push(...(await audit(a, "a friend's profile")));
    await a.getByRole('button', { name: 'Mute Bob' }).click();
    await a.getByRole('button', { name: 'Unmute Bob' }).waitFor(WAIT);
    found.push(...(await audit(a, "a muted friend's profile")));
    await a.getByRole('button', { name: 'Message Bob' }).click();
    const composer = a.getByLabel('Message', { exact: true });
    await composer.waitFor(WAIT);
    found.push(...(await audit(a, 'a conversation, empty')));
    await composer.fill('Hi Bob');
    await a.getByRole('button', { name: 'Send' }).click();
    await a.getByRole('list', { name: 'Messages' }).getByText('Hi Bob').waitFor(WAIT);
    found.push(...(await audit(a, 'a conversation with a message')));
    await openScreen(a, /^Messages/);
    await a.getByRole('list', { name: 'Conversations' }).waitFor(WAIT);
    found.push(...(await audit(a, 'messages')));
    await a.getByRole('button', { name: 'New message' }).click();
    await a.getByRole('region', { name: 'New message' }).waitFor(WAIT);
    found.push(...(await audit(a, 'messages, a new message')));
    await a.getByRole('button', { name: 'Cancel' }).click();
    await a.getByRole('button', { name: 'New group' }).click();
    await a.getByRole('form', { name: 'New group' }).waitFor(WAIT);
    found.push(...(await audit(a, 'messages, a new group')));
    await a
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Settings' })
      .click();
    await a.getByRole('button', { name: 'Unmute Bob' }).waitFor(WAIT);
    found.push(...(await audit(a, 'settings with a muted person')));

    // A garbled invite link: the invite screen says what is wrong.
    await b.goto(link.replace(/#invite=.*$/, '#invite=not-an-invite'));
    await b.getByRole('heading', { name: /invited to be friends/i }).waitFor(WAIT);
    await b
      .getByRole('alert')
      .filter({ hasText: /invite/i })
      .waitFor(WAIT);
    found.push(...(await audit(b, 'garbled invite link')));

    expect(found, `axe found serious or critical violations:\n${found.join('\n')}`).toEqual([]);
    // Twenty-three screens, each audited light and dark: 14 s alone, over the lanes' 90 s once when
    // it ran beside the chaos run's start (seven browsers) on two cores.
  }, 240_000);

  it('Tab on Home reaches the composer, its Post button and the navigation, each visibly focused; Enter opens a screen at its heading', async () => {
    const alice = await e2e.person('alice');
    const a = alice.page;
    await alice.goto('/');
    await onboard(a, 'Alice');
    await openHome(a);
    // The Post button is disabled (and so not focusable) until there is something to post.
    await a.getByLabel("What's on your mind?").fill('Something to say');
    // Tab then starts from the sync status line, above the composer.
    await a
      .getByText(/online|offline|another open tab/)
      .first()
      .click();

    const order: Focused[] = [];
    for (let i = 0; i < 20; i++) {
      await a.keyboard.press('Tab');
      const now = await focused(a);
      // Past the last control focus leaves the page (body), then starts over.
      if (now.name === '(body)' || order.some((f) => f.name === now.name)) break;
      order.push(now);
    }
    const names = order.map((f) => f.name);
    const at = (pattern: RegExp): number => names.findIndex((n) => pattern.test(n));
    const composer = at(/^textarea:What's on your mind\?/);
    const postButton = at(/^button:Post$/);
    const nav = ['Home', 'Friends', 'Messages', 'Notifications', 'Profile', 'Settings'].map((n) =>
      at(new RegExp(`^a:${n}`)),
    );
    expect(composer, names.join(' → ')).toBeGreaterThanOrEqual(0);
    expect(postButton, names.join(' → ')).toBeGreaterThan(composer);
    for (const [i, index] of nav.entries()) {
      expect(index, names.join(' → ')).toBeGreaterThan(i === 0 ? postButton : nav[i - 1]!);
    }
    const unmarked = order.filter((f) => !f.indicated).map((f) => f.name);
    expect(unmarked, 'focused with no visible outline or ring').toEqual([]);

    // Enter on a navigation link opens the screen, names it in the title, and moves focus to
    // its heading, where Tab goes on into the new content.
    await a
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Friends' })
      .focus();
    await a.keyboard.press('Enter');
    await a.getByRole('heading', { name: 'Friends', level: 1 }).waitFor(WAIT);
    await expect.poll(() => focused(a).then((f) => f.name), WAIT).toBe('h1:Friends');
    expect(await a.title()).toBe('Friends · Kith');
    await a.keyboard.press('Tab');
    expect((await focused(a)).name).toMatch(/^(input|button):/);
  });
});
