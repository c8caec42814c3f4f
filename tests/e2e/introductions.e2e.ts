/**
 * Introductions (issue 29, item 2). Cal and Ada are each Ben's friend, not each other's. Ada
 * comments on Ben's post; Cal sees her comment, opens her profile from it and asks Ben to
 * introduce them. Ben agrees and Ada declines: Cal alone learns it was declined (Ben's screen
 * says only that he passed it on). Cal asks again; Ben and Ada agree; Cal becomes Ada's friend
 * with one tap, through Ada's single-use invite. axe audits the new views in both schemes: the
 * ask on a profile, a request passed on, an introduction offered.
 *
 * Public means public (issue 28): Ada's public post reaches Cal (her log is a window on his
 * device, as a friend of a friend's). It shows on her profile, which says they are not friends,
 * and stays off his timeline until Ben comments on it; then it is there, saying "Ben commented".
 * Once Cal and Ada are friends it is an ordinary friend's post.
 */
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { requireNetns, setupE2e } from './harness.ts';
import {
  WAIT,
  befriendExisting,
  joinAll,
  openFriends,
  openHome,
  post,
  waitConnected,
  waitForPost,
} from './app-helpers.ts';
import { audit } from './axe-audit.ts';

/** The Introductions section of the Friends screen. */
function introductions(page: Page) {
  return page.getByRole('region', { name: 'Introductions' });
}

requireNetns()('introductions', () => {
  const e2e = setupE2e({ site: 'app' });

  it('Cal asks Ben to introduce him to Ada: a refusal tells only Cal; then both agree and one tap makes them friends', async () => {
    const [ben, cal, ada] = await joinAll(e2e, 'Ben', 'Cal', 'Ada');
    const [b, c, a] = [ben.page, cal.page, ada.page];
    await befriendExisting(b, 'Ben', c, 'Cal');
    await befriendExisting(b, 'Ben', a, 'Ada');
    const found: string[] = [];
    const open = 'Ada in public: the trail map is up';
    await post(a, open, [], 'public');

    // Ada comments on Ben's post; Cal, Ben's friend, sees her comment and opens her profile.
    const text = 'Who is up for a hike on Sunday?';
    await post(b, text);
    await waitForPost(a, 'Ben', text);
    const onAda = a.getByRole('article').filter({ hasText: text });
    await onAda.getByLabel('Write a comment').fill('Count me in!');
    await onAda.getByRole('button', { name: 'Comment', exact: true }).click();
    await waitForPost(c, 'Ben', text);
    const adasComment = c
      .getByRole('article')
      .filter({ hasText: text })
      .getByRole('list', { name: 'Comments' })
      .getByRole('listitem')
      .filter({ hasText: 'Count me in!' });
    await adasComment.waitFor(WAIT);
    await adasComment.getByRole('link', { name: /’s profile$/ }).click();
    const askBen = c.getByRole('button', { name: 'Ask Ben to introduce you' });
    await askBen.waitFor(WAIT);
    await c.getByText(/You are not friends with Ada/).waitFor(WAIT);
    await c
      .getByRole('article')
      .filter({ hasText: open })
      .getByText('Not your friend')
      .waitFor(WAIT);
    found.push(...(await audit(c, 'a profile known through a friend')));

    // Ada's public post is held at Cal's, but not on his timeline until Ben answers it.
    await openHome(c);
    await c.getByRole('article').filter({ hasText: text }).waitFor(WAIT);
    expect(await c.getByRole('article').filter({ hasText: open }).count()).toBe(0);
    await waitForPost(b, 'Ada', open);
    const onBen = b.getByRole('article').filter({ hasText: open });
    await onBen.getByLabel('Write a comment').fill('Great map, Ada');
    await onBen.getByRole('button', { name: 'Comment', exact: true }).click();
    const onCal = c.getByRole('article').filter({ hasText: open });
    await onCal.getByText('Ben commented').waitFor(WAIT);
    await onCal.getByText('Great map, Ada').waitFor(WAIT);
    // Her name on the post leads back to her profile.
    await onCal.getByRole('link', { name: 'Ada', exact: true }).click();

    // First ask: Ben passes it on, Ada declines. Cal learns "declined"; Ben only that he passed it.
    await askBen.click();
    await c.getByText(/You asked Ben to introduce you/).waitFor(WAIT);
    await openFriends(b);
    await introductions(b).getByRole('button', { name: 'Introduce Cal to Ada' }).click();
    await introductions(b)
      .getByText(/You passed it on to Ada/)
      .waitFor(WAIT);
    found.push(...(await audit(b, 'an introduction passed on')));
    await openFriends(a);
    const decline = introductions(a).getByRole('button', { name: 'Decline to meet Cal' });
    await decline.waitFor(WAIT);
    found.push(...(await audit(a, 'an introduction offered')));
    await decline.click();
    await introductions(a)
      .getByText(/You declined/)
      .waitFor(WAIT);
    await c.getByText(/introduction to .* was declined/).waitFor(WAIT);
    expect(await introductions(b).textContent()).not.toMatch(/declined/i);

    // Second ask: both agree; Cal taps once and they are friends.
    await askBen.click();
    await introductions(b).getByRole('button', { name: 'Introduce Cal to Ada' }).click();
    await introductions(a).getByRole('button', { name: 'Agree to meet Cal' }).click();
    await introductions(a)
      .getByText(/You agreed/)
      .waitFor(WAIT);
    const befriend = c.getByRole('button', { name: /^Become friends with / });
    await befriend.click();
    await waitConnected(c, 'Ada');
    await waitConnected(a, 'Cal');
    // Friends now: her post is an ordinary friend's, no longer marked as a stranger's.
    await openHome(c);
    await expect.poll(() => onCal.getByText('Not your friend').count(), WAIT).toBe(0);
    await onCal.getByText('Great map, Ada').waitFor(WAIT);
    expect(found).toEqual([]);
    // Three people and about thirty steps: bounded well past the sum of their usual times, so a
    // step that stalls fails on its own wait (60 s), naming what it waited for, instead of the
    // whole test timing out without saying where (which happened twice in whole runs).
  }, 240_000);
});
