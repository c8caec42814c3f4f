/**
 * The everyday things of posts, comments and photos (issue 29, items 3 to 5), as Alice and Bob,
 * friends, use them: Bob comments on Alice's post, edits his comment (Alice sees the new text,
 * marked edited, with its time), Alice replies to it (Bob sees the reply under his comment),
 * Bob deletes his comment (gone for Alice). Alice hides another of his comments: Bob still sees
 * it, marked hidden; Alice shows it again. Bob reacts through the one reaction button; Alice
 * taps the count and sees who reacted. A long post folds and unfolds. Bob opens Alice's three
 * photos and moves between them with the arrow keys and by swiping. axe audits each new view
 * in both colour schemes.
 */
import { expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { requireNetns, setupE2e } from './harness.ts';
import { WAIT, befriend, join, openHome, openScreen, post, waitForPost } from './app-helpers.ts';
import { audit } from './axe-audit.ts';

const PHOTOS = [
  'public/icons/icon-192.png',
  'public/icons/icon-512.png',
  'public/icons/apple-touch-icon-180.png',
];

/** Drags a pointer across `target` sideways by `dx` CSS px (a swipe). */
async function swipe(page: Page, target: Locator, dx: number): Promise<void> {
  // Between two photos the stage may be laid out anew for a moment: wait until it has a box.
  await expect.poll(() => target.boundingBox(), WAIT).not.toBeNull();
  const box = await target.boundingBox();
  if (!box) throw new Error('nothing to swipe on');
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx, y + 5, { steps: 6 });
  await page.mouse.up();
}

