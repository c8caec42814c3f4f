import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

const E2E_DIR = 'tests/e2e';

/**
 * WebRTC files of two or three people that run in the side lane, after its one-person files, so
 * that the two lanes take about as long (each file's time is in docs/testing.md): the net lane
 * alone took 14 minutes while the solo files were done in 3.
 */
const SIDE_NET_FILES = new Set([
  'messages.e2e.ts',
  'recovery.e2e.ts',
  'app-invite-refusals.e2e.ts',
  'home-pairing.e2e.ts',
  'redis-signaling.e2e.ts',
  'delete-and-local-data.e2e.ts',
  'home-datachannel.e2e.ts',
  'a11y.e2e.ts',
  'devices.e2e.ts',
  'introductions.e2e.ts',
  'app-connection-cap.e2e.ts',
]);

/**
 * Files that change the test namespace's own links (the chaos run makes a bridge and takes a
 * person's link down): Chromium anywhere else in the namespace hears of it and fails what it is
 * loading with ERR_NETWORK_CHANGED (a page of the side lane did, in a whole run). They run in a
 * lane of their own, "alone", after the two others.
 */
const ALONE_FILES = new Set(['chaos.e2e.ts']);

/**
 * The e2e files of one lane. A file that calls `requireNetns()` opens WebRTC connections; the
 * others load pages of one person without WebRTC. `tests/e2e/run.ts` runs two lanes side by side,
 * each one file at a time (docs/testing.md): "net", the WebRTC files, and "side", the one-person
 * files and the WebRTC files of {@link SIDE_NET_FILES}. Without `KITH_E2E_GROUP`, every file is
 * included.
 */
function filesOf(group: string | undefined): string[] {
  const files = readdirSync(E2E_DIR, { recursive: true, encoding: 'utf8' }).filter((name) =>
    name.endsWith('.e2e.ts'),
  );
  const inNetLane = (name: string): boolean =>
    readFileSync(join(E2E_DIR, name), 'utf8').includes('requireNetns()') &&
    !SIDE_NET_FILES.has(name);
  const laneOf = (name: string): string =>
    ALONE_FILES.has(name) ? 'alone' : inNetLane(name) ? 'net' : 'side';
  const chosen = group === undefined ? files : files.filter((name) => laneOf(name) === group);
  return chosen.map((name) => `${E2E_DIR}/${name}`);
}

const group = process.env.KITH_E2E_GROUP;
if (group !== undefined && group !== 'net' && group !== 'side' && group !== 'alone') {
  throw new Error(`KITH_E2E_GROUP must be "net", "side" or "alone", not "${group}"`);
}

// End-to-end tests in real Chromium: run through `npm run test:e2e` (tests/e2e/run.ts), which
// puts them in a private network namespace first. Within a lane, files run one at a time in a
// single worker that keeps its module graph from file to file (`isolate: false`): importing
// Playwright, the harness and the server anew for each file took a minute of each lane
// (docs/testing.md). Each file still launches its own browser and server (`setupE2e`).
export default defineConfig({
  test: {
    include: filesOf(group),
    environment: 'node',
    globalSetup: ['tests/e2e/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    isolate: false,
    // Bounds on waits, never expectations of speed.
    testTimeout: 90_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    bail: 0,
  },
});
