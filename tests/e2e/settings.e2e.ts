/**
 * Alice sets up her network in Settings: signaling and ICE servers are validated, a server can be
 * checked, and one that cannot be reached says so clearly.
 */
import { describe, expect, it } from 'vitest';
import { setupE2e } from './harness.ts';

const WAIT = { timeout: 15_000 };

describe('everyday settings', () => {
  const e2e = setupE2e({ site: 'app' });

  it('a theme picked in Settings applies and stays; asking to keep the data says the answer', async () => {
    const alice = await e2e.person('alice');
    const page = alice.page;
    await alice.goto('/');
    await page.getByLabel('Your name').fill('Alice');
    await page.getByRole('button', { name: 'Start' }).click();
    // The phrase, offered once and left unanswered, is followed by Home's reminder on the next
    // visit: it leads to the account's own section.
    await page.getByRole('heading', { name: 'Write these words down' }).waitFor(WAIT);
    await page.reload();
    await page.getByRole('link', { name: 'Keep your account' }).click();
    await expect
      .poll(
        () =>
          page
            .getByRole('heading', { name: 'Keep your account', level: 2 })
            .evaluate((el) => el === document.activeElement),
        WAIT,
      )
      .toBe(true);
    expect(new URL(page.url()).hash).toBe('#/settings/account');
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    const background = () =>
      page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);

    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByRole('radio', { name: 'Dark' }).check();
    await expect.poll(background, WAIT).toBe('rgb(21, 25, 23)');
    await page.reload();
    await expect.poll(background, WAIT).toBe('rgb(21, 25, 23)');
    await page.getByRole('link', { name: 'Settings' }).click();
    expect(await page.getByRole('radio', { name: 'Dark' }).isChecked()).toBe(true);
    await page.getByRole('radio', { name: 'Same as this device' }).check();
    await expect.poll(background, WAIT).toBe('rgb(250, 248, 245)');

    // Settings is several screens long: its index jumps to a section, with focus on its heading.
    const focused = async (target: ReturnType<typeof page.getByRole>) => {
      await expect
        .poll(() => target.evaluate((el) => el === document.activeElement), WAIT)
        .toBe(true);
      return target;
    };
    const jump = async (label: string, heading: string) => {
      await page
        .getByRole('navigation', { name: 'Settings sections' })
        .getByRole('link', { name: label })
        .click();
      return focused(page.getByRole('heading', { name: heading, level: 2 }));
    };
    const title = page.getByRole('heading', { name: 'Settings', level: 1 });
    const scrolled = () => page.evaluate(() => scrollY);
    const storage = await jump('Storage', 'Storage');
    // Near the top, and not under the navigation that stays on top of a wide screen.
    const seen = await storage.evaluate((el) => {
      const box = el.getBoundingClientRect();
      const onTop = document.elementFromPoint(box.left + 4, box.top + box.height / 2);
      return {
        top: box.top,
        visible: onTop !== null && el.contains(onTop),
        at: onTop?.outerHTML.slice(0, 120),
        margin: getComputedStyle(el).scrollMarginTop,
      };
    });
    expect(seen.top, 'the heading near the top of the screen').toBeGreaterThanOrEqual(0);
    expect(seen.top, 'the heading near the top of the screen').toBeLessThan(150);
    expect(seen.visible, `the heading not covered: ${JSON.stringify(seen)}`).toBe(true);
    // Storage's way to a backup leads to the account's section, a step Back undoes.
    await page.getByRole('link', { name: 'Keep a backup' }).click();
    await focused(page.getByRole('heading', { name: 'Keep your account', level: 2 }));
    await page.goBack();
    await focused(storage);
    // Back (a phone's gesture too) returns to the index at Settings' top, not out of Settings.
    await page.goBack();
    await focused(title);
    expect(await scrolled(), 'back at the index').toBe(0);
    // On screen after a jump, for an installed app that shows no Back: "All settings".
    await jump('Appearance', 'Appearance');
    expect(await scrolled(), 'Appearance is below the index').toBeGreaterThan(0);
    await page.getByRole('link', { name: 'All settings' }).click();
    await focused(title);
    expect(await scrolled(), 'back at the index').toBe(0);
    expect(await page.getByRole('link', { name: 'All settings' }).count()).toBe(0);
    // "Privacy" lands on a heading of that name, above muted people, lists and blocked people,
    // which are its sub-sections in the outline a screen reader lists.
    await jump('Privacy', 'Privacy');
    for (const name of ['Muted people', 'Lists of friends', 'Blocked people', 'Network']) {
      await page.getByRole('heading', { name, level: 3 }).waitFor(WAIT);
    }
    // The address names the section: a reload lands on it again.
    await page.reload();
    const privacy = await focused(page.getByRole('heading', { name: 'Privacy', level: 2 }));
    const top = await privacy.evaluate((el) => el.getBoundingClientRect().top);
    expect(top, 'Privacy near the top after a reload').toBeLessThan(150);
    // Another screen opens at its top, not where Settings was scrolled to.
    expect(await page.evaluate(() => scrollY), 'Settings scrolled').toBeGreaterThan(0);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Home' })
      .click();
    await page.getByRole('form', { name: 'New post' }).waitFor(WAIT);
    expect(await page.evaluate(() => scrollY), 'Home at its top').toBe(0);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Settings' })
      .click();
    await title.waitFor(WAIT);

    // A fresh incognito profile has not been granted persistent storage: Kith may ask.
    await page.getByRole('button', { name: "Ask to keep Kith's data" }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /The browser said (yes|no)/ })
      .waitFor(WAIT);
  });
});

