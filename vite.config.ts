import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { kithDevServer } from './signaling/vite-plugin.ts';

export default defineConfig({
  plugins: [
    svelte(),
    // The signaling server, /health and /config.json beside Vite's dev server, on its port.
    kithDevServer(),
    VitePWA({
      // The app imports `virtual:pwa-register/svelte` itself: no inline registration script,
      // which the Content-Security-Policy (`script-src 'self'`) would refuse.
      injectRegister: null,
      registerType: 'prompt',
      includeAssets: ['favicon.svg', 'icons/*.png'],
      manifest: {
        name: 'Kith',
        short_name: 'Kith',
        description: 'A social network where you and your friends are the infrastructure.',
        theme_color: '#2f5d50',
        background_color: '#faf8f5',
        display: 'standalone',
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
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        // The signaling socket, health and ICE settings are live; never answer them from cache.
        navigateFallbackDenylist: [/^\/signaling/, /^\/health/, /^\/config\.json/],
      },
    }),
  ],
  build: { target: 'es2022', sourcemap: true },
});
