/**
 * Alice loses her browser and comes back (issue 26): she wrote her recovery phrase down when she
 * joined; her browser context is deleted; a fresh one restores from the phrase (a wrong word is
 * named first), she re-befriends Bob with a new invite, and Bob's device recognises her: one
 * Alice in his friends, and her earlier post shows on her new device once Bob is online. The
 * same with a backup file downloaded from Settings (a wrong passphrase said first).
 */
import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { requireNetns, setupE2e, type Person } from './harness.ts';
import {
  WAIT,
  befriend,
  befriendExisting,
  friendItem,
  join,
  openFriends,
  openScreen,
  post,
  waitForPost,
} from './app-helpers.ts';

/** Restores on the start screen from `choice`, filling the form with `fill`. */
async function openRestore(person: Person, choice: RegExp): Promise<Page> {
  await person.goto('/');
  const page = person.page;
  await page.getByRole('button', { name: choice }).click();
  return page;
}

/** Once friends again, Alice sees her earlier post and Bob lists her once. */
async function friendsAgain(alice: Page, bob: Page, earlier: string): Promise<void> {
  await befriendExisting(alice, 'Alice', bob, 'Bob');
  await waitForPost(alice, 'Alice', earlier);
  await openFriends(bob);
  await expect.poll(() => friendItem(bob, 'Alice').count(), WAIT).toBe(1);
  await openFriends(alice);
  await expect.poll(() => friendItem(alice, 'Bob').count(), WAIT).toBe(1);
}

requireNetns()('restoring an account', () => {
  const e2e = setupE2e({ site: 'app' });

  it('from the recovery phrase, then friends with Bob again by a new invite, with her earlier post', async () => {
    const alice = await e2e.person('alice');
    const bob = await e2e.person('bob');
    const a = await join(alice, 'Alice');
    // Onboarding offers the phrase; she writes it down.
    await a.getByRole('button', { name: 'Show my recovery phrase' }).click();
    const words = await a
      .getByRole('list', { name: 'Your recovery phrase' })
      .getByRole('listitem')
      .allTextContents();
    const phrase = words.map((w) => w.replace(/^\s*\d+\.\s*/, '').trim());
    expect(phrase).toHaveLength(24);
    await a.getByRole('button', { name: 'I have written them down' }).click();
    await expect
      .poll(() => a.getByRole('heading', { name: 'Write these words down' }).count())
      .toBe(0);

    await befriend(a, 'Alice', bob.page, 'Bob');
    await post(a, 'Before I lost my phone');
    await waitForPost(bob.page, 'Alice', 'Before I lost my phone');
    await alice.close();

    const again = await e2e.person('alice-again');
    const r = await openRestore(again, /I have a recovery phrase/);
    const box = r.getByLabel('Your 24 words, in order');
    const wrong = [...phrase];
    wrong[2] = 'kithx';
    await box.fill(wrong.join(' '));
    await r.getByRole('button', { name: 'Restore my account' }).click();
    await expect.poll(() => r.getByRole('alert').textContent(), WAIT).toMatch(/Word 3 \("kithx"\)/);
    await box.fill(phrase.join(' '));
    await r.getByRole('button', { name: 'Restore my account' }).click();
    await r.getByRole('link', { name: 'Home' }).waitFor(WAIT);

    await friendsAgain(r, bob.page, 'Before I lost my phone');
  });

  it('from a backup file, with a wrong passphrase said first', async () => {
    const alice = await e2e.person('alice');
    const bob = await e2e.person('bob');
    const a = await join(alice, 'Alice');
    await befriend(a, 'Alice', bob.page, 'Bob');
    await post(a, 'Backed up before the loss');
    await waitForPost(bob.page, 'Alice', 'Backed up before the loss');

    await openScreen(a, 'Settings');
    // The rule is said before it is broken, as the box's description.
    await a.getByText('At least 8 characters.').waitFor(WAIT);
    await a.getByLabel('Passphrase for the backup').fill('long enough passphrase');
    await a.getByLabel('The same passphrase again').fill('long enough passphrase');
    const download = a.waitForEvent('download', WAIT);
    await a.getByRole('button', { name: 'Download a backup' }).click();
    const file = await readFile((await (await download).path())!);
    await alice.close();

    const again = await e2e.person('alice-again');
    const r = await openRestore(again, /Restore from a backup file/);
    await r.getByLabel('Backup file', { exact: true }).setInputFiles({
      name: 'kith-backup.kith',
      mimeType: 'application/octet-stream',
      buffer: file,
    });
    await r.getByLabel('Passphrase of the backup').fill('not the passphrase');
    await r.getByRole('button', { name: 'Restore my account' }).click();
    await expect
      .poll(() => r.getByRole('alert').textContent(), WAIT)
      .toMatch(/passphrase does not open/);
    await r.getByLabel('Passphrase of the backup').fill('long enough passphrase');
    await r.getByRole('button', { name: 'Restore my account' }).click();
    await r.getByRole('link', { name: 'Home' }).waitFor(WAIT);

    // The backup held Bob and their rendezvous secret: they reconnect with no new invite.
    await openFriends(r);
    await expect
      .poll(
        async () =>
          (await friendItem(r, 'Bob')
            .textContent({ timeout: 1_000 })
            .catch(() => '')) ?? '',
        WAIT,
      )
      .toMatch(/connected|syncing/);
    await waitForPost(r, 'Alice', 'Backed up before the loss');
    await openFriends(bob.page);
    await expect.poll(() => friendItem(bob.page, 'Alice').count(), WAIT).toBe(1);
  });
});
