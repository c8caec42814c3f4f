/**
 * Makes the screenshots the manifest shows in the browser's install sheet
 * (public/screenshots/narrow.png, 1080x1920, and wide.png, 1920x1080): builds the app into
 * .tmp/, serves it with Kith's own server on 127.0.0.1, and photographs a person's timeline in
 * headless Chromium. Run `npx tsx scripts/make-screenshots.ts` after a visible change to Home.
 * Nothing leaves loopback: a lone person has no friends, so no WebRTC and no ICE.
 */
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'vite';
import { startServer } from '../signaling/server.ts';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'public', 'screenshots');
const BUILD = join(ROOT, '.tmp', 'screenshots-build');
const CHROMIUM = process.env.KITH_CHROMIUM ?? '/usr/bin/chromium';

const POSTS = [
  'Picked the first figs from the tree this morning. Who wants some?',
  'Choir practice moved to Thursday, 7 pm, same hall.',
  'Finished the bookshelf! Photos soon.',
];

/** One shot: `viewport` CSS pixels at `scale` gives the PNG's size. */
interface Shot {
  readonly file: string;
  readonly viewport: { width: number; height: number };
  readonly scale: number;
  readonly mobile: boolean;
}

const SHOTS: readonly Shot[] = [
  { file: 'narrow.png', viewport: { width: 360, height: 640 }, scale: 3, mobile: true },
  { file: 'wide.png', viewport: { width: 1280, height: 720 }, scale: 1.5, mobile: false },
];

async function shoot(browser: Browser, baseUrl: string, shot: Shot): Promise<void> {
  const context = await browser.newContext({
    viewport: shot.viewport,
    deviceScaleFactor: shot.scale,
    isMobile: shot.mobile,
    hasTouch: shot.mobile,
    colorScheme: 'light',
    // The install banner would be in every shot; the shots show the app itself.
    serviceWorkers: 'block',
  });
  try {
    await context.addInitScript(() => {
      if (location.protocol === 'http:') localStorage.setItem('kith:install-banner-dismissed', '1');
    });
    const page = await context.newPage();
    await page.goto(baseUrl);
    await page.getByLabel('Your name').fill('Ada');
    await page.getByRole('button', { name: 'Start' }).click();
    for (const text of POSTS) {
      await page.getByLabel("What's on your mind?").fill(text);
      await page.getByRole('button', { name: 'Post', exact: true }).click();
      await page.getByRole('article').filter({ hasText: text }).waitFor({ timeout: 30_000 });
    }
    await page.evaluate(() => scrollTo(0, 0));
    await page.screenshot({ path: join(OUT, shot.file) });
    console.log(`wrote public/screenshots/${shot.file}`);
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  await build({ root: ROOT, logLevel: 'warn', build: { outDir: BUILD, emptyOutDir: true } });
  mkdirSync(OUT, { recursive: true });
  const server = await startServer({ port: 0, host: '127.0.0.1', staticDir: BUILD });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    for (const shot of SHOTS) await shoot(browser, server.url, shot);
  } finally {
    await browser.close();
    await server.close();
    await rm(BUILD, { recursive: true, force: true });
  }
}

await main();
