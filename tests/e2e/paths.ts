/** Where the e2e harness finds the repository, the built app and the fixture sources. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root directory. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The built app (`npm run build`, which `npm run test:e2e` runs first). `KITH_DIST` points
 * elsewhere, so that someone can test their own build (`vite build --outDir …`) beside others'.
 */
export const APP_DIST_DIR = resolve(REPO_ROOT, process.env.KITH_DIST ?? 'dist');

/** Sources of the fixture pages: test pages that are not the Kith app. */
export const FIXTURES_SOURCE_DIR = join(REPO_ROOT, 'tests', 'e2e', 'fixtures');
