/**
 * The core runs wherever Kith runs (issue 24): in the page, in a worker, and in Node for the home
 * peer. So no module under src/core may touch a browser global or a browser-only module when it
 * is loaded: this imports every one of them in plain Node (vitest's `node` environment, no DOM
 * shims, no fake IndexedDB), each in a fresh module graph so that one module's import cannot hide
 * another's.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

const CORE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'core');

/** Every module of the core, tests and test helpers aside. */
function coreModules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((item) => {
    const at = path.join(dir, item.name);
    if (item.isDirectory()) return coreModules(at);
    const isModule = item.name.endsWith('.ts') && !item.name.endsWith('.d.ts');
    const isTestCode = /\.test\.ts$|test-|-test\.ts$/.test(item.name);
    return isModule && !isTestCode ? [at] : [];
  });
}

const modules = coreModules(CORE);

describe('every core module loads in plain Node', () => {
  it('finds the core', () => {
    // A wrong path would make the test below vacuous.
    expect(modules.length).toBeGreaterThan(100);
    expect(modules.some((m) => m.endsWith(path.join('store', 'idb-storage-adapter.ts')))).toBe(
      true,
    );
  });

  it('has no browser globals here', () => {
    for (const name of ['window', 'document', 'indexedDB', 'localStorage']) {
      expect(name in globalThis, name).toBe(false);
    }
  });

  it.each(modules.map((m) => [path.relative(CORE, m), m]))('%s', async (_name, file) => {
    vi.resetModules();
    await expect(import(/* @vite-ignore */ file)).resolves.toBeDefined();
  });
});
