/**
 * Alice, alone on her phone, starts Kith: she picks a name, posts, edits, reacts and comments,
 * and everything is still there after a reload (real IndexedDB). Markup she types is shown as
 * text, and links become links, never HTML. A picture's transparent parts show white.
 */
import { describe, expect, it } from 'vitest';
import { setupE2e } from './harness.ts';

const WAIT = { timeout: 15_000 };

describe('a person on their own', () => {
  const e2e = setupE2e({ site: 'app' });

  it('onboards, posts, edits, reacts, comments, and finds it all after a reload', async () => {
    const alice = await e2e.person('alice');
    const page = alice.page;
    await alice.goto('/');
    await page.getByRole('heading', { name: /welcome to kith/i }).waitFor(WAIT);

    // An empty name is refused with a clear message.
    await page.getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), WAIT).toMatch(/name/i);

    await page.getByLabel('Your name').fill('Alice <img src=x onerror=alert(1)>');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('heading', { name: /timeline is quiet/i }).waitFor(WAIT);

    // The composer's controls, one row on a wide screen, share one middle line.
    const composer = page.getByRole('form', { name: 'New post' });
    const middles = await Promise.all(
      [
        composer.getByRole('button', { name: 'Add photos' }),
        composer.getByRole('combobox', { name: 'Audience' }),
        composer.getByRole('button', { name: 'Post', exact: true }),
      ].map((control) =>
        control.evaluate((el) => {
          const box = el.getBoundingClientRect();
          return box.top + box.height / 2;
        }),
      ),
    );
    for (const middle of middles) expect(Math.abs(middle - middles[0]!)).toBeLessThan(0.5);

    await page
      .getByLabel("What's on your mind?")
      .fill('Tea at https://example.org/tea <script>window.pwned=1</script>');
    await page.getByRole('button', { name: 'Post', exact: true }).click();
    const post = page.getByRole('article');
    await post.waitFor(WAIT);
    expect(
      await post.getByRole('link', { name: 'https://example.org/tea' }).getAttribute('href'),
    ).toBe('https://example.org/tea');
    await expect.poll(() => post.textContent(), WAIT).toContain('<script>window.pwned=1</script>');
    expect(
      await alice.evaluate(() => (window as unknown as { pwned?: number }).pwned),
    ).toBeUndefined();
    expect(await post.getByRole('link', { name: /Alice <img/ }).count()).toBe(1);
    expect(await page.locator('img[src="x"]').count()).toBe(0);

    await post.getByRole('button', { name: 'Post options' }).click();
    await post.getByRole('button', { name: 'Edit post' }).click();
    await page.getByLabel('Post text').fill('Tea at four');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => post.textContent(), WAIT).toContain('Tea at four');

    // One button opens the choices; the choice made stays readable while they are closed.
    await post.getByRole('button', { name: 'React', exact: true }).click();
    await post.getByRole('button', { name: 'React love' }).click();
    const love = (article: typeof post) =>
      article.getByRole('button', { name: 'React love', includeHidden: true });
    await expect.poll(() => love(post).getAttribute('aria-pressed'), WAIT).toBe('true');
    await post.getByLabel('Write a comment').fill('I will bring cake');
    await post.getByRole('button', { name: 'Comment', exact: true }).click();
    await post.getByText('I will bring cake').waitFor(WAIT);

    await page.reload();
    const again = page.getByRole('article').filter({ hasText: 'Tea at four' });
    await again.getByText('Tea at four').waitFor(WAIT);
    await again.getByText('I will bring cake').waitFor(WAIT);
    expect(await love(again).getAttribute('aria-pressed')).toBe('true');

    // A post with a photo: resized on the device, stored, and shown from the store.
    await page.getByLabel('Add photos').setInputFiles('public/icons/icon-512.png');
    await page.getByRole('img', { name: 'Photo 1 to post' }).waitFor(WAIT);
    await page.getByLabel("What's on your mind?").fill('Our new logo');
    await page.getByRole('button', { name: 'Post', exact: true }).click();
    const withPhoto = page.getByRole('article').filter({ hasText: 'Our new logo' });
    const shown = withPhoto.getByRole('img', { name: /Photo 1 of 1 by Alice/ });
    await shown.waitFor(WAIT);
    await expect
      .poll(() => shown.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), WAIT)
      .toBeGreaterThan(0);
    await withPhoto.getByRole('button', { name: /Open Photo 1 of 1/ }).click();
    const large = page.getByRole('dialog').getByRole('img');
    await expect
      .poll(() => large.evaluate((img: HTMLImageElement) => img.naturalWidth), WAIT)
      .toBe(512);
    // The icon's corners are transparent; a JPEG has no transparency, so they show white (as on
    // paper), not black.
    const corner = await large.evaluate((img: HTMLImageElement) => {
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const context = canvas.getContext('2d')!;
      context.drawImage(img, 0, 0);
      return [...context.getImageData(1, 1, 1, 1).data.slice(0, 3)];
    });
    expect(Math.min(...corner), `corner pixel ${corner.join(',')}`).toBeGreaterThan(230);
    await page.getByRole('button', { name: 'Close photo' }).click();

    page.once('dialog', (dialog) => void dialog.accept());
    const tea = page.getByRole('article').filter({ hasText: 'Tea at four' });
    await tea.getByRole('button', { name: 'Post options' }).click();
    await tea.getByRole('button', { name: 'Delete post' }).click();
    await expect.poll(() => page.getByRole('article').count(), WAIT).toBe(1);
  });
});
