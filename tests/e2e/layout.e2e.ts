/**
 * Nothing someone writes widens the page. Alice picks an 80-character name with no space in it,
 * Bob an ordinary long one, and Alice posts 10,000 characters (one unbroken word, a long link and ordinary text); Bob, her
 * friend, comments with another unbroken word. On each of Bob's screens (Home, Friends, Alice's
 * profile, Notifications, Settings) and on Alice's own, at 320x568, 390x844 and 1280x800, the
 * document is exactly as wide as the viewport, every item of the main navigation is on screen and
 * is what a tap at its centre hits (and, side by side on a wide screen, keeps a gap from the
 * next), no word is squeezed into a column a letter wide, and the menu of Alice's post stays
 * beside her name.
 */
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { requireNetns, setupE2e } from './harness.ts';
import { WAIT, befriend, explained, join, openHome, openScreen } from './app-helpers.ts';

const VIEWPORTS = [
  { width: 320, height: 568 },
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
] as const;

const LONG_NAME = 'A'.repeat(40) + 'lice'.repeat(10);
/** A name as long as many are: at 390 px its row on Friends has just room for its button. */
const BOB = 'Bobby Liddell';
const WORD = 'x'.repeat(3_000);
const LINK = `https://example.org/${'very-long-path-'.repeat(60)}`;
const LONG_POST = `${WORD} ${LINK} ${'words that wrap. '.repeat(600)}`.slice(0, 10_000);

/** What is wrong on the screen shown: a document wider than the viewport, a nav item out of reach. */
async function layoutProblems(page: Page, where: string): Promise<string[]> {
  const found = await page.evaluate(() => {
    const problems: string[] = [];
    const root = document.scrollingElement ?? document.documentElement;
    if (root.scrollWidth !== innerWidth) {
      problems.push(`document is ${root.scrollWidth} px wide in a ${innerWidth} px viewport`);
    }
    for (const link of document.querySelectorAll<HTMLElement>('nav[aria-label="Main"] a')) {
      const box = link.getBoundingClientRect();
      const name = link.textContent?.trim() ?? '';
      if (box.left < 0 || box.right > innerWidth || box.top < 0 || box.bottom > innerHeight) {
        problems.push(`"${name}" is outside the viewport (${JSON.stringify(box)})`);
        continue;
      }
      const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      if (!hit || !link.contains(hit)) problems.push(`a tap on "${name}" does not reach it`);
    }
    // On a wide screen the links sit in a row: what each shows (icon, label, count) keeps a gap
    // from the next one's, so a count does not read as the next link's.
    if (innerWidth >= 768) {
      const links = [...document.querySelectorAll<HTMLElement>('nav[aria-label="Main"] a')];
      const shown = links.map((link) => {
        const parts = [...link.children].map((child) => child.getBoundingClientRect());
        const visible = parts.filter((r) => r.width > 1);
        return {
          name: link.textContent?.trim() ?? '',
          left: Math.min(...visible.map((r) => r.left)),
          right: Math.max(...visible.map((r) => r.right)),
        };
      });
      for (let i = 1; i < shown.length; i++) {
        const gap = shown[i]!.left - shown[i - 1]!.right;
        if (gap < 12) {
          problems.push(
            `"${shown[i - 1]!.name}" and "${shown[i]!.name}" are ${Math.round(gap)} px apart`,
          );
        }
      }
    }
    // Words squeezed into a column a letter or two wide ("c / o / n / n / e / c / t / e / d").
    for (const element of document.querySelectorAll<HTMLElement>('main *')) {
      const own = [...element.childNodes]
        .filter((node) => node.nodeType === Node.TEXT_NODE)
        .map((node) => node.textContent ?? '')
        .join('')
        .trim();
      if (own.length < 4) continue;
      const box = element.getBoundingClientRect();
      const em = parseFloat(getComputedStyle(element).fontSize);
      if (box.width > 0 && box.width < 2 * em && box.height > 3 * em) {
        problems.push(
          `"${own.slice(0, 30)}" is squeezed into a ${Math.round(box.width)} px column`,
        );
      }
    }
    // A post's menu button stays beside its author's name, not on a line of its own.
    for (const header of document.querySelectorAll<HTMLElement>('article.post > header')) {
      const menu = header.querySelector('button[aria-controls$="-menu"]');
      const author = header.querySelector('a.author');
      if (!menu || !author) continue;
      if (menu.getBoundingClientRect().top >= author.getBoundingClientRect().bottom) {
        problems.push("a post's menu button sits on a line below its author's name");
      }
    }
    return problems;
  });
  return found.map((p) => `${where}: ${p}`);
}

