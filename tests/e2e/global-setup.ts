/**
 * Vitest global setup for the e2e run: builds the fixture pages (tests/e2e/fixtures/*.html) once
 * per run with Vite's JS API, and hands their directory to the test files via `inject()`.
 * Each run builds into a fresh directory under .tmp/, so two runs side by side never share one.
 */
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'vite';
import type { TestProject } from 'vitest/node';
import { FIXTURES_SOURCE_DIR, REPO_ROOT } from './paths.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Absolute path of the built fixture pages. */
    e2eFixturesDir: string;
  }
}

/** Builds the fixtures; the returned function removes them after the run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const tmp = join(REPO_ROOT, '.tmp');
  await mkdir(tmp, { recursive: true });
  const outDir = await mkdtemp(join(tmp, 'e2e-fixtures-'));
  const pages = (await readdir(FIXTURES_SOURCE_DIR)).filter((name) => name.endsWith('.html'));
  await build({
    configFile: false,
    root: FIXTURES_SOURCE_DIR,
    base: '/',
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: true,
      rolldownOptions: {
        input: Object.fromEntries(
          pages.map((page) => [page.replace(/\.html$/, ''), join(FIXTURES_SOURCE_DIR, page)]),
        ),
      },
    },
  });
  project.provide('e2eFixturesDir', outDir);
  return () => rm(outDir, { recursive: true, force: true });
}
