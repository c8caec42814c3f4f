/**
 * Audiences and blocking (issue 28), one story of three friends: Alice keeps a "Close friends"
 * list with Bob in it and posts to it; Bob reads the post, Carol (a friend outside the list)
 * holds its ciphertext and reads nothing. Then Alice blocks Carol: Carol's comment on Bob's post
 * leaves Alice's view; Carol's later comment, her message and her acceptance of Alice's invite
 * never reach Alice; and nothing in Carol's store says she was blocked.
 */
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { requireNetns, setupE2e } from './harness.ts';
import {
  WAIT,
  befriendExisting,
  createInvite,
  enableTestHooks,
  explained,
  friendItem,
  join,
  openFriends,
  openHome,
  openScreen,
  post,
  waitForPost,
} from './app-helpers.ts';
import { scanStore } from './store-scan.ts';

/** The post key (`author/postId`) of the newest post of the page's own timeline with `text`. */
async function postKeyOf(page: Page, text: string): Promise<string> {
  return page.evaluate(async (wanted) => {
    const items = (await window.kithTest!.peer.timelinePage({ limit: 20 })).items;
    const found = items.find((p) => (p.summary as { text?: string }).text === wanted);
    if (!found) throw new Error(`no post ${wanted}`);
    return found.postId;
  }, text);
}

/** How many entries of the post `key` the page's store holds (readable or not). */
async function heldEntries(page: Page, key: string): Promise<number> {
  return page.evaluate(async (postKey) => {
    const [author, postId] = postKey.split('/') as [string, string];
    const { store } = window.kithTest!;
    return (await store.getDocEntries(author as never, `post/${postId}` as never)).length;
  }, key);
}

/** Comments on `page`'s `article` with `text`. */
function commentOn(page: Page, postText: string, text: string) {
  return page.getByRole('article').filter({ hasText: postText }).getByText(text);
}

async function comment(page: Page, postText: string, text: string): Promise<void> {
  const article = page.getByRole('article').filter({ hasText: postText });
  await article.getByLabel('Write a comment').fill(text);
  await article.getByRole('button', { name: 'Comment', exact: true }).click();
  await article.getByText(text).waitFor(WAIT);
}

async function sendMessage(page: Page, to: string, text: string): Promise<void> {
  await openFriends(page);
  await page.getByRole('list', { name: 'Your friends' }).getByRole('link', { name: to }).click();
  await page.getByRole('button', { name: `Message ${to}` }).click();
  await page.getByRole('heading', { name: to, level: 1 }).waitFor(WAIT);
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByRole('list', { name: 'Messages' }).getByText(text).waitFor(WAIT);
}

