/**
 * Ada shares a photo from her phone's gallery with installed Kith. Android's share sheet does
 * what the manifest's `share_target` says: a multipart POST of the photo (and any text) to
 * /share-target as a navigation. Here a form in the page makes that same navigation. The service
 * worker answers it (the server never sees the photo), and Kith opens on Home showing what came.
 * Any site can POST to the share target, so only Ada's "Add to a new post" puts the photo and the
 * text in the composer; posting it works like any post.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { setupE2e } from './harness.ts';
import { onboard, WAIT } from './app-helpers.ts';
import { reloadUnderServiceWorker } from './pwa-helpers.ts';

describe('sharing a photo to Kith', () => {
  const e2e = setupE2e({ site: 'app' });

  /** Ada, onboarded, on a page her service worker controls (it answers the share target). */
  async function adaUnderServiceWorker() {
    const ada = await e2e.person('ada');
    await ada.goto('/');
    await onboard(ada.page, 'Ada');
    await ada.page.getByRole('form', { name: 'New post' }).waitFor(WAIT);
    await reloadUnderServiceWorker(ada.page);
    return ada;
  }

  it('opens the composer with the shared photo attached, and posts it', async () => {
    const ada = await adaUnderServiceWorker();
    const page = ada.page;

    // What the share sheet sends: a photo from the gallery and a line of text, one navigation.
    await ada.evaluate(() => {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = '/share-target';
      form.enctype = 'multipart/form-data';
      form.id = 'share-sheet';
      form.hidden = true;
      const photos = Object.assign(document.createElement('input'), {
        type: 'file',
        name: 'photos',
      });
      const text = Object.assign(document.createElement('input'), {
        name: 'text',
        value: 'From the garden',
      });
      form.append(photos, text);
      document.body.append(form);
    });
    await page.locator('#share-sheet input[type=file]').setInputFiles({
      name: 'garden.png',
      mimeType: 'image/png',
      buffer: await readFile('public/icons/icon-512.png'),
    });
    await ada.evaluate(() => (document.getElementById('share-sheet') as HTMLFormElement).submit());

    // Any site can POST to the share target, so nothing reaches the composer before Ada says so.
    const offer = page.getByRole('region', { name: 'Shared with Kith' });
    await offer.waitFor(WAIT);
    await offer.getByText('1 photo').waitFor(WAIT);
    await offer.getByText('From the garden').waitFor(WAIT);
    const composer = page.getByRole('form', { name: 'New post' });
    expect(await composer.getByRole('img').count()).toBe(0);
    expect(await composer.getByLabel("What's on your mind?").inputValue()).toBe('');
    await offer.getByRole('button', { name: 'Add to a new post' }).click();
    await composer.getByRole('img', { name: 'Photo 1 to post' }).waitFor(WAIT);
    expect(await offer.count()).toBe(0);
    expect(await composer.getByLabel("What's on your mind?").inputValue()).toBe('From the garden');
    // The share's address is left behind, and the inbox is empty: a reload attaches nothing.
    expect(new URL(page.url()).hash).toBe('#/');
    expect(await ada.evaluate(() => caches.has('kith-share-inbox'))).toBe(false);

    await composer.getByRole('button', { name: 'Post', exact: true }).click();
    const posted = page.getByRole('article').filter({ hasText: 'From the garden' });
    await posted.waitFor(WAIT);
    const photo = posted.getByRole('img', { name: /Photo 1 of 1 by Ada/ });
    await expect
      .poll(() => photo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), WAIT)
      .toBeGreaterThan(0);
    expect(await composer.getByRole('img').count()).toBe(0);
  });

  it('says what it left out when a share holds no picture', async () => {
    const ada = await adaUnderServiceWorker();
    const page = ada.page;

    // A POST like the share sheet's, with a file that is not a picture; then where it leads.
    const answer = await ada.evaluate(async () => {
      const form = new FormData();
      form.append('photos', new File(['%PDF-1.4'], 'notes.pdf', { type: 'application/pdf' }));
      const response = await fetch('/share-target', {
        method: 'POST',
        body: form,
        redirect: 'manual',
      });
      return response.type;
    });
    // The worker's 303 (the server itself would answer 405: it takes no POST).
    expect(answer).toBe('opaqueredirect');
    await page.goto(`${e2e.baseUrl}/#/compose-shared`);
    const offer = page.getByRole('region', { name: 'Shared with Kith' });
    await offer.getByText('1 shared file was not a picture, left out.').waitFor(WAIT);
    // Nothing usable came: nothing to add, only to dismiss.
    expect(await offer.getByRole('button', { name: 'Add to a new post' }).count()).toBe(0);
    await offer.getByRole('button', { name: 'Dismiss' }).click();
    expect(await offer.count()).toBe(0);
    expect(await page.getByRole('img', { name: 'Photo 1 to post' }).count()).toBe(0);
  });

  it('discards a share Ada did not make: the composer stays empty', async () => {
    const ada = await adaUnderServiceWorker();
    const page = ada.page;
    // What a hostile site's hidden form could send while Ada has Kith installed.
    await ada.evaluate(async () => {
      const form = new FormData();
      form.append('text', 'Click evil.example to claim your prize');
      await fetch('/share-target', { method: 'POST', body: form, redirect: 'manual' });
    });
    await page.goto(`${e2e.baseUrl}/#/compose-shared`);
    const offer = page.getByRole('region', { name: 'Shared with Kith' });
    await offer.getByText('Click evil.example to claim your prize').waitFor(WAIT);
    await offer.getByRole('button', { name: 'Discard' }).click();
    expect(await offer.count()).toBe(0);
    const composer = page.getByRole('form', { name: 'New post' });
    expect(await composer.getByLabel("What's on your mind?").inputValue()).toBe('');
    expect(await ada.evaluate(() => caches.has('kith-share-inbox'))).toBe(false);
  });
});
