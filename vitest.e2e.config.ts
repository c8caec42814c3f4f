import { defineConfig } from 'vitest/config';

// End-to-end tests in real Chromium: run through `npm run test:e2e` (tests/e2e/run.ts), which
// puts them in a private network namespace first. Files run one at a time in a single worker:
// two cores cannot carry several browsers gathering ICE at once (design section 8).
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.ts'],
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
