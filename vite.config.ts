import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { kithDevServer } from './signaling/vite-plugin.ts';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

/**
 * What Settings shows as the version: the package version, or `KITH_BUILD_ID` when a deployment
 * (or the update test, which builds twice) names its build. It is in the bundle, so a different
 * id makes a different service worker, which is what brings up the update prompt.
 */
const buildId = process.env.KITH_BUILD_ID ?? version;

export default defineConfig({
  plugins: [
    svelte(),
    // The signaling server, /health and /config.json beside Vite's dev server, on its port.
    kithDevServer(),
    VitePWA({
      // Our own service worker (src/sw.ts): Workbox precaching plus the Web Share Target, which
      // a generated worker cannot answer. docs/pwa.md has the whole story.
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      // The app imports `virtual:pwa-register/svelte` itself: no inline registration script,
      // which the Content-Security-Policy (`script-src 'self'`) would refuse.
      injectRegister: null,
      registerType: 'prompt',
      includeAssets: ['favicon.svg', 'icons/*.png'],
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        // The install UI's screenshots are for the store sheet, not for running offline; the
        // home peer (vite.home.config.ts) is a download for Node, never part of the app shell.
        globIgnores: ['screenshots/**', 'kith-home.mjs'],
      },
      manifest: {
        id: '/',
        name: 'Kith',
        short_name: 'Kith',
        description: 'A social network where you and your friends are the infrastructure.',
        categories: ['social'],
        lang: 'en',
        dir: 'ltr',
        theme_color: '#2f5d50',
        background_color: '#faf8f5',
        display: 'standalone',
        // A timeline reads best upright on a phone, but tablets and desktops turn freely.
        orientation: 'any',
        start_url: '/',
        scope: '/',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          {
            src: 'icons/icon-maskable-512.png',
            sizes: '512x512',
            type: 'image/png',
            purpose: 'maskable',
          },
        ],
        // Made by `npx tsx scripts/make-screenshots.ts` from the built app.
        screenshots: [
          {
            src: 'screenshots/narrow.png',
            sizes: '1080x1920',
            type: 'image/png',
            form_factor: 'narrow',
            label: 'Your timeline: posts by you and your friends',
          },
          {
            src: 'screenshots/wide.png',
            sizes: '1920x1080',
            type: 'image/png',
            form_factor: 'wide',
            label: 'Kith on a larger screen',
          },
        ],
        // A photo shared from another app (Android's share sheet) opens the composer with it
        // attached; the service worker answers this POST, no server ever sees it.
        share_target: {
          action: '/share-target',
          method: 'POST',
          enctype: 'multipart/form-data',
          params: {
            title: 'title',
            text: 'text',
            url: 'url',
            files: [{ name: 'photos', accept: ['image/*'] }],
          },
        },
      },
    }),
  ],
  define: { 'import.meta.env.KITH_BUILD_ID': JSON.stringify(buildId) },
  build: { target: 'es2022', sourcemap: true },
});
