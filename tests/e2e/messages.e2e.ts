/**
 * Direct messages (issue 27). Alice and Bob, friends, exchange messages from Bob's profile's
 * "Message" button and the Messages tab's "New message". Then Bob's pages close; Alice writes; Carol, a friend of
 * both and not in the conversation, is online and takes Alice's log; Alice's pages close; Bob
 * returns and reads the message, carried by Carol. Carol's store holds the message's entry (its
 * doc id, naming the writer's tag only) and no plaintext of it.
 * Closing a person's pages keeps their browser context, so their IndexedDB stays.
 */
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { requireNetns, setupE2e, type Person } from './harness.ts';
import {
  WAIT,
  befriendExisting,
  joinAll,
  onScreen,
  openFriends,
  openScreen,
} from './app-helpers.ts';
import { scanStore } from './store-scan.ts';

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

/** Opens the conversation with `name` from their profile's "Message" button. */
async function messageFromProfile(page: Page, name: string): Promise<void> {
  await openFriends(page);
  await page.getByRole('list', { name: 'Your friends' }).getByRole('link', { name }).click();
  await page.getByRole('button', { name: `Message ${name}` }).click();
  await page.getByRole('heading', { name, level: 1 }).waitFor(WAIT);
}

/** Opens the conversation with `name` from the Messages tab. */
async function openFromMessages(page: Page, name: string): Promise<void> {
  await openScreen(page, /^Messages/);
  await page.getByRole('heading', { name: 'Messages', level: 1 }).waitFor(WAIT);
  const conversation = page
    .getByRole('list', { name: 'Conversations' })
    .getByRole('link', { name: new RegExp(name) });
  await conversation.waitFor(WAIT);
  await conversation.click();
  await page.getByRole('heading', { name, level: 1 }).waitFor(WAIT);
}

async function send(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await shows(page, text);
}

/** One's own message holding `text`. */
function mine(page: Page, text: string) {
  return page
    .getByRole('list', { name: 'Messages' })
    .getByRole('listitem')
    .filter({ hasText: text });
}

async function shows(page: Page, text: string): Promise<void> {
  await page
    .getByRole('list', { name: 'Messages' })
    .getByRole('listitem')
    .filter({ hasText: text })
    .waitFor(WAIT);
}

