/**
 * Alice uses Kith on two devices (issue 26): she links a second browser context from Settings
 * (the link pasted on its start screen; both show the same short code, she confirms on the
 * first), each device's post shows on the other and at Bob's, a profile edit made on each while
 * apart merges, and the second device keeps being her after a reload. She removes Carol as a
 * friend on the first device: the second's next friends-only post is Bob's to read, and Carol,
 * handed its ciphertext, reads nothing. Then she removes the phone after Bob has taken one of its
 * posts: the removal
 * reaches Bob, and what it posts afterwards never shows there; and her keys moved to their next
 * generation, so her next friends-only post, handed to the phone as any relay could, stays shut
 * to it while Bob reads it.
 */
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Running } from '../../src/boot.ts';
import { requireNetns, setupE2e, type Person } from './harness.ts';
import {
  WAIT,
  acceptAsNewcomer,
  createInvite,
  enableTestHooks,
  join,
  openFriends,
  openScreen,
  post,
  shownStart,
  waitConnected,
  waitForPost,
} from './app-helpers.ts';

/** Every entry of `author`'s the store on `page` holds, as byte arrays. */
function entriesOf(page: Page, author: string): Promise<number[][]> {
  return page.evaluate(async (person) => {
    const { store } = window.kithTest!;
    const out: number[][] = [];
    for (const log of await store.listLogs()) {
      if (log.author !== person) continue;
      for (const r of log.ranges) {
        for (const e of await store.getEntries(log.author, log.device, r.start, r.end)) {
          out.push([...e.bytes]);
        }
      }
    }
    return out;
  }, author);
}

/** Whether Home on `page` shows a post with `text` now (Home open). */
async function shows(page: Page, text: string): Promise<boolean> {
  return (
    (await page
      .getByRole('article')
      .filter({ hasText: shownStart(text) })
      .count()) > 0
  );
}

