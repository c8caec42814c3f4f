/**
 * A delete that deletes, a removal that keeps the removed friend out, and this device's data
 * deleted on request (issue 28, items 4 and 6), in one story to keep CI short:
 *
 * - Alice deletes a public post and a friends-only post with a photo: no store of hers, Bob's or
 *   Carol's holds the public post's words (its entries travelled in clear, so this proves their
 *   payloads were dropped), nor the photo; Dave, befriended afterwards, holds none of the words
 *   and shows her posts written before and after.
 * - Alice removes Bob; Carol (a friend of both) comments on an old post of Alice's: Bob's store
 *   holds Carol's comment entry (it travelled to him) and not its words; nor does it hold the
 *   post Alice wrote after the removal.
 * - Dave's Settings show what each person's posts take on his device; he deletes his device's
 *   data: the confirmation says what is lost, and the app opens its start screen with nothing of
 *   his left.
 */
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { requireNetns, setupE2e } from './harness.ts';
import {
  WAIT,
  befriend,
  befriendExisting,
  enableTestHooks,
  join,
  openFriends,
  openHome,
  openScreen,
  post,
  waitForPost,
} from './app-helpers.ts';
import { scanStore } from './store-scan.ts';

const PHOTO = 'public/icons/icon-192.png';
const BEFORE = 'Written before the slip';
const SLIP = 'marmalade zebra lives at 12 Elm Street';
const PRIVATE_SLIP = 'a friends-only slip with a photo';
const AFTER = 'Written after the slip';
const OLD = 'An old post to comment on';
const AFTER_REMOVAL = 'Written after Bob was removed';
const COMMENT = 'Carol comments after Bob was removed';

/** Whether `page`'s store holds `text` anywhere (entries, views, settings). */
async function holds(page: Page, text: string): Promise<boolean> {
  return (await scanStore(page, text)).plaintext;
}

/** Bytes of photos held in `page`'s store. */
function photoBytes(page: Page): Promise<number> {
  return page.evaluate(async () => (await window.kithTest!.store.usage()).blobBytes);
}

/** The person id of `page`'s person. */
function idOf(page: Page): Promise<string> {
  return page.evaluate(() => window.kithTest!.peer.me);
}

/** How many entries of `author`'s logs `page`'s store holds. */
function entriesOf(page: Page, author: string): Promise<number> {
  return page.evaluate(
    async (who) =>
      (await window.kithTest!.store.listLogs())
        .filter((log) => log.author === who)
        .reduce((sum, log) => sum + log.entries, 0),
    author,
  );
}

/** Deletes the post showing `text` on Alice's Home; returns what the confirmation said. */
async function deletePost(page: Page, text: string): Promise<string> {
  await openHome(page);
  const card = page.getByRole('article').filter({ hasText: text });
  await card.getByRole('button', { name: 'Post options' }).click();
  const said = new Promise<string>((resolve) =>
    page.once('dialog', (dialog) => {
      resolve(dialog.message());
      void dialog.accept();
    }),
  );
  await card.getByRole('button', { name: 'Delete post' }).click();
  const message = await said;
  await expect.poll(() => card.count(), WAIT).toBe(0);
  return message;
}

/** Waits until `page`'s Home no longer shows a post with `text`. */
async function waitGone(page: Page, text: string): Promise<void> {
  await openHome(page);
  await expect
    .poll(() => page.getByRole('article').filter({ hasText: text }).count(), WAIT)
    .toBe(0);
}

