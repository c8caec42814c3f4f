/**
 * Wiring: the one place that picks real implementations for the core's interfaces and mounts the
 * UI. Everything else receives what it needs.
 */
import { mount } from 'svelte';
import App from './ui/App.svelte';
import { checkPlatform } from './core/platform.ts';
import { applyTheme, savedTheme } from './ui/state/theme.ts';
import './ui/app.css';

// Before the first paint, so a dark choice never flashes light.
applyTheme(savedTheme());

const target = document.getElementById('app');
if (!target) throw new Error('index.html lacks #app');

mount(App, { target, props: { platform: checkPlatform() } });