requireNetns()('two devices of one person', () => {
  const e2e = setupE2e({ site: 'app' });

  it('links, posts from both, survives a reload, and a removed device’s new entries are refused', async () => {
    const names = ['alice', 'bob', 'alice-phone', 'carol'];
    const people = await Promise.all(names.map((n) => e2e.person(n)));
    for (const person of people) await enableTestHooks(person.context);
    const [laptop, bobs, phone, carols] = people as [Person, Person, Person, Person];
    const a = await join(laptop, 'Alice');
    // Bob and Carol join through Alice's invites (they onboard on its screen).
    const b = bobs.page;
    const c = carols.page;
    const invites = [await createInvite(a), await createInvite(a)] as const;
    await Promise.all([
      acceptAsNewcomer(b, invites[0], 'Bob'),
      acceptAsNewcomer(c, invites[1], 'Carol'),
    ]);
    for (const [page, name] of [
      [b, 'Alice'],
      [c, 'Alice'],
      [a, 'Bob'],
      [a, 'Carol'],
    ] as const)
      await waitConnected(page, name);

    // The link: made in Settings on the first device, opened on the second's start screen.
    await openScreen(a, 'Settings');
    await a.getByRole('button', { name: 'Link a device' }).click();
    const link = await a.getByRole('textbox', { name: 'Device link' }).inputValue();
    expect(link).toMatch(/#link=[A-Za-z0-9_-]+$/);
    await phone.goto('/');
    const p = phone.page;
    await p.getByRole('button', { name: 'I already use Kith on another device' }).click();
    await p.getByRole('textbox', { name: 'Device link' }).fill(link);
    await p.getByRole('button', { name: 'Link this device' }).click();
    const codeThere = await p
      .getByRole('status', { name: 'Code on this device' })
      .textContent(WAIT);
    const codeHere = await a.getByRole('status', { name: 'Code on this device' }).textContent(WAIT);
    expect(codeThere).toMatch(/^\d{3} \d{3}$/);
    expect(codeHere).toBe(codeThere);
    await a.getByRole('button', { name: 'The codes match' }).click();
    await p.getByRole('link', { name: 'Home' }).waitFor(WAIT);

    // A post from each device shows on the other and at Bob's.
    await post(a, 'Written on the laptop', [], 'public');
    await post(p, 'Written on the phone', [], 'public');
    await waitForPost(p, 'Alice', 'Written on the laptop');
    await waitForPost(a, 'Alice', 'Written on the phone');
    await waitForPost(b, 'Alice', 'Written on the laptop');
    await waitForPost(b, 'Alice', 'Written on the phone');

    // Apart (the phone's network stopped), each edits the profile: a bio on the laptop, the
    // name on the phone. The reload below starts the phone's network again: the edits merge.
    await p.evaluate(() => window.kithTest!.network.mesh?.stop());
    await a.evaluate(() => window.kithTest!.peer.setProfile({ bio: 'Bio from the laptop' }));
    await p.evaluate(() => window.kithTest!.peer.setProfile({ name: 'Alice Liddell' }));

    // A reload keeps the second device as Alice's, with what it held.
    await p.reload();
    await waitForPost(p, 'Alice Liddell', 'Written on the phone');
    const merged = { name: 'Alice Liddell', bio: 'Bio from the laptop' };
    for (const page of [a, p]) {
      await expect
        .poll(async () => {
          const me = await page.evaluate(async () => {
            const { peer } = window.kithTest!;
            return peer.profile(peer.me);
          });
          return { name: me?.name, bio: me?.bio };
        }, WAIT)
        .toEqual(merged);
    }
    const phoneDevice = await p.evaluate(
      () => (window.kithTest as unknown as Running).node.device.key.deviceId,
    );
    const alice = await a.evaluate(() => window.kithTest!.peer.me);
    const carol = await c.evaluate(() => window.kithTest!.peer.me);

    // Alice removes Carol on the laptop; once the phone knows, its next friends-only post is
    // Bob's to read, and Carol, handed its ciphertext as any relay could, reads nothing.
    await openFriends(a);
    a.once('dialog', (dialog) => void dialog.accept());
    await a.getByRole('button', { name: 'Remove Carol' }).click();
    await expect
      .poll(() => p.evaluate((id) => window.kithTest!.peer.friends().has(id as never), carol), WAIT)
      .toBe(false);
    const notForCarol = 'Friends only, from the phone, after Carol';
    await post(p, notForCarol, [], 'friends');
    await waitForPost(b, 'Alice Liddell', notForCarol);
    const handed = await entriesOf(b, alice);
    await c.evaluate(async (entries) => {
      const kith = window.kithTest!;
      await kith.ingestor.ingest(entries.map((bytes) => Uint8Array.from(bytes)));
      await kith.peer.settled();
    }, handed);
    expect((await entriesOf(c, alice)).length).toBeGreaterThanOrEqual(handed.length);
    const carolReads = await c.evaluate(
      async ([author, text]) => {
        const page = await window.kithTest!.peer.authorPostsPage(author as never, { limit: 100 });
        return page.items.some((item) => (item.summary as { text?: string }).text === text);
      },
      [alice, notForCarol] as const,
    );
    expect(carolReads).toBe(false);

    // Alice removes the phone; the revocation reaches Bob.
    await openScreen(a, 'Settings');
    // In words a person uses: the laptop is the main device; a fresh permission to post is
    // renewed without a word, so no date is said.
    const devices = a.getByRole('region', { name: 'Your devices' });
    await devices
      .getByRole('listitem')
      .filter({ hasText: 'This device' })
      .getByText('Main device')
      .waitFor(WAIT);
    expect(await devices.textContent()).not.toMatch(
      /certificate|identity key|may post as you until/,
    );
    a.once('dialog', (dialog) => void dialog.accept());
    await a
      .getByRole('region', { name: 'Your devices' })
      .getByRole('listitem')
      .filter({ hasNotText: 'This device' })
      .getByRole('button', { name: 'Remove' })
      .click();
    await expect
      .poll(
        () =>
          b.evaluate(
            ([person, device]) =>
              window.kithTest!.node.revocations.revocationOf(person as never, device as never) !==
              undefined,
            [alice, phoneDevice],
          ),
        WAIT,
      )
      .toBe(true);

    // What the phone writes now never shows at Bob's (read once Bob shows what came after it).
    await post(p, 'Written on the removed phone', [], 'public');
    const after = 'Friends only, after the removal';
    await post(a, after, [], 'friends');
    await waitForPost(b, 'Alice Liddell', after);
    expect(await shows(b, 'Written on the removed phone')).toBe(false);

    // Everything of Alice's Bob holds, handed to the phone: it stores it and opens none of it.
    const held = await entriesOf(b, alice);
    const onPhone = await p.evaluate(
      async ([entries, text]) => {
        const kith = window.kithTest!;
        await kith.ingestor.ingest(entries.map((bytes) => Uint8Array.from(bytes)));
        await kith.peer.settled();
        const page = await kith.peer.authorPostsPage(kith.peer.me, { limit: 100 });
        const texts = page.items.map((item) => (item.summary as { text?: string }).text);
        return { laptop: texts.includes('Written on the laptop'), after: texts.includes(text) };
      },
      [held, after] as const,
    );
    expect(onPhone).toEqual({ laptop: true, after: false });
  });
});
