/**
 * `searchMs`: how long the device's search index takes to answer a query with the big store
 * (`bench/app.ts`), measured in the page: the median of {@link QUERIES} queries, each a word
 * every seeded post holds and one that picks a post out (`seeded post 4711`), through
 * `DeviceSearch.search` with the search screen's limits, after the index has taken in every change.
 * The page must have loaded the app with `localStorage['kith:test-hooks'] = '1'`.
 */
import type { Page } from 'playwright-core';
import type { DeviceSearch } from '../src/core/search/device-search.ts';
import { median } from './lib/measure.ts';

/** Queries timed. */
export const QUERIES = 20;

/** What was timed. */
export interface SearchLatency {
  readonly queries: readonly string[];
  /** In-page time of each query (ms), in order. */
  readonly runsMs: readonly number[];
  /** Hits (posts) each query returned. */
  readonly hits: readonly number[];
  readonly medianMs: number;
}

interface SearchWindow {
  kithSearch?: DeviceSearch;
}

/**
 * Waits until the page's search index is open and has taken in every change heard so far;
 * returns how long the index took to catch up (ms, in the page).
 */
export async function settleSearch(page: Page, timeout = 600_000): Promise<number> {
  await page.waitForFunction(
    () => (window as unknown as SearchWindow).kithSearch !== undefined,
    undefined,
    { timeout },
  );
  return page.evaluate(async () => {
    const start = performance.now();
    await (window as unknown as SearchWindow).kithSearch!.indexer.settled();
    return performance.now() - start;
  });
}

/** Times {@link QUERIES} queries over a store of `posts` seeded posts. */
export async function searchLatency(page: Page, posts: number): Promise<SearchLatency> {
  await settleSearch(page);
  const queries = Array.from(
    { length: QUERIES },
    (_, i) =>
      // Spread over the store, oldest to newest.
      `seeded post ${Math.floor(((i + 0.5) / QUERIES) * posts)}`,
  );
  const runsMs: number[] = [];
  const hits: number[] = [];
  for (const query of queries) {
    const { ms, found } = await page.evaluate(async (text) => {
      const search = (window as unknown as SearchWindow).kithSearch!;
      const start = performance.now();
      const result = await search.search(text, { people: 5, posts: 10, comments: 10 });
      return { ms: performance.now() - start, found: result.posts.length };
    }, query);
    runsMs.push(ms);
    hits.push(found);
  }
  return { queries, runsMs, hits, medianMs: median(runsMs) };
}