requireNetns()('a delete that deletes, a removal, and this device’s data', () => {
  const e2e = setupE2e({ site: 'app' });

  it('deleted words and photos leave every store and skip a later friend; a removed friend reads no later comment; a device’s data is deleted', async () => {
    const alice = await e2e.person('alice');
    const bob = await e2e.person('bob');
    const carol = await e2e.person('carol');
    const dave = await e2e.person('dave');
    for (const person of [alice, bob, carol, dave]) await enableTestHooks(person.context);
    const a = await join(alice, 'Alice');
    const [b, c, d] = [bob.page, carol.page, dave.page];
    await befriend(a, 'Alice', b, 'Bob');
    await befriend(a, 'Alice', c, 'Carol');
    await befriendExisting(b, 'Bob', c, 'Carol');

    // Alice writes; her friends show (and hold) each post, the photo too.
    await post(a, BEFORE);
    await post(a, OLD);
    await post(a, SLIP, [], 'public');
    await post(a, PRIVATE_SLIP, [PHOTO], 'friends');
    for (const page of [b, c]) {
      for (const text of [BEFORE, OLD, SLIP, PRIVATE_SLIP]) await waitForPost(page, 'Alice', text);
      await expect.poll(() => photoBytes(page), WAIT).toBeGreaterThan(0);
      expect(await holds(page, SLIP)).toBe(true);
    }

    // She deletes both slips; the screen says a saved copy cannot be recalled.
    expect(await deletePost(a, SLIP)).toMatch(/cannot be recalled/);
    await deletePost(a, PRIVATE_SLIP);
    await post(a, AFTER);
    for (const page of [b, c]) {
      await waitForPost(page, 'Alice', AFTER);
      for (const text of [SLIP, PRIVATE_SLIP]) await waitGone(page, text);
    }
    for (const page of [a, b, c]) {
      await expect.poll(() => holds(page, SLIP), WAIT).toBe(false);
      expect(await holds(page, PRIVATE_SLIP)).toBe(false);
      await expect.poll(() => photoBytes(page), WAIT).toBe(0);
    }

    // Dave, befriended afterwards, holds Alice's posts from before and after, none of the slip.
    await befriend(a, 'Alice', d, 'Dave');
    for (const text of [BEFORE, AFTER]) await waitForPost(d, 'Alice', text);
    for (const text of [SLIP, 'marmalade', PRIVATE_SLIP]) expect(await holds(d, text)).toBe(false);
    expect(await photoBytes(d)).toBe(0);

    // Alice removes Bob; Carol sees what Alice writes next (she has the new epoch), then
    // comments on Alice's old post.
    await openFriends(a);
    a.once('dialog', (dialog) => void dialog.accept());
    await a.getByRole('button', { name: 'Remove Bob' }).click();
    await expect.poll(() => a.getByRole('button', { name: 'Remove Bob' }).count(), WAIT).toBe(0);
    await post(a, AFTER_REMOVAL);
    await waitForPost(c, 'Alice', AFTER_REMOVAL);
    const onCarol = c.getByRole('article').filter({ hasText: OLD });
    await onCarol.getByLabel('Write a comment').fill(COMMENT);
    await onCarol.getByRole('button', { name: 'Comment', exact: true }).click();
    await a.getByRole('article').filter({ hasText: OLD }).getByText(COMMENT).waitFor(WAIT);

    // Bob holds every entry of Carol's log, her comment's included, and reads none of it.
    const carolId = await idOf(c);
    const carolWrote = await entriesOf(c, carolId);
    await expect.poll(() => entriesOf(b, carolId), WAIT).toBe(carolWrote);
    expect(await holds(b, COMMENT)).toBe(false);
    expect(await holds(b, AFTER_REMOVAL)).toBe(false);
    await openHome(b);
    expect(await b.getByText(COMMENT).count()).toBe(0);

    // Dave deletes his device's data: told what is lost, then back at the start screen.
    await openScreen(d, 'Settings');
    // Settings says what each person's posts take on this device, as a size (not in entries).
    const alicesRow = d
      .getByRole('list', { name: 'Storage by person' })
      .getByRole('listitem')
      .filter({ hasText: 'Alice' });
    await alicesRow.waitFor(WAIT);
    expect(await alicesRow.textContent()).toMatch(/^\s*Alice\s*[\d.]+ (B|KB|MB)\s*$/);
    await d.getByRole('button', { name: "Delete this device's data…" }).click();
    const lost = d.getByRole('group', { name: 'What is lost' });
    await lost.getByText(/Your keys on this device/).waitFor(WAIT);
    await lost.getByText(/recovery phrase nor a backup file/).waitFor(WAIT);
    await lost.getByRole('button', { name: 'Delete everything on this device' }).click();
    await d.getByLabel('Your name').waitFor(WAIT);
    const names = await d.evaluate(async () =>
      (await indexedDB.databases()).map((db) => db.name ?? ''),
    );
    expect(names.filter((name) => name.startsWith('flexsearch'))).toEqual([]);
    for (const text of [BEFORE, AFTER, 'Dave']) expect(await holds(d, text)).toBe(false);
  }, 300_000);
});
