/**
 * Wiring: the one place that picks real implementations for the core's interfaces and mounts the
 * UI. Everything else receives what it needs.
 */
import { mount } from 'svelte';
import App from './ui/App.svelte';
import { checkPlatform } from './core/platform.ts';
import './ui/app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html lacks #app');

mount(App, { target, props: { platform: checkPlatform() } });
