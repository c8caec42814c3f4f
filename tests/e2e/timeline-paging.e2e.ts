/**
 * Alice's home timeline over a store of 5,000 posts, seeded through the core's own API (real
 * friend identities, real signed entries, ingested and materialized by her app: see
 * `bench/app-seed.ts`): the first page renders, scrolling loads older pages, and the posts shown
 * are exactly the newest ones, in order, none twice and none skipped. Every two posts share a
 * time, so each page boundary also crosses the tie-break between equal times.
 *
 * Alice watches the seeding from the search screen: while posts keep arriving, search waits and
 * says so (its index would slow the sync, `search-indexer.ts`); once they stop, the newest post
 * is found.
 */
import { errors } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  PostSigner,
  befriendAll,
  countTimeline,
  ingestChunk,
  waitForTestHooks,
  type SeededPost,
} from '../../bench/app-seed.ts';
import { setupE2e } from './harness.ts';
import { WAIT, join, openScreen } from './app-helpers.ts';

const POSTS = 5_000;
const FRIENDS = 10;
/** Posts signed and ingested per round: bounds what Node and the page hold at once. */
const CHUNK = 1_000;
/** Paging must bring at least this many posts onto the screen (the first page holds 20). */
const SCROLLED_TO = 120;
/** The text of each post row on the timeline. */
const ROW_TEXT = 'article[aria-label^="Post by"] p.text';

/** Newest first, as the store's timeline index orders them: time, then post key, descending. */
function newestFirst(posts: readonly SeededPost[]): SeededPost[] {
  return [...posts].sort((a, b) =>
    a.createdAt !== b.createdAt ? b.createdAt - a.createdAt : a.key < b.key ? 1 : -1,
  );
}

describe('a timeline of 5,000 posts pages without duplicates or gaps', () => {
  const e2e = setupE2e({ site: 'app' });

  it('shows the newest posts first and exactly the next ones as Alice scrolls', async () => {
    const alice = await e2e.person('alice');
    await alice.context.addInitScript(() => localStorage.setItem('kith:test-hooks', '1'));
    const page = await join(alice, 'Alice');
    await waitForTestHooks(page);
    // Seeding away from Home: the timeline need not re-read on every stored entry.
    await page.getByRole('link', { name: 'Search people, posts and comments' }).click();
    await page.getByRole('heading', { name: 'Search', level: 1 }).waitFor(WAIT);
    const waiting = page.getByRole('status').filter({ hasText: 'Posts are still arriving' });

    const signer = await PostSigner.create(FRIENDS);
    await befriendAll(page, signer.friends);
    const seeded: SeededPost[] = [];
    // Settled at once (never an unheard rejection while the seeding goes on), asked after it.
    const saidWaiting = waiting.waitFor({ timeout: 120_000 }).then(
      () => true,
      () => false,
    );
    while (signer.signed < POSTS) {
      const chunk = await signer.sign(Math.min(CHUNK, POSTS - signer.signed));
      await ingestChunk(page, chunk);
      seeded.push(...chunk.posts);
    }
    expect(await countTimeline(page)).toBe(POSTS);
    expect(await saidWaiting, 'search said it waits while posts arrived').toBe(true);
    await waiting.waitFor({ state: 'hidden', timeout: 60_000 });
    const newest = newestFirst(seeded)[0]!.text;
    await page.getByRole('searchbox', { name: 'Search people, posts and comments' }).fill(newest);
    await page
      .getByRole('region', { name: 'Posts' })
      .getByRole('link')
      .filter({ hasText: newest })
      .waitFor(WAIT);
    const expected = newestFirst(seeded).map((p) => p.text);

    await openScreen(page, 'Home');
    const feed = page.getByRole('region', { name: 'Timeline', exact: true });
    const texts = feed.locator(ROW_TEXT);
    await texts.first().waitFor(WAIT);
    await expect.poll(() => texts.count(), WAIT).toBe(20);
    expect(await texts.allTextContents()).toEqual(expected.slice(0, 20));

    // Scroll like a person, with the mouse wheel, down to the end of the list; the sentinel's
    // observer loads the next page. (Rows re-render as the views change, so the wheel, not a
    // handle on the last row, does the scrolling.)
    const viewport = page.viewportSize() ?? { width: 800, height: 600 };
    await page.mouse.move(viewport.width / 2, viewport.height / 2);
    // A failure here says how the count moved: a list that falls back while scrolling shows
    // as a sequence like 20, 40, 20, 40.
    let shown = await texts.count();
    const counts = [shown];
    const deadline = Date.now() + 60_000;
    while (shown < SCROLLED_TO && Date.now() < deadline) {
      await page.mouse.wheel(0, 20_000);
      await page
        .waitForFunction(
          ([selector, before]) => document.querySelectorAll(selector).length !== before,
          [ROW_TEXT, shown] as const,
          { timeout: 5_000 },
        )
        .catch((error: unknown) => {
          if (!(error instanceof errors.TimeoutError)) throw error;
        });
      shown = await texts.count();
      counts.push(shown);
    }
    expect(shown, `rows shown after each scroll: ${counts.join(', ')}`).toBeGreaterThanOrEqual(
      SCROLLED_TO,
    );

    const onScreen = await texts.allTextContents();
    expect(new Set(onScreen).size).toBe(onScreen.length);
    expect(onScreen).toEqual(expected.slice(0, onScreen.length));
    expect(await page.getByRole('button', { name: 'Show older posts' }).isVisible()).toBe(true);
  }, 300_000);
});
