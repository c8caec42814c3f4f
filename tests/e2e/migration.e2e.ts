/**
 * Alice and Bob used the landed Kith (commit 6f05975: protocol v1, IndexedDB schema 1) and then
 * the current version is deployed. Their browsers are the fixture's Chromium profiles
 * (landed-fixture.ts, made by fixtures/make-landed-fixture.e2e.ts), served again on the origin
 * that wrote them. Each opens the new version alone: the store is upgraded to the current schema
 * and shows every post, comment, reaction and photo from their own disk. Then both are online:
 * they connect, a new post of Bob's reaches Alice, and Alice's comment on Bob's landed post
 * reaches Bob.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../signaling/server.ts';
import { SCHEMA_VERSION } from '../../src/core/store/idb-schema.ts';
import { WAIT, openHome, post, waitConnected, waitForPost } from './app-helpers.ts';
import { launchPersistent, requireNetns, siteDir, type Person } from './harness.ts';
import {
  LANDED_FIXTURE_PORT,
  LANDED_STORY as S,
  unpackProfiles,
  type LANDED_PEOPLE,
} from './landed-fixture.ts';
import { REPO_ROOT } from './paths.ts';

/** The schema version the landed code wrote (its one upgrade step). */
const LANDED_SCHEMA = 1;

const baseUrl = `http://127.0.0.1:${LANDED_FIXTURE_PORT}`;

/** The article of the post that says `text`. */
function article(page: Page, text: string) {
  return page.getByRole('article').filter({ hasText: text });
}

/** The version of the `kith` database on the page's origin, as IndexedDB reports it. */
function storeVersion(page: Page): Promise<number | undefined> {
  return page.evaluate(
    async () => (await indexedDB.databases()).find((db) => db.name === 'kith')?.version,
  );
}

/** Waits until the post that says `text` shows Bob's photo drawn. */
async function photoDrawn(page: Page, text: string): Promise<void> {
  const img = article(page, text).getByRole('img', { name: /Photo 1 of 1 by Bob/ });
  await img.waitFor(WAIT);
  await expect
    .poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), WAIT)
    .toBeGreaterThan(0);
}

/** Waits until `page`, on Home, shows everything Alice and Bob wrote with the landed app. */
async function showsLandedStory(page: Page): Promise<void> {
  await openHome(page);
  await waitForPost(page, 'Alice', S.aliceEdited);
  expect(await article(page, S.aliceEdited).getByText('edited', { exact: true }).count()).toBe(1);
  await waitForPost(page, 'Alice', S.alicePublic);
  await waitForPost(page, 'Bob', S.bobPhoto);
  await waitForPost(page, 'Bob', S.bobFriends);
  await photoDrawn(page, S.bobPhoto);
  await article(page, S.aliceEdited)
    .getByRole('listitem')
    .filter({ hasText: S.bobComment })
    .filter({ hasText: 'Bob' })
    .waitFor(WAIT);
  await article(page, S.bobPhoto)
    .getByRole('listitem')
    .filter({ hasText: S.aliceComment })
    .filter({ hasText: 'Alice' })
    .waitFor(WAIT);
  await article(page, S.alicePublic).getByText('❤️ 1').waitFor(WAIT);
  await article(page, S.bobPhoto).getByText('👍 1').waitFor(WAIT);
}

requireNetns()('a store written by the landed Kith, opened by this version', () => {
  let root: string | undefined;
  let server: RunningServer | undefined;
  let open: Person[] = [];

  /** Opens the app in `name`'s migrated profile, checking first that the fixture was landed. */
  async function openAs(name: (typeof LANDED_PEOPLE)[number], landed: boolean): Promise<Page> {
    const person = await launchPersistent(join(root!, name), { baseUrl });
    open.push(person);
    if (landed) {
      // A page of the origin that does not run the app: the store as the fixture left it.
      await person.goto('/favicon.svg');
      expect(await storeVersion(person.page)).toBe(LANDED_SCHEMA);
    }
    await person.goto('/');
    await person.page.getByRole('link', { name: 'Home' }).waitFor(WAIT);
    return person.page;
  }

  beforeAll(async () => {
    await mkdir(join(REPO_ROOT, '.tmp'), { recursive: true });
    root = await mkdtemp(join(REPO_ROOT, '.tmp', 'migration-'));
    unpackProfiles(root);
    server = await startServer({
      port: LANDED_FIXTURE_PORT,
      host: '127.0.0.1',
      staticDir: siteDir('app'),
    });
  });

  afterEach(async () => {
    const closing = open;
    open = [];
    const results = await Promise.allSettled(closing.map((person) => person.close()));
    for (const result of results) if (result.status === 'rejected') throw result.reason;
  });

  afterAll(async () => {
    await server?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('Alice alone: her upgraded store shows every post, comment, reaction and photo', async () => {
    const a = await openAs('Alice', true);
    await showsLandedStory(a);
    expect(await storeVersion(a)).toBe(SCHEMA_VERSION);
  });

  it('Bob alone: his upgraded store shows every post, comment, reaction and photo', async () => {
    const b = await openAs('Bob', true);
    await showsLandedStory(b);
    expect(await storeVersion(b)).toBe(SCHEMA_VERSION);
  });

  it('both online: they connect, and what each writes now reaches the other', async () => {
    const a = await openAs('Alice', false);
    const b = await openAs('Bob', false);
    await waitConnected(a, 'Bob');
    await waitConnected(b, 'Alice');

    await post(b, 'Bob after the upgrade');
    await waitForPost(a, 'Bob', 'Bob after the upgrade');

    await openHome(a);
    await article(a, S.bobPhoto)
      .getByLabel('Write a comment')
      .fill('Still lovely after the upgrade');
    await article(a, S.bobPhoto).getByRole('button', { name: 'Comment', exact: true }).click();
    await openHome(b);
    await article(b, S.bobPhoto)
      .getByRole('listitem')
      .filter({ hasText: 'Still lovely after the upgrade' })
      .waitFor(WAIT);
    // The landed writing is still all there on both sides after they synced.
    await showsLandedStory(a);
    await showsLandedStory(b);
  });
});