/**
 * Waits for the long post and unfolds it (it shows folded, "See more"), so the whole text is
 * what is measured.
 */
async function showLongPost(page: Page): Promise<void> {
  const article = page.getByRole('article').filter({ hasText: 'xxxxxxxxxx' });
  await article.getByRole('button', { name: 'See more' }).click(WAIT);
  await article.getByText(/words that wrap/).waitFor(WAIT);
}

/** Visits each screen at each viewport size and collects what does not fit. */
async function checkScreens(page: Page, who: string, profileOf: string): Promise<string[]> {
  const problems: string[] = [];
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport);
    const size = `${who} at ${viewport.width}x${viewport.height}`;
    await openScreen(page, 'Home');
    await showLongPost(page);
    problems.push(...(await layoutProblems(page, `${size}, Home`)));
    await openScreen(page, 'Friends');
    await page.getByRole('heading', { name: 'Friends', level: 1 }).waitFor(WAIT);
    problems.push(...(await layoutProblems(page, `${size}, Friends`)));
    await openScreen(page, /Notifications/);
    await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor(WAIT);
    problems.push(...(await layoutProblems(page, `${size}, Notifications`)));
    await openScreen(page, 'Settings');
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor(WAIT);
    problems.push(...(await layoutProblems(page, `${size}, Settings`)));
    await openScreen(page, 'Home');
    await page
      .getByRole('article')
      .filter({ hasText: 'xxxxxxxxxx' })
      .getByRole('link', { name: LONG_NAME, exact: true })
      .click();
    await page.getByRole('heading', { name: LONG_NAME, level: 1 }).waitFor(WAIT);
    await showLongPost(page);
    problems.push(...(await layoutProblems(page, `${size}, profile of ${profileOf}`)));
  }
  // A row of the friends list is crowded at some width between a phone's and a tablet's, the
  // one where its button just fits beside the name: every width of that range, a step at a time.
  await openScreen(page, 'Friends');
  await page.getByRole('heading', { name: 'Friends', level: 1 }).waitFor(WAIT);
  for (let width = 320; width <= 560; width += 8) {
    await page.setViewportSize({ width, height: 800 });
    problems.push(...(await layoutProblems(page, `${who} at ${width}x800, Friends`)));
  }
  return problems;
}

requireNetns()('long names and posts', () => {
  const e2e = setupE2e({ site: 'app' });

  it('an 80-character name and a 10,000-character post leave every screen its width', async () => {
    const a = await join(await e2e.person('alice'), LONG_NAME);
    const b = (await e2e.person('bob')).page;
    await explained({ alice: a, bob: b }, async () => {
      await befriend(a, LONG_NAME, b, BOB);
      // Posted whole (10,000 characters, the limit), shown folded.
      await openHome(a);
      await a.getByLabel("What's on your mind?").fill(LONG_POST);
      await a.getByRole('button', { name: 'Post', exact: true }).click();
      await a.getByRole('article').filter({ hasText: 'xxxxxxxxxx' }).waitFor(WAIT);
      await openScreen(b, 'Home');
      const seen = b.getByRole('article').filter({ hasText: 'xxxxxxxxxx' });
      await seen.waitFor(WAIT);
      await seen.getByLabel('Write a comment').fill('y'.repeat(1_500));
      await seen.getByRole('button', { name: 'Comment', exact: true }).click();
      await seen.getByText('yyyyyyyy').waitFor(WAIT);
      await a.getByRole('article').getByText('yyyyyyyy').waitFor(WAIT);

      const problems = [
        ...(await checkScreens(b, 'Bob', 'Alice')),
        ...(await checkScreens(a, 'Alice', 'herself')),
      ];
      expect(problems, problems.join('\n')).toEqual([]);
    });
  });
});
