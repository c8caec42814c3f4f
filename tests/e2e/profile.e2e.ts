/**
 * Alice starts Kith with a photo, reads how Kith works, then adds a cover and a bio. Bob, her
 * friend, sees her name, photo and cover on her profile, and still does after Alice's pages
 * close and he reloads (from the replicas on his device). Bob turns on system notifications;
 * while his page is in the background, Alice comments on his post and his device shows it; once
 * he turns comments off as system notifications, her next comment is not shown.
 *
 * System notifications are observed, not replaced: an init script wraps
 * `ServiceWorkerRegistration.prototype.showNotification` and `window.Notification` to record
 * each call and then make it for real. The page's visibility is the one thing emulated: an init
 * script lets the test say when `document.visibilityState` reads `hidden`.
 */
import { encodePng } from '../../scripts/lib/png.ts';
import { expect, it } from 'vitest';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import {
  befriend,
  enableTestHooks,
  explained,
  friendItem,
  join,
  onScreen,
  openFriends,
  post,
  waitForPost,
  WAIT,
} from './app-helpers.ts';
import { requireNetns, setupE2e } from './harness.ts';

/** A PNG of `width` x `height` in two colours (top half, bottom half), made here. */
function makePng(width: number, height: number, top: number[], bottom: number[]): Buffer {
  return encodePng(width, height, 'rgb', (y) => {
    const row = new Uint8Array(width * 3);
    const colour = y < height / 2 ? top : bottom;
    for (let x = 0; x < width; x++) row.set(colour, x * 3);
    return row;
  });
}

/** Waits until `img` is drawn: decoded, with pixels. */
async function drawn(img: Locator): Promise<void> {
  await img.waitFor(WAIT);
  await expect
    .poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), WAIT)
    .toBeGreaterThan(0);
}

/**
 * Records the system notifications a context's pages raise, and the app's checks for new
 * notifications (each writes what it has seen); lets the test hide a page, across reloads.
 */
async function watchSystemNotifications(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const scope = window as unknown as {
      __shown: { title: string; body: string; via: string }[];
      __checks: number;
    };
    scope.__shown = [];
    scope.__checks = 0;
    Object.defineProperty(Document.prototype, 'visibilityState', {
      configurable: true,
      get: () => (sessionStorage.getItem('e2e-hidden') === '1' ? 'hidden' : 'visible'),
    });
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (key, value) {
      if (key === 'kith:system-notifications:seen') scope.__checks++;
      return setItem.call(this, key, value);
    };
    if (typeof ServiceWorkerRegistration !== 'undefined') {
      const show = ServiceWorkerRegistration.prototype.showNotification;
      ServiceWorkerRegistration.prototype.showNotification = function (title, options) {
        scope.__shown.push({ title, body: options?.body ?? '', via: 'service worker' });
        return show.call(this, title, options);
      };
    }
    if (typeof Notification !== 'undefined') {
      const Real = Notification;
      const Recorded = function (title: string, options?: NotificationOptions) {
        scope.__shown.push({ title, body: options?.body ?? '', via: 'Notification' });
        return new Real(title, options);
      } as unknown as typeof Notification;
      Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
      Recorded.requestPermission = Real.requestPermission.bind(Real);
      window.Notification = Recorded;
    }
  });
}

function setHidden(page: Page, hidden: boolean): Promise<void> {
  return page.evaluate((h) => sessionStorage.setItem('e2e-hidden', h ? '1' : '0'), hidden);
}

function checks(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __checks: number }).__checks);
}

/** Whether the app remembers a notification whose id starts with `prefix` as seen. */
function remembers(page: Page, prefix: string): Promise<boolean> {
  return page.evaluate((p) => {
    const memory = localStorage.getItem('kith:system-notifications:seen');
    const seen = memory ? (JSON.parse(memory) as { seen: string[] }).seen : [];
    return seen.some((id) => id.startsWith(p));
  }, prefix);
}

function shown(page: Page): Promise<{ title: string; body: string; via: string }[]> {
  return page.evaluate(
    () =>
      (window as unknown as { __shown: { title: string; body: string; via: string }[] }).__shown,
  );
}

/** Waits until Alice's profile on `page` shows her name, photo, cover and bio. */
async function seesAlicesProfile(page: Page): Promise<void> {
  await page.getByRole('heading', { name: 'Alice', level: 1 }).waitFor(WAIT);
  await drawn(page.getByRole('img', { name: 'Alice', exact: true }));
  await drawn(page.getByRole('img', { name: 'Cover picture of Alice' }));
  await page.getByText('Grows tomatoes on the balcony').waitFor(WAIT);
}