requireNetns()('audiences and blocking', () => {
  const e2e = setupE2e({ site: 'app' });

  // Three friendships and two stories in one test (lean on CI): longer than the default bound.
  it(
    'a post for Close friends, and Alice blocking Carol without telling her',
    { timeout: 400_000 },
    async () => {
      const pages: Page[] = [];
      for (const name of ['Alice', 'Bob', 'Carol']) {
        const person = await e2e.person(name.toLowerCase());
        await enableTestHooks(person.context);
        pages.push(await join(person, name));
      }
      const [a, b, c] = pages as [Page, Page, Page];
      await explained({ Alice: a, Bob: b, Carol: c }, async () => {
        await befriendExisting(a, 'Alice', b, 'Bob');
        await befriendExisting(a, 'Alice', c, 'Carol');
        await befriendExisting(b, 'Bob', c, 'Carol');

        // Alice makes her list in Settings and puts Bob in it.
        await openScreen(a, 'Settings');
        await a.getByLabel('Name of a new list').fill('Close friends');
        await a.getByRole('button', { name: 'Make list' }).click();
        await a.getByRole('checkbox', { name: 'Bob in Close friends' }).check();
        await a.getByText('The change applies to posts you write from now on.').waitFor(WAIT);

        // The composer says what the list means before she posts to it.
        await openHome(a);
        await a
          .getByRole('combobox', { name: 'Audience' })
          .selectOption({ label: 'Close friends' });
        await a.getByText(/they cannot tell who it is for/).waitFor(WAIT);
        await a.getByLabel("What's on your mind?").fill('Only for my close friends');
        await a.getByRole('button', { name: 'Post', exact: true }).click();
        await a.getByRole('article').filter({ hasText: 'Only for my close friends' }).waitFor(WAIT);
        const listPost = await postKeyOf(a, 'Only for my close friends');
        // The next post starts at friends again, not at the list the last one went to.
        expect(await a.getByRole('combobox', { name: 'Audience' }).inputValue()).toBe('friends');
        await post(a, 'For all my friends');

        await waitForPost(b, 'Alice', 'Only for my close friends');
        await waitForPost(c, 'Alice', 'For all my friends');
        await expect.poll(() => heldEntries(c, listPost), WAIT).toBeGreaterThan(0);
        expect(await c.getByText('Only for my close friends').count()).toBe(0);
        expect((await scanStore(c, 'Only for my close friends')).plaintext).toBe(false);

        // Carol comments on Bob's post; Alice sees it, then blocks Carol from her profile.
        await post(b, 'Bob asks a question');
        await waitForPost(c, 'Bob', 'Bob asks a question');
        await comment(c, 'Bob asks a question', 'Carol answers');
        await waitForPost(a, 'Bob', 'Bob asks a question');
        await commentOn(a, 'Bob asks a question', 'Carol answers').waitFor(WAIT);
        await sendMessage(c, 'Alice', 'Carol says hi');
        await openFriends(a);
        await friendItem(a, 'Carol').getByRole('link', { name: 'Carol', exact: true }).click();
        a.once('dialog', (dialog) => void dialog.accept());
        await a.getByRole('button', { name: 'Block Carol' }).click();
        await a.getByText('You blocked Carol. They are not told.').waitFor(WAIT);
        // Blocking takes in what muting does: nothing left to mute.
        expect(await a.getByRole('button', { name: 'Mute Carol' }).count()).toBe(0);
        await openHome(a);
        await a.getByRole('article').filter({ hasText: 'Bob asks a question' }).waitFor(WAIT);
        await expect
          .poll(() => commentOn(a, 'Bob asks a question', 'Carol answers').count(), WAIT)
          .toBe(0);

        // After the block: Carol accepts an invite of Alice's, writes to her, comments again.
        const link = await createInvite(a);
        await c.goto(link);
        await c.getByRole('button', { name: 'Accept invite' }).click();
        await sendMessage(c, 'Alice', 'Carol writes again');
        await openHome(c);
        await comment(c, 'Bob asks a question', 'Carol once more');
        await commentOn(b, 'Bob asks a question', 'Carol once more').waitFor(WAIT);
        // Bob posts after he has Carol's new comment: once Alice has it, she has what came before.
        await post(b, 'Bob again');
        await waitForPost(a, 'Bob', 'Bob again');
        expect(await commentOn(a, 'Bob asks a question', 'Carol once more').count()).toBe(0);
        expect(await commentOn(a, 'Bob asks a question', 'Carol answers').count()).toBe(0);
        expect((await scanStore(a, 'Carol writes again')).plaintext).toBe(false);
        expect((await scanStore(a, 'Carol once more')).plaintext).toBe(false);
        await openFriends(a);
        expect(await friendItem(a, 'Carol').count()).toBe(0);

        // Carol is not told: Alice is still her friend on her screen, and her store says nothing.
        await openFriends(c);
        await friendItem(c, 'Alice').waitFor(WAIT);
        expect((await scanStore(c, 'blocked')).plaintext).toBe(false);
        expect((await scanStore(c, 'Blocked')).plaintext).toBe(false);
      });
    },
  );
});
