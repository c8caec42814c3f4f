/**
 * Wiring: the one place that picks real implementations for the core's interfaces and mounts the
 * UI. Everything else receives what it needs.
 */
import { mount } from 'svelte';
import type { KithHandle } from './boot.ts';
import App from './ui/App.svelte';
import { checkPlatform } from './core/platform.ts';
import { applyTheme, savedTheme } from './ui/state/theme.ts';
import './ui/app.css';

// Before the first paint, so a dark choice never flashes light.
applyTheme(savedTheme());

const target = document.getElementById('app');
if (!target) throw new Error('index.html lacks #app');

// The core is its own chunk, fetched beside the first screen's JS rather than inside it (the
// initial-JS budget, `tests/e2e/initial-js.e2e.ts`); opened once the platform check passed.
const openKith = (): Promise<KithHandle> => import('./boot.ts').then((boot) => boot.openKith());

mount(App, { target, props: { platform: checkPlatform(), openKith } });
