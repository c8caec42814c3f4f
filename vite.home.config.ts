/**
 * The home peer's build (`npm run build` runs it after the app's): one ES module,
 * `dist/kith-home.mjs`, with everything inside (werift, ws, the core), run as
 * `node kith-home.mjs FOLDER` with Node 20 or newer and nothing installed beside it.
 * docs/home-peer.md says what it is. The app's build empties `dist/` first, so this one runs
 * second and keeps what is there; the service worker never precaches this file
 * (vite.config.ts).
 */
import { defineConfig } from 'vite';

export default defineConfig({
  // Node code only: no Svelte, no PWA, no public/ folder copied again.
  plugins: [],
  publicDir: false,
  // Bundle every dependency: the file must run where nothing is installed.
  ssr: { noExternal: true, target: 'node' },
  build: {
    ssr: 'src/home/main.ts',
    outDir: 'dist',
    emptyOutDir: false,
    target: 'node20',
    sourcemap: false,
    minify: true,
    rolldownOptions: {
      output: { format: 'es', entryFileNames: 'kith-home.mjs', codeSplitting: false },
    },
  },
});