requireNetns()('direct messages', () => {
  const e2e = setupE2e({ site: 'app' });

  it('Alice and Bob exchange messages; Carol carries one to Bob while each is away, and cannot read it', async () => {
    const [alice, bob, carol] = await joinAll(e2e, 'Alice', 'Bob', 'Carol');
    const [a, b, c] = [alice.page, bob.page, carol.page];
    await befriendExisting(a, 'Alice', b, 'Bob');
    await befriendExisting(a, 'Alice', c, 'Carol');
    await befriendExisting(b, 'Bob', c, 'Carol');

    await messageFromProfile(a, 'Bob');
    await a.getByText('No messages yet').waitFor(WAIT);
    // The limit as the post composer's: nothing said far from it; a paste past it is kept whole
    // (not cut at 4,000 without a word), said, and cannot be sent.
    const box = a.getByLabel('Message', { exact: true });
    expect(await a.getByText(/characters/).isVisible(), 'a count far from the limit').toBe(false);
    await box.fill('x'.repeat(4_100));
    await a.getByText('100 characters too long (at most 4,000)').waitFor(WAIT);
    expect((await box.inputValue()).length, 'the paste kept whole').toBe(4_100);
    expect(await a.getByRole('button', { name: 'Send' }).isDisabled(), 'Send when over').toBe(true);
    await box.fill('');
    // Bob's Notifications count, read before the message: it goes up by one without a reload.
    const notificationsUnread = () =>
      b
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: /^Notifications/ })
        .evaluate((el) => Number(/\((\d+) unread\)/.exec(el.textContent ?? '')?.[1] ?? 0));
    const unreadBefore = await notificationsUnread();
    await send(a, 'Hi Bob, it is Alice');
    await expect.poll(notificationsUnread, WAIT).toBe(unreadBefore + 1);
    // Bob's device takes it: Alice's message says so.
    await mine(a, 'Hi Bob, it is Alice').getByText('Delivered').waitFor(WAIT);
    expect(await a.getByText(/is offline/).count(), 'offline said while connected').toBe(0);
    await expect
      .poll(
        () =>
          b
            .getByRole('navigation', { name: 'Main' })
            .getByRole('link', { name: 'Messages (1 unread)' })
            .count(),
        WAIT,
      )
      .toBe(1);
    // Bob answers from Messages' "New message": it leads to the chat Alice started, not a new one.
    await openScreen(b, /^Messages/);
    await b.getByRole('button', { name: 'New message' }).click();
    await b
      .getByRole('region', { name: 'New message' })
      .getByRole('button', { name: 'Alice' })
      .click();
    await b.getByRole('heading', { name: 'Alice', level: 1 }).waitFor(WAIT);
    await shows(b, 'Hi Bob, it is Alice');
    // Bob read it: his receipt reaches Alice.
    await mine(a, 'Hi Bob, it is Alice').getByText('Read').waitFor(WAIT);
    // While both are connected, Alice sees Bob typing (never stored: nothing in any log).
    await b.getByLabel('Message', { exact: true }).fill('Hi Alice, Bob here');
    await a.getByRole('status').filter({ hasText: 'Bob is typing…' }).waitFor(WAIT);
    await b.getByRole('button', { name: 'Send' }).click();
    await shows(a, 'Hi Alice, Bob here');
    // A short message from the other side is a short bubble, as one's own.
    const list = a.getByRole('list', { name: 'Messages' });
    const widthOf = (el: Element) => el.getBoundingClientRect().width;
    const bubble = await list
      .getByRole('listitem')
      .filter({ hasText: 'Hi Alice, Bob here' })
      .evaluate(widthOf);
    const whole = await list.evaluate(widthOf);
    expect(bubble, "Bob's bubble").toBeLessThan(whole * 0.6);
    await expect.poll(() => a.getByText('Bob is typing…').count(), WAIT).toBe(0);
    // A photo, sealed under the conversation's key, fetched by Bob's device from Alice's.
    await a.getByLabel('Add photos').setInputFiles('public/icons/icon-512.png');
    await a.getByText('One photo to send').waitFor(WAIT);
    await a.getByRole('button', { name: 'Send' }).click();
    await a.getByRole('img', { name: 'Photo 1 of 1 from you' }).waitFor(WAIT);
    await b.getByRole('img', { name: 'Photo 1 of 1 from Alice' }).waitFor(WAIT);
    // Where her messages stand is said under her last one only, once Bob read it.
    // (Her photo message, the last bubble of hers: its photos are a list of their own inside.)
    const lastOfAlice = a
      .getByRole('list', { name: 'Messages' })
      .getByRole('listitem')
      .filter({ hasText: /^You\b/ })
      .last();
    await lastOfAlice.getByText('Read').waitFor(WAIT);
    expect(
      await mine(a, 'Hi Bob, it is Alice')
        .getByText(/^(Sent|Delivered|Read)$/)
        .count(),
    ).toBe(0);
    // Carol, a friend of both, holds the three messages' entries by now.
    await expect.poll(async () => (await scanStore(c, 'Hi Bob')).messageDocs, WAIT).toBe(3);

    // Her photo message, read by Bob, keeps saying so once a newer one is only sent.
    const photoMessage = a
      .getByRole('list', { name: 'Messages' })
      .getByRole('listitem')
      .filter({ has: a.getByRole('img', { name: 'Photo 1 of 1 from you' }) })
      .first();
    await photoMessage.getByText('Read').waitFor(WAIT);
    const bobReturns = await leave(bob.person);
    await send(a, 'Written while Bob was away');
    await mine(a, 'Written while Bob was away').getByText('Sent').waitFor(WAIT);
    expect(await photoMessage.getByText('Read').count(), 'how far Bob read').toBe(1);
    // "Sent" alone would read as a failure: the chat says Bob is away, and what happens.
    await a
      .getByText('Bob is offline. What you send reaches them when they are back')
      .waitFor(WAIT);
    await expect.poll(async () => (await scanStore(c, 'x')).messageDocs, WAIT).toBe(4);
    const aliceReturns = await leave(alice.person);
    const back = await bobReturns();
    await openFromMessages(back, 'Alice');
    await shows(back, 'Written while Bob was away');

    const carols = await scanStore(c, 'Written while Bob was away');
    expect(carols).toEqual({ messageDocs: 4, plaintext: false });
    expect((await scanStore(c, 'Hi Bob, it is Alice')).plaintext).toBe(false);
    // The scan finds plaintext where it is: Bob's own store holds the views he reads.
    expect((await scanStore(back, 'Written while Bob was away')).plaintext).toBe(true);

    // A long conversation opens at its newest message, with the box to answer in on screen.
    for (let i = 1; i <= 11; i++) await send(back, `Note ${i} of 12`);
    await send(back, 'Note 12 of 12: https://kith.example/notes');
    // In the list, the preview (cut with an ellipsis when long) keeps clear of its time.
    await openScreen(back, /^Messages/);
    const gap = await back
      .getByRole('list', { name: 'Conversations' })
      .getByRole('link', { name: /Alice/ })
      .evaluate((row) => {
        const right = (el: Element | null) => el?.getBoundingClientRect().right ?? NaN;
        const left = (el: Element | null) => el?.getBoundingClientRect().left ?? NaN;
        return left(row.querySelector('time')) - right(row.querySelector('.last'));
      });
    expect(gap, 'room between the preview and its time').toBeGreaterThanOrEqual(6);
    await back.goBack();
    // An address in a message is a link, as in a post.
    await mine(back, 'Note 12 of 12')
      .getByRole('link', { name: 'https://kith.example/notes' })
      .waitFor(WAIT);
    await openFromMessages(back, 'Alice');
    await expect
      .poll(() => back.getByLabel('Message', { exact: true }).evaluate(onScreen), WAIT)
      .toBe(true);
    expect(await mine(back, 'Note 12 of 12').evaluate(onScreen), 'the newest message').toBe(true);
    expect(await back.evaluate(() => scrollY), 'scrolled past the oldest').toBeGreaterThan(0);

    // Alice, reading older messages, is told that one came below, and led to it.
    const a2 = await aliceReturns();
    await openFromMessages(a2, 'Bob');
    await shows(a2, 'Note 12 of 12');
    await a2.evaluate(() => window.scrollTo(0, 0));
    await expect.poll(() => a2.evaluate(() => scrollY), WAIT).toBe(0);
    await send(back, 'Are you there?');
    const newBelow = a2.getByRole('button', { name: '1 new message below' });
    await newBelow.waitFor(WAIT);
    expect(await a2.evaluate(() => scrollY), 'not pulled away from what she reads').toBe(0);
    await newBelow.click();
    await expect.poll(() => a2.getByText('Are you there?').evaluate(onScreen), WAIT).toBe(true);
    expect(await newBelow.count()).toBe(0);
    expect(
      await a2
        .getByLabel('Message', { exact: true })
        .evaluate((el) => el === document.activeElement),
      'focus in the box to answer',
    ).toBe(true);
  });

  it('a newcomer with no friends is told whom a message can reach, and where friends are added', async () => {
    const [alice] = await joinAll(e2e, 'Alice');
    const a = alice.page;
    await openScreen(a, /^Messages/);
    await a.getByText('No messages yet').waitFor(WAIT);
    await a.getByRole('button', { name: 'New group' }).click();
    const group = a.getByRole('form', { name: 'New group' });
    await group.getByText('you have none yet').waitFor(WAIT);
    expect(await group.getByRole('button', { name: 'Start group' }).count()).toBe(0);
    await group.getByRole('button', { name: 'Cancel' }).click();
    // The button pressed goes away with the form it opens: focus goes to the form, and back.
    const focused = (locator: ReturnType<Page['getByRole']>) =>
      locator.evaluate((el) => el === document.activeElement);
    await expect.poll(() => focused(a.getByRole('button', { name: 'New group' })), WAIT).toBe(true);
    await a.getByRole('button', { name: 'New message' }).click();
    const form = a.getByRole('region', { name: 'New message' });
    await expect
      .poll(() => focused(form.getByRole('heading', { name: 'New message' })), WAIT)
      .toBe(true);
    await form.getByText('you have none yet').waitFor(WAIT);
    await form.getByRole('link', { name: 'Add a friend' }).click();
    await a.getByRole('heading', { name: 'Friends', level: 1 }).waitFor(WAIT);
  });

  it('Alice starts a group with Bob and Dan, who are not friends: all three read every message; Bob renames it; Dan removed reads nothing written after; Alice leaves', async () => {
    const [alice, bob, dan] = await joinAll(e2e, 'Alice', 'Bob', 'Dan');
    const [a, b, d] = [alice.page, bob.page, dan.page];
    // Dan is Alice's friend, not Bob's.
    await befriendExisting(a, 'Alice', b, 'Bob');
    await befriendExisting(a, 'Alice', d, 'Dan');

    await openScreen(a, /^Messages/);
    await a.getByText('No messages yet').waitFor(WAIT);
    await a.getByRole('button', { name: 'New group' }).click();
    const form = a.getByRole('form', { name: 'New group' });
    await form.getByLabel('Group name (optional)').fill('Weekend');
    await form.getByRole('checkbox', { name: 'Bob' }).check();
    await form.getByRole('checkbox', { name: 'Dan' }).check();
    await form.getByText('You and 2 friends, at most 50 people.').waitFor(WAIT);
    await form.getByRole('button', { name: 'Start group' }).click();
    await a.getByRole('heading', { name: 'Weekend', level: 1 }).waitFor(WAIT);
    await send(a, 'Hello group');
    for (const page of [b, d]) {
      await openFromMessages(page, 'Weekend');
      await shows(page, 'Hello group');
    }
    await send(b, 'Bob here');
    await send(d, 'Dan here');
    for (const page of [a, b, d]) {
      for (const text of ['Hello group', 'Bob here', 'Dan here']) await shows(page, text);
    }
    // Any member renames the group: Bob, who did not start it; everyone sees the new name.
    await b.getByText('3 people').click();
    await b.getByRole('button', { name: 'Rename the group' }).click();
    await b.getByLabel('Group name').fill('Long weekend');
    await b.getByRole('button', { name: 'Save name' }).click();
    for (const page of [a, b, d]) {
      await page.getByRole('heading', { name: 'Long weekend', level: 1 }).waitFor(WAIT);
    }

    await a.getByText('3 people').click();
    // Asked first: a removed member is out for good.
    const asked: string[] = [];
    a.on('dialog', (dialog) => {
      asked.push(dialog.message());
      void dialog.accept();
    });
    await a.getByRole('button', { name: 'Remove Dan' }).click();
    expect(asked.shift()).toMatch(/^Remove Dan from “Long weekend”\?/);
    await expect.poll(() => a.getByText('2 people').count(), WAIT).toBe(1);
    await expect.poll(() => b.getByText('2 people').count(), WAIT).toBe(1);
    await send(a, 'Dan is not here any more');
    await send(b, 'Bob after Dan left');
    await shows(b, 'Dan is not here any more');
    await shows(a, 'Bob after Dan left');
    // Dan's device holds both new messages' entries (his interest still takes Alice's and Bob's
    // logs) and shows nothing of them.
    await expect.poll(async () => (await scanStore(d, 'x')).messageDocs, WAIT).toBe(5);
    for (const text of ['Dan is not here any more', 'Bob after Dan left']) {
      expect((await scanStore(d, text)).plaintext).toBe(false);
    }
    await d.reload();
    await openFromMessages(d, 'Long weekend');
    await shows(d, 'Dan here');
    expect(
      await d.getByRole('list', { name: 'Messages' }).getByRole('listitem').allTextContents(),
    ).toHaveLength(3);
    // Alice, who started it, leaves: Bob holds its keys now, and sees her gone.
    await a.getByRole('button', { name: 'Leave the group' }).click();
    expect(asked.shift()).toMatch(/^Leave “Long weekend”\?/);
    await a.getByText('You left this conversation.').waitFor(WAIT);
    await a.getByText('1 person', { exact: true }).waitFor(WAIT);
    // Her list of conversations says she left it.
    await openScreen(a, /^Messages/);
    await a
      .getByRole('list', { name: 'Conversations' })
      .getByRole('link', { name: /^Long weekend\s· you left/ })
      .waitFor(WAIT);
    await b.getByText('(left)').waitFor(WAIT);
  });
});