requireNetns()('profiles and system notifications', () => {
  const e2e = setupE2e({ site: 'app' });

  it('a profile address that names nobody says so', async () => {
    const alice = await e2e.person('alice');
    const a = await join(alice, 'Alice');
    await alice.goto('/#/profile/nonsense');
    await a.getByRole('heading', { name: 'No such person', level: 1 }).waitFor(WAIT);
    expect(await a.getByRole('button', { name: /^(Mute|Block)/ }).count()).toBe(0);
  });

  it('Alice’s photo, cover and bio reach Bob and stay after she leaves; Bob is notified in the background', async () => {
    const alice = await e2e.person('alice');
    const bob = await e2e.person('bob');
    await Promise.all([enableTestHooks(alice.context), enableTestHooks(bob.context)]);
    await bob.context.grantPermissions(['notifications'], { origin: e2e.baseUrl });
    await watchSystemNotifications(bob.context);
    const [a, b] = [alice.page, bob.page];

    await explained({ alice: a, bob: b }, async () => {
      // Onboarding, with a photo picked on the same screen as the name.
      await alice.goto('/');
      // Start with no name asks for one; the request goes once a name is typed.
      await a.getByRole('button', { name: 'Start' }).click();
      const noName = a.getByRole('alert').filter({ hasText: 'Please enter the name' });
      await noName.waitFor(WAIT);
      // The focus goes where the name is typed.
      expect(await a.getByLabel('Your name').evaluate((el) => el === document.activeElement)).toBe(
        true,
      );
      await a.getByLabel('Your name').fill('Alice');
      await expect.poll(() => noName.count(), WAIT).toBe(0);
      await a.getByLabel('Profile photo (optional)').setInputFiles({
        name: 'me.png',
        mimeType: 'image/png',
        buffer: makePng(640, 480, [200, 40, 40], [240, 200, 60]),
      });
      await drawn(a.getByRole('img', { name: 'Preview of your profile photo' }));
      await a.getByRole('button', { name: 'Remove profile photo', exact: true }).waitFor(WAIT);
      // How Kith works is part of the onboarding screen, read before the account exists.
      const explanation = a.getByRole('region', { name: 'How Kith works' });
      await explanation
        .getByText(/your data lives on your devices and your friends’/i)
        .waitFor(WAIT);
      await a.getByRole('button', { name: 'Start' }).click();
      // Not a card on top of the app afterwards; Settings shows it again on request.
      await a.getByRole('form', { name: 'New post' }).waitFor(WAIT);
      expect(await a.getByText(/your data lives on your devices/i).count()).toBe(0);
      await a
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Settings' })
        .click();
      await a.getByText('How Kith works', { exact: true }).click();
      await a.getByText(/your data lives on your devices and your friends’/i).waitFor(WAIT);

      // Her own profile: the photo is there; she adds a bio and a cover.
      await a
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Profile' })
        .click();
      await drawn(a.getByRole('img', { name: 'Alice', exact: true }));
      await a.getByRole('button', { name: 'Edit profile' }).click();
      await a.getByLabel('About you').fill('Grows tomatoes on the balcony');
      await a.getByLabel('Cover picture').setInputFiles({
        name: 'cover.png',
        mimeType: 'image/png',
        buffer: makePng(1200, 900, [40, 90, 200], [40, 160, 90]),
      });
      await drawn(a.getByRole('img', { name: 'Preview of your cover picture' }));
      await a.getByRole('button', { name: 'Save profile' }).click();
      const savedNote = a.getByRole('status').filter({ hasText: 'Profile saved.' });
      await savedNote.waitFor(WAIT);
      // Save sat below the pictures' previews: the page comes back to the profile's top.
      await expect.poll(() => savedNote.evaluate(onScreen), WAIT).toBe(true);
      await seesAlicesProfile(a);
      const profileTab = (page: Page) =>
        page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Profile' });
      expect(await profileTab(a).getAttribute('aria-current')).toBe('page');

      // Bob becomes her friend and opens her profile: his own Profile tab is not the current one.
      await befriend(a, 'Alice', b, 'Bob');
      await openFriends(b);
      await friendItem(b, 'Alice').getByRole('link', { name: 'Alice', exact: true }).click();
      await seesAlicesProfile(b);
      expect(await profileTab(b).getAttribute('aria-current')).toBeNull();
      // A live region with nothing to say yet (muting) leaves no empty band under her name.
      const emptyRegions = await b.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('main [role="status"]')]
          .filter((el) => (el.textContent ?? '').trim() === '')
          .map((el) => {
            const style = getComputedStyle(el);
            const margins = parseFloat(style.marginTop) + parseFloat(style.marginBottom);
            return el.getBoundingClientRect().height + margins;
          }),
      );
      expect(
        emptyRegions.filter((room) => room > 0),
        'room taken by empty status regions',
      ).toEqual([]);

      // System notifications: Bob turns them on, then his page goes to the background.
      await b
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: /^Notifications/ })
        .click();
      await b.getByRole('button', { name: 'Turn on system notifications' }).click();
      await b.getByText(/System notifications are on/).waitFor(WAIT);
      await post(b, 'Picnic on Sunday?');
      await waitForPost(a, 'Bob', 'Picnic on Sunday?');
      // Alice reacts while his page is in front: it shows in the app, not as a system one.
      const onAlice = a.getByRole('article').filter({ hasText: 'Picnic on Sunday?' });
      await onAlice.getByRole('button', { name: 'React', exact: true }).click();
      await onAlice.getByRole('button', { name: 'React love' }).click();
      await b
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: /^Notifications/ })
        .click();
      await b.getByText(/Alice reacted to your post/).waitFor(WAIT);
      // The app has looked at it while in front (it remembers it as seen)...
      await expect.poll(() => remembers(b, 'reaction/'), WAIT).toBe(true);
      // ...and only then does the page go to the background.
      await setHidden(b, true);
      await onAlice.getByLabel('Write a comment').fill('I will bring cake');
      await onAlice.getByRole('button', { name: 'Comment', exact: true }).click();
      // Only the comment is announced: not the reaction (seen in front), nor the acceptance
      // (older than turning them on).
      await expect
        .poll(async () => (await shown(b)).map((n) => n.body).join(' | '), WAIT)
        .toBe('Alice commented on your post: “I will bring cake”');
      const [note] = await shown(b);
      expect(note!.title).toBe('Kith');
      // The built app has a service worker, so the notification goes through it, and the
      // system holds it: the registration lists the one it showed.
      expect(note!.via).toBe('service worker');
      // The system lists it once it has taken it, which may lag the call a little.
      await expect
        .poll(
          () =>
            b.evaluate(async () => {
              const registration = await navigator.serviceWorker.getRegistration();
              return (await registration!.getNotifications()).map((n) => n.body);
            }),
          WAIT,
        )
        .toEqual([note!.body]);
      // Its click opens the post at the comment: the place rides in the notification's data,
      // which the service worker's notificationclick reads (no test clicks it: headless
      // Chromium has no notification UI).
      const places = await b.evaluate(async () => {
        const registration = await navigator.serviceWorker.getRegistration();
        return (await registration!.getNotifications()).map(
          (n) => (n.data as { href?: unknown } | null)?.href,
        );
      });
      expect(places).toEqual([
        expect.stringMatching(/^#\/post\/[^/]+%2F[^/]+\/[^/]+%2Fcomment%2F[^/]+$/),
      ]);

      // Bob turns comments off as system notifications (Settings): Alice's next comment is
      // looked at and remembered, and not shown by the system.
      await b
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Settings' })
        .click();
      await b
        .getByRole('group', { name: 'Comments on your posts' })
        .getByRole('checkbox', { name: 'As a system notification' })
        .uncheck();
      const commentsSeen = () =>
        b.evaluate(() => {
          const memory = localStorage.getItem('kith:system-notifications:seen');
          const seen = memory ? (JSON.parse(memory) as { seen: string[] }).seen : [];
          return seen.filter((id) => id.startsWith('comment/')).length;
        });
      expect(await commentsSeen()).toBe(1);
      await onAlice.getByLabel('Write a comment').fill('Or maybe Saturday');
      await onAlice.getByRole('button', { name: 'Comment', exact: true }).click();
      await expect.poll(commentsSeen, WAIT).toBe(2);
      expect((await shown(b)).map((n) => n.body)).toEqual([note!.body]);

      // Alice leaves; Bob reloads and still sees her profile, from his own replica.
      await a.close();
      await openFriends(b);
      await friendItem(b, 'Alice').getByRole('link', { name: 'Alice', exact: true }).click();
      await b.reload();
      await seesAlicesProfile(b);
      // His page is still in the background: once the app has looked at its notifications
      // again, the comment already announced has not been announced a second time.
      await expect.poll(() => checks(b), WAIT).toBeGreaterThan(0);
      expect(await shown(b)).toEqual([]);
    });
    // A bound for a long story on two shared cores, not an expectation of speed.
  }, 300_000);
});