describe('network settings', () => {
  const e2e = setupE2e({ site: 'app' });

  it('validates servers, checks reachability, and saves', async () => {
    const alice = await e2e.person('alice');
    const page = alice.page;
    await alice.goto('/');
    await page.getByLabel('Your name').fill('Alice');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('link', { name: 'Settings' }).click();

    // Everyday settings come first; the network is a part of "Advanced", the last section.
    await page.getByRole('heading', { name: 'Advanced', level: 2 }).waitFor(WAIT);
    const sections = await page.getByRole('heading', { level: 2 }).allTextContents();
    expect(sections.indexOf('Advanced')).toBeGreaterThan(sections.indexOf('Storage'));
    expect(sections.at(-1)).toBe('Advanced');
    const outline = await page.getByRole('heading').allTextContents();
    expect(outline.indexOf('Network')).toBeGreaterThan(outline.indexOf('Advanced'));

    await page.getByRole('button', { name: "Check this site's server" }).click();
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'Reachable' }).count(), WAIT)
      .toBe(1);

    const servers = page.getByLabel(/More signaling servers/);
    await servers.fill('http://example.org/signaling');
    await page.getByRole('button', { name: 'Save network settings' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent(), WAIT)
      .toMatch(/not a signaling server address/);

    // Port 9 on loopback: nothing listens there.
    await servers.fill('ws://127.0.0.1:9/signaling');
    await page.getByRole('button', { name: 'Check ws://127.0.0.1:9/signaling' }).click();
    await expect
      .poll(
        () => page.getByRole('status').filter({ hasText: 'Could not be reached' }).count(),
        WAIT,
      )
      .toBe(1);

    await page.getByLabel(/STUN\/TURN servers/).fill('http://not-ice.example');
    await page.getByRole('button', { name: 'Save network settings' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent(), WAIT)
      .toMatch(/stun:, stuns:, turn: or turns:/);

    await page.getByLabel(/STUN\/TURN servers/).fill('');
    await page.getByLabel('Connections at once').fill('4');
    await page.getByRole('button', { name: 'Save network settings' }).click();
    await page.getByRole('button', { name: 'Reload to apply' }).waitFor(WAIT);
    await page.reload();
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect.poll(() => page.getByLabel('Connections at once').inputValue(), WAIT).toBe('4');
    await expect
      .poll(() => page.getByLabel(/More signaling servers/).inputValue(), WAIT)
      .toBe('ws://127.0.0.1:9/signaling');
  });
});
