/**
 * A new version of Kith is deployed while Ada has it open: the server now serves a second build
 * in place of the first. The browser finds the new service worker, which waits instead of taking
 * over, and Kith says "A new version of Kith is ready"; when she chooses to reload, the new
 * version runs (Settings shows its build id). Never a silently stale app, never a page swapped
 * under her.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupE2e, siteDir } from './harness.ts';
import { onboard, WAIT } from './app-helpers.ts';
import { reloadUnderServiceWorker } from './pwa-helpers.ts';
import { REPO_ROOT } from './paths.ts';

/** The second build's id: `vite.config.ts` puts it in the bundle and Settings shows it. */
const NEXT_BUILD = 'e2e-next';

/** Builds the app into `outDir` with `KITH_BUILD_ID` set, as a deployment of a new version. */
function buildNextVersion(outDir: string): Promise<void> {
  const vite = join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const child = spawn(
    process.execPath,
    [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, NODE_ENV: 'production', KITH_BUILD_ID: NEXT_BUILD },
      stdio: 'inherit',
    },
  );
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`vite build of the next version exited ${code}`)),
    );
  });
}

describe('a new version deployed while Kith is open', () => {
  const e2e = setupE2e({ site: 'app' });
  let nextDir: string | undefined;

  beforeAll(async () => {
    await mkdir(join(REPO_ROOT, '.tmp'), { recursive: true });
    nextDir = await mkdtemp(join(REPO_ROOT, '.tmp', 'pwa-update-next-'));
    await buildNextVersion(nextDir);
  });

  afterAll(async () => {
    if (nextDir) await rm(nextDir, { recursive: true, force: true });
  });

  it('brings up the update prompt, and reloading runs the new version', async () => {
    // A retry starts again from the first version.
    await e2e.restartServer(siteDir('app'));
    const ada = await e2e.person('ada');
    const page = ada.page;
    await ada.goto('/');
    await onboard(page, 'Ada');
    await page.getByRole('form', { name: 'New post' }).waitFor(WAIT);
    await reloadUnderServiceWorker(page);
    const prompt = page.getByRole('alertdialog', { name: 'A new version of Kith is ready.' });
    const version = () =>
      page
        .getByRole('region', { name: 'About' })
        .getByText(/Kith version/)
        .textContent({ timeout: 1_000 })
        .catch(() => '');

    await page.getByRole('link', { name: 'Settings' }).click();
    await expect.poll(version, WAIT).toMatch(/Kith version/);
    const first = await version();
    expect(first).not.toContain(NEXT_BUILD);
    expect(await prompt.count()).toBe(0);

    await e2e.restartServer(nextDir);
    await page.reload();
    await prompt.waitFor(WAIT);
    // The old version still runs until she chooses: the new worker waits.
    await expect.poll(version, WAIT).toMatch(/Kith version/);
    expect(await version()).toBe(first);

    await prompt.getByRole('button', { name: 'Reload to update' }).click();
    await expect.poll(version, WAIT).toBe(`Kith version ${NEXT_BUILD}`);
    expect(await prompt.count()).toBe(0);
  });
});
