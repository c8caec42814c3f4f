import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

const E2E_DIR = 'tests/e2e';

/**
 * The e2e files of one group. A file that calls `requireNetns()` opens WebRTC connections ("net");
 * the others load pages of one person without WebRTC ("solo"). `tests/e2e/run.ts` runs the two
 * groups side by side, each one file at a time (docs/testing.md); without `KITH_E2E_GROUP`, every
 * file is included.
 */
function filesOf(group: string | undefined): string[] {
  const files = readdirSync(E2E_DIR, { recursive: true, encoding: 'utf8' }).filter((name) =>
    name.endsWith('.e2e.ts'),
  );
  const chosen =
    group === undefined
      ? files
      : files.filter(
          (name) =>
            readFileSync(join(E2E_DIR, name), 'utf8').includes('requireNetns()') ===
            (group === 'net'),
        );
  return chosen.map((name) => `${E2E_DIR}/${name}`);
}

const group = process.env.KITH_E2E_GROUP;
if (group !== undefined && group !== 'net' && group !== 'solo') {
  throw new Error(`KITH_E2E_GROUP must be "net" or "solo", not "${group}"`);
}

// End-to-end tests in real Chromium: run through `npm run test:e2e` (tests/e2e/run.ts), which
// puts them in a private network namespace first. Within a group, files run one at a time in a
// single worker: two cores cannot carry several browsers gathering ICE at once (design section 8).
export default defineConfig({
  test: {
    include: filesOf(group),
    environment: 'node',
    globalSetup: ['tests/e2e/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    // Bounds on waits, never expectations of speed.
    testTimeout: 90_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    bail: 0,
  },
});
