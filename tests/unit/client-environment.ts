/**
 * A vitest environment for rune classes (`*.svelte.test.ts`): Node's globals, but modules are
 * transformed for the client, so Svelte compiles them as in the browser and `$effect` runs
 * (the server build Node would get makes effects no-ops).
 */
import type { Environment } from 'vitest/environments';

export default {
  name: 'client-in-node',
  viteEnvironment: 'client',
  setup() {
    return { teardown() {} };
  },
} satisfies Environment;
