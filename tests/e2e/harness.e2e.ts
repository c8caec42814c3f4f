/**
 * The harness's own guarantees: a page that breaks the Content-Security-Policy or throws an
 * uncaught error is noticed (so every other e2e test really would fail on one), and people are
 * isolated from each other.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type {} from './fixtures/harness-check.ts';
import { launchPersistent, PageProblemError, setupE2e } from './harness.ts';

describe('the e2e harness', () => {
  const e2e = setupE2e({ site: 'fixtures' });

  it('notices an inline script the CSP refuses, at once in a waiting evaluate', async () => {
    const mallory = await e2e.person('mallory');
    await mallory.goto('/harness-check.html');
    await mallory.page.evaluate(() => window.e2eHarnessCheck.violateCsp());

    const waiting = mallory.evaluate(() => new Promise(() => undefined));
    await expect(waiting).rejects.toThrow(PageProblemError);
    const problems = await mallory.takeProblems();
    expect(problems).toEqual([
      expect.objectContaining({ kind: 'csp-violation', person: 'mallory', blockedURI: 'inline' }),
    ]);
    expect(await mallory.page.title()).not.toBe('inline script ran');
  });

  it('notices an uncaught error and fails the person at teardown', async () => {
    const mallory = await e2e.person('mallory');
    await mallory.goto('/harness-check.html');
    await mallory.page.evaluate(() => window.e2eHarnessCheck.throwUncaught('boom from the page'));

    await expect(mallory.evaluate(() => new Promise(() => undefined))).rejects.toThrow(
      /uncaught error.*boom from the page/s,
    );
    await expect(mallory.close()).rejects.toThrow(PageProblemError);
  });

  it('gives each person storage of their own', async () => {
    const [alice, bob] = await Promise.all([e2e.person('alice'), e2e.person('bob')]);
    await Promise.all([alice.goto('/harness-check.html'), bob.goto('/harness-check.html')]);
    await alice.evaluate(() => localStorage.setItem('who', 'alice'));
    expect(await bob.evaluate(() => localStorage.getItem('who'))).toBeNull();
    expect(await alice.evaluate(() => localStorage.getItem('who'))).toBe('alice');
  });

  it('keeps a persistent profile across launches', async () => {
    const profile = await mkdtemp(join(tmpdir(), 'kith-e2e-profile-'));
    try {
      const first = await launchPersistent(profile, { baseUrl: e2e.baseUrl });
      try {
        await first.goto('/harness-check.html');
        await first.evaluate(() => localStorage.setItem('kept', 'yes'));
      } finally {
        await first.close();
      }
      const second = await launchPersistent(profile, { baseUrl: e2e.baseUrl });
      try {
        await second.goto('/harness-check.html');
        expect(await second.evaluate(() => localStorage.getItem('kept'))).toBe('yes');
      } finally {
        await second.close();
      }
    } finally {
      await rm(profile, { recursive: true, force: true });
    }
  });
});
