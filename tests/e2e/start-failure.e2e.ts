/**
 * The core cannot be fetched as the app starts (a server restarting, a connection dropping
 * mid-load): the page says Kith could not start and why, and offers Reload, which starts it once
 * the file can be fetched again. Never a blank page, never a dead end.
 */
import { describe, expect, it } from 'vitest';
import { WAIT } from './app-helpers.ts';
import { setupE2e } from './harness.ts';

describe('a start that fails', () => {
  const e2e = setupE2e({ site: 'app' });

  it('says why and offers Reload, which starts Kith once the core can be fetched', async () => {
    const person = await e2e.person('alice');
    const page = person.page;
    // The core is its own chunk, imported by the session as it starts (docs/ui.md, "Initial JS").
    const core = /\/assets\/core-api-[^/]*\.js$/;
    await page.route(core, (route) => route.abort('connectionreset'));
    await person.goto('/');
    const notice = page
      .getByRole('alert')
      .filter({ has: page.getByRole('heading', { name: 'Kith could not start' }) });
    await notice.waitFor(WAIT);
    expect(await notice.textContent()).toMatch(/fetch/i);
    expect(await page.getByRole('heading', { name: /welcome to kith/i }).count()).toBe(0);

    await page.unroute(core);
    await notice.getByRole('button', { name: 'Reload' }).click();
    await page.getByRole('heading', { name: /welcome to kith/i }).waitFor(WAIT);
  });
});
