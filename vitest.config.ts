import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  test: {
    testTimeout: 20_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'signaling/**/*.test.ts', 'tests/unit/**/*.test.ts'],
          exclude: ['**/*.svelte.test.ts'],
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
