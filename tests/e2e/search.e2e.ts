/**
 * Search, as a person uses it: Alice and Ben are friends. Ben posts about a café by the fjord and
 * Alice comments on it. On Home, Alice opens Search and types: "Be" already shows Ben under
 * People (results while typing); "cafe" (no accent) finds Ben's post under Posts; "thermos" finds
 * her comment under Comments; each result opens the profile or the post. Something nobody wrote
 * says "No results for …". The search view passes axe in both colour schemes.
 *
 * Then the network goes: Ben's page is closed and Alice's context is offline. The same searches
 * still answer, and typing them makes no request (but the browser's own for the page's icon):
 * the index is on her device.
 */
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { requireNetns, setupE2e } from './harness.ts';
import { audit } from './axe-audit.ts';
import { WAIT, befriend, join, openHome, post, waitForPost } from './app-helpers.ts';

/** The search box of the search screen. */
function searchBox(page: Page) {
  return page.getByRole('searchbox', { name: 'Search people, posts and comments' });
}

/** The links listed under a group's heading (People, Posts, Comments). */
function group(page: Page, heading: 'People' | 'Posts' | 'Comments') {
  return page.getByRole('region', { name: heading }).getByRole('link');
}

/** Types `text` into the search box key by key, as a person does. */
async function typeQuery(page: Page, text: string): Promise<void> {
  const box = searchBox(page);
  await box.fill('');
  await box.pressSequentially(text);
}

requireNetns()('search', () => {
  const e2e = setupE2e({ site: 'app' });

  it('Alice finds Ben, his post and her comment while typing, and again with the network cut', async () => {
    const alice = await e2e.person('alice');
    const ben = await e2e.person('ben');
    const a = await join(alice, 'Alice');
    const b = ben.page;
    await befriend(a, 'Alice', b, 'Ben');

    await post(b, 'Café by the fjord at noon, who is in?');
    await waitForPost(a, 'Ben', 'Café by the fjord at noon');
    const onAlice = a.getByRole('article').filter({ hasText: 'Café by the fjord at noon' });
    await onAlice.getByRole('combobox', { name: 'Write a comment' }).fill('Bringing a thermos!');
    await onAlice.getByRole('button', { name: 'Comment', exact: true }).click();
    await onAlice.getByText('Bringing a thermos!').waitFor(WAIT);

    // From the top of Home to the search screen.
    await openHome(a);
    await a.getByRole('link', { name: 'Search people, posts and comments' }).click();
    await a.getByRole('heading', { name: 'Search', level: 1 }).waitFor(WAIT);
    // The box has the focus: what one types goes into it, with no second tap.
    await expect
      .poll(() => searchBox(a).evaluate((el) => el === document.activeElement), WAIT)
      .toBe(true);

    // Two letters already find Ben; his result opens his profile.
    await typeQuery(a, 'Be');
    await group(a, 'People').filter({ hasText: 'Ben' }).waitFor(WAIT);
    // Polled: results come while the query is typed, each marked for the query it answered.
    await expect
      .poll(
        () => group(a, 'People').filter({ hasText: 'Ben' }).locator('mark').allTextContents(),
        WAIT,
      )
      .toEqual(['Ben']);
    await group(a, 'People').filter({ hasText: 'Ben' }).click();
    await a.getByRole('heading', { name: 'Ben', level: 1 }).waitFor(WAIT);
    // Back returns to the search as it was.
    await a.goBack();
    await expect.poll(() => searchBox(a).inputValue(), WAIT).toBe('Be');

    // A word without its accent finds the post; the result opens it.
    await typeQuery(a, 'cafe fjo');
    const found = group(a, 'Posts').filter({ hasText: 'Café by the fjord' });
    await found.waitFor(WAIT);
    // The words the query matched are marked.
    await expect
      .poll(() => found.locator('mark').allTextContents(), WAIT)
      .toEqual(['Café', 'fjord']);
    await found.click();
    await a.getByRole('heading', { name: 'Post by Ben', level: 1 }).waitFor(WAIT);
    // Its back link returns to the search as it was.
    await a.getByRole('link', { name: 'Back to Search' }).click();
    await expect.poll(() => searchBox(a).inputValue(), WAIT).toBe('cafe fjo');

    await typeQuery(a, 'thermos');
    // What a shorter prefix found may show until the whole word is answered.
    await a
      .getByRole('status')
      .filter({ hasText: /results? for thermos/ })
      .waitFor({ ...WAIT, state: 'attached' });
    const comment = group(a, 'Comments').filter({ hasText: 'Bringing a thermos!' });
    await comment.waitFor(WAIT);
    // The result says which post the comment is on, not only its own words.
    await comment.getByText('On Ben’s post: “Café by the fjord at noon, who is in?”').waitFor(WAIT);
    expect(await group(a, 'Posts').count()).toBe(0);

    await typeQuery(a, 'zeppelin');
    await a.getByText('No results for “zeppelin”').waitFor(WAIT);

    await typeQuery(a, 'fjord');
    await group(a, 'Posts').first().waitFor(WAIT);
    const found11y = await audit(a, 'search with results');
    await typeQuery(a, 'zeppelin');
    await a.getByText('No results for “zeppelin”').waitFor(WAIT);
    found11y.push(...(await audit(a, 'search without results')));
    expect(found11y, `axe found serious or critical violations:\n${found11y.join('\n')}`).toEqual(
      [],
    );

    // The network goes: Ben is away, Alice offline. Search answers from her device alone.
    await ben.close();
    await alice.context.setOffline(true);
    const requests: string[] = [];
    a.on('request', (request) => {
      const url = request.url();
      // Chromium asks for the page's icon again whenever the address changes (the query is kept
      // in the fragment as it is typed); that request carries no query.
      if (/^(blob|data):/.test(url) || new URL(url).pathname === '/favicon.svg') return;
      requests.push(url);
    });
    await typeQuery(a, 'Ben');
    await group(a, 'People').filter({ hasText: 'Ben' }).waitFor(WAIT);
    await typeQuery(a, 'fjord');
    await group(a, 'Posts').filter({ hasText: 'Café by the fjord' }).waitFor(WAIT);
    await typeQuery(a, 'therm');
    await group(a, 'Comments').filter({ hasText: 'Bringing a thermos!' }).waitFor(WAIT);
    expect(requests).toEqual([]);
    await alice.context.setOffline(false);
  });
});
