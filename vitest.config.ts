import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const UNIT_DIRS = ['src', 'signaling', 'tests/unit'];

/**
 * The unit files that use fake-indexeddb: its one global factory, and the internals some of them
 * instrument, would carry from one file into the next, so they run isolated.
 */
const IDB_FILES = UNIT_DIRS.flatMap((dir) =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.test.ts') && !name.endsWith('.svelte.test.ts'))
    .map((name) => join(dir, name))
    .filter((file) => readFileSync(file, 'utf8').includes('fake-indexeddb')),
);

const UNIT_INCLUDE = UNIT_DIRS.map((dir) => `${dir}/**/*.test.ts`);

export default defineConfig({
  test: {
    testTimeout: 20_000,
    // One worker per core, not vitest's cores - 1: unit files wait on timers, sockets and child
    // processes about half their time, and on two cores the default ran them one at a time
    // (the unit run with the checks beside it: 150 -> 135 s, docs/testing.md).
    maxWorkers: availableParallelism(),
    projects: [
      {
        // Each worker keeps one module graph across its files (`isolate: false`): importing the
        // core anew for every file took about a third of the unit run's CPU (docs/testing.md).
        extends: true,
        test: {
          name: 'unit',
          include: UNIT_INCLUDE,
          exclude: ['**/*.svelte.test.ts', ...IDB_FILES],
          environment: 'node',
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'unit-idb',
          include: IDB_FILES,
          environment: 'node',
        },
      },
      {
        // Rune classes (`*.svelte.ts`) compiled as in the browser, so `$state` and `$effect` run.
        extends: true,
        plugins: [svelte()],
        resolve: { conditions: ['browser'] },
        test: {
          name: 'runes',
          include: ['src/**/*.svelte.test.ts'],
          environment: './tests/unit/client-environment.ts',
          // Svelte itself goes through Vite, so the `browser` condition picks its client build.
          server: { deps: { inline: [/svelte/] } },
        },
      },
    ],
  },
});