requireNetns()('comments, long posts and photos', () => {
  const e2e = setupE2e({ site: 'app' });

  it('a comment is edited, replied to, hidden and shown, deleted; a long post folds; the photo viewer moves by keys and swipes', async () => {
    const alice = await e2e.person('alice');
    const bob = await e2e.person('bob');
    const a = await join(alice, 'Alice');
    const b = bob.page;
    await befriend(a, 'Alice', b, 'Bob');
    const found: string[] = [];

    // A long post shows its beginning and "See more"; it unfolds and folds again.
    await openHome(a);
    const ending = 'and that was the end of the day.';
    await a
      .getByLabel("What's on your mind?")
      .fill(`${'A long day at the lake, with friends. '.repeat(30)}${ending}`);
    await a.getByRole('button', { name: 'Post', exact: true }).click();
    const long = a.getByRole('article').filter({ hasText: 'A long day at the lake' });
    await long.waitFor(WAIT);
    const more = long.getByRole('button', { name: 'See more' });
    await more.waitFor(WAIT);
    expect(await more.getAttribute('aria-expanded')).toBe('false');
    expect(await long.getByText(ending).count()).toBe(0);
    await more.click();
    await long.getByText(ending).waitFor(WAIT);
    await long.getByRole('button', { name: 'See less' }).click();
    await expect.poll(() => long.getByText(ending).count(), WAIT).toBe(0);

    // Bob comments, then edits his comment; Alice sees the new text, marked edited, dated.
    await post(a, 'Picnic on Sunday?');
    await waitForPost(b, 'Alice', 'Picnic on Sunday?');
    const onBob = b.getByRole('article').filter({ hasText: 'Picnic on Sunday?' });
    const onAlice = a.getByRole('article').filter({ hasText: 'Picnic on Sunday?' });
    await onBob.getByLabel('Write a comment').fill('I can bring bread');
    await onBob.getByRole('button', { name: 'Comment', exact: true }).click();
    await onAlice.getByText('I can bring bread').waitFor(WAIT);
    // Editing and deleting sit behind the comment's options: a thread shows one button per comment.
    expect(await onBob.getByRole('button', { name: 'Edit comment' }).count()).toBe(0);
    await onBob.getByRole('button', { name: 'Options for your comment' }).click();
    await onBob.getByRole('button', { name: 'Edit comment' }).click();
    await onBob.getByLabel('Edit your comment').fill('I can bring bread and cheese');
    await onBob.getByRole('button', { name: 'Save' }).click();
    const comments = onAlice.getByRole('list', { name: 'Comments' });
    await comments.getByText('I can bring bread and cheese').waitFor(WAIT);
    await comments.getByText('edited', { exact: true }).waitFor(WAIT);
    // The time says when, relative; its title the exact date and time.
    const time = comments.locator('time').first();
    expect(await time.textContent()).toMatch(/Just now|\d+ min/);
    expect(await time.getAttribute('title')).toMatch(/\d{4}/);

    // Alice replies to Bob's comment; Bob sees the reply under it.
    await onAlice.getByRole('button', { name: 'Reply to Bob' }).click();
    await onAlice.getByLabel('Write a reply to Bob').fill('Perfect, see you there');
    await onAlice.getByRole('button', { name: 'Reply', exact: true }).click();
    await onBob
      .getByRole('list', { name: 'Replies to Bob' })
      .getByText('Perfect, see you there')
      .waitFor(WAIT);
    found.push(...(await audit(b, 'a comment and its reply')));
    // On his own comment Bob is offered to add to it, not to answer "Bob".
    expect(await onBob.getByRole('button', { name: 'Reply to Bob' }).count()).toBe(0);
    await onBob.getByRole('button', { name: 'Reply to your comment' }).click();
    await onBob.getByLabel('Write a reply to your comment').waitFor(WAIT);
    await onBob.getByRole('button', { name: 'Cancel reply' }).click();
    // Bob answers Alice's reply: the box names her, not the thread's first writer.
    await onBob
      .getByRole('list', { name: 'Replies to Bob' })
      .getByRole('button', { name: 'Reply to Alice' })
      .click();
    await onBob.getByLabel('Write a reply to Alice').fill('See you at noon then');
    await onBob.getByRole('button', { name: 'Reply', exact: true }).click();
    await onAlice
      .getByRole('list', { name: 'Replies to Bob' })
      .getByText('See you at noon then')
      .waitFor(WAIT);
    // Someone else's comment on someone else's post offers Bob nothing beyond replying.
    expect(await onBob.getByRole('button', { name: /^Options for Alice/ }).count()).toBe(0);
    // He takes it back (his reply's options are the last of his two). One set of options is
    // open at a time: opening his reply's closes his comment's.
    const bobsOptions = onBob.getByRole('button', { name: 'Options for your comment' });
    await bobsOptions.first().click();
    await bobsOptions.last().click();
    await expect.poll(() => bobsOptions.first().getAttribute('aria-expanded'), WAIT).toBe('false');
    expect(await onBob.getByRole('button', { name: 'Delete comment' }).count()).toBe(1);
    b.once('dialog', (dialog) => void dialog.accept());
    await onBob.getByRole('button', { name: 'Delete comment' }).click();
    await expect.poll(() => onAlice.getByText('See you at noon then').count(), WAIT).toBe(0);

    // Bob deletes his comment: it leaves Alice's screen; her reply stays.
    await onBob.getByRole('button', { name: 'Options for your comment' }).click();
    b.once('dialog', (dialog) => void dialog.accept());
    await onBob.getByRole('button', { name: 'Delete comment' }).click();
    await expect.poll(() => onAlice.getByText('bread and cheese').count(), WAIT).toBe(0);
    await expect.poll(() => onBob.getByText('bread and cheese').count(), WAIT).toBe(0);
    await onAlice.getByText('Perfect, see you there').waitFor(WAIT);

    // Alice hides Bob's next comment: Bob still sees it, marked; Alice can show it again.
    await onBob.getByLabel('Write a comment').fill('Anyone selling a bike?');
    await onBob.getByRole('button', { name: 'Comment', exact: true }).click();
    await onAlice.getByText('Anyone selling a bike?').waitFor(WAIT);
    const options = onAlice.getByRole('button', { name: 'Options for Bob’s comment' });
    // Escape closes the options and leaves the focus on their button.
    await options.click();
    await onAlice.getByRole('button', { name: 'Hide comment by Bob' }).focus();
    await a.keyboard.press('Escape');
    await expect
      .poll(() => onAlice.getByRole('button', { name: 'Hide comment by Bob' }).count(), WAIT)
      .toBe(0);
    expect(await options.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await options.getAttribute('aria-expanded')).toBe('false');
    // Options left open on a screen one leaves are closed on coming back.
    await options.click();
    await openScreen(a, 'Friends');
    await openHome(a);
    await onAlice.getByText('Anyone selling a bike?').waitFor(WAIT);
    expect(await options.getAttribute('aria-expanded')).toBe('false');
    await options.click();
    await onAlice.getByRole('button', { name: 'Hide comment by Bob' }).click();
    await onAlice.getByRole('button', { name: 'Show comment by Bob' }).waitFor(WAIT);
    await onBob.getByText(/Hidden by the post’s author/).waitFor(WAIT);
    await onBob.getByText('Anyone selling a bike?').waitFor(WAIT);
    found.push(...(await audit(b, 'a hidden comment, seen by its writer')));
    found.push(...(await audit(a, 'a hidden comment, seen by the post’s author')));
    await onAlice.getByRole('button', { name: 'Show comment by Bob' }).click();
    await expect.poll(() => onBob.getByText(/Hidden by the post’s author/).count(), WAIT).toBe(0);

    // One reaction button opens the choices; a tap on the count shows who reacted.
    await onBob.getByRole('button', { name: 'React', exact: true }).click();
    await onBob.getByRole('group', { name: 'Choose a reaction' }).waitFor(WAIT);
    found.push(...(await audit(b, 'the reaction choices open')));
    await onBob.getByRole('button', { name: 'React love' }).click();
    const count = onAlice.getByRole('button', { name: /who reacted/ });
    await count.waitFor(WAIT);
    expect(await count.textContent()).toContain('❤️ 1');
    await count.click();
    await onAlice.getByRole('list', { name: 'Who reacted' }).getByText('Bob').waitFor(WAIT);
    found.push(...(await audit(a, 'who reacted')));

    // Three photos: Bob opens the first and moves by the arrow keys, then by swiping.
    await post(a, 'Three from the lake', PHOTOS);
    await waitForPost(b, 'Alice', 'Three from the lake');
    const photos = b.getByRole('article').filter({ hasText: 'Three from the lake' });
    const first = photos.getByRole('button', { name: 'Open Photo 1 of 3 by Alice' });
    await first.waitFor(WAIT);
    await first.click();
    const viewer = b.getByRole('dialog', { name: 'Photos by Alice' });
    await viewer.waitFor(WAIT);
    const at = async (n: number) => {
      await viewer.getByText(`${n} / 3`).waitFor(WAIT);
      await viewer.getByRole('img', { name: `Photo ${n} of 3 by Alice` }).waitFor(WAIT);
    };
    await at(1);
    await b.keyboard.press('ArrowRight');
    await at(2);
    await b.keyboard.press('ArrowRight');
    await at(3);
    await b.keyboard.press('ArrowRight'); // the last stays the last
    await at(3);
    await b.keyboard.press('ArrowLeft');
    await at(2);
    const stage = viewer.getByRole('img', { name: /Photo \d of 3 by Alice/ });
    await swipe(b, stage, -200);
    await at(3);
    await swipe(b, stage, 200);
    await at(2);
    await swipe(b, stage, 200);
    await at(1);
    // The full photo arrives and is drawn.
    await expect
      .poll(
        () =>
          viewer
            .getByRole('img', { name: 'Photo 1 of 3 by Alice' })
            .evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth),
        WAIT,
      )
      .toBeGreaterThan(0);
    found.push(...(await audit(b, 'the photo viewer')));
    await viewer.getByRole('button', { name: 'Close photo' }).click();
    await expect.poll(() => viewer.count(), WAIT).toBe(0);

    expect(found, found.join('\n')).toEqual([]);
  });
});
