/**
 * Someone opens Kith from an address the browser does not treat as secure (as a phone opening
 * `http://192.168.x.y:8787` would): the app says why it cannot run and what to do, instead of a
 * blank page or a stack trace. From 127.0.0.1, a secure context, it starts normally.
 * `kith.test` is mapped to 127.0.0.1 inside Chromium, so no name lookup leaves the machine.
 */
import { describe, expect, it } from 'vitest';
import { setupE2e } from './harness.ts';

/** Bound on waiting for the app to render (vitest's default for `expect.poll` is 1 s). */
const POLL = { timeout: 15_000 };

describe('the app checks that it runs in a secure context', () => {
  const e2e = setupE2e({
    site: 'app',
    browserArgs: ['--host-resolver-rules=MAP kith.test 127.0.0.1'],
  });

  it('explains the way out when opened over plain HTTP on a hostname', async () => {
    const visitor = await e2e.person('visitor');
    await visitor.goto(`http://kith.test:${e2e.server.port}/`);
    const page = visitor.page;

    expect(await visitor.evaluate(() => window.isSecureContext)).toBe(false);
    const heading = page.getByRole('heading', { name: /needs a secure connection/i });
    await expect.poll(() => heading.isVisible(), POLL).toBe(true);
    const notice = page.getByRole('alert');
    await expect.poll(() => notice.textContent(), POLL).toMatch(/localhost/);
    expect(await notice.textContent()).toMatch(/HTTPS/);
    expect(await page.getByRole('heading', { name: /welcome to kith/i }).count()).toBe(0);
  });

  it('starts normally on 127.0.0.1', async () => {
    const person = await e2e.person('alice');
    await person.goto('/');
    const page = person.page;

    expect(await person.evaluate(() => window.isSecureContext)).toBe(true);
    const welcome = page.getByRole('heading', { name: /welcome to kith/i });
    await expect.poll(() => welcome.isVisible(), POLL).toBe(true);
    expect(await page.getByRole('heading', { name: /needs a secure connection/i }).count()).toBe(0);
  });
});
