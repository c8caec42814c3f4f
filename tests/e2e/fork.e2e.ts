/**
 * A device that signs two different histories (a copied or tampered device) is not followed past
 * the fork, and the screen says so. Mallory's entries are signed here in Node with the core's own
 * API and handed to Alice's ingestor through the test hooks, as a relay would bring them: a
 * profile at seq 1, two different entries at seq 2 (the fork), then one more at seq 3 on top of
 * one branch. Alice's profile screen of Mallory keeps the name from before the fork, takes
 * neither branch's bio nor anything after, and warns.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { systemClock } from '../../src/core/clock.ts';
import { docIdOf } from '../../src/core/kinds/registry.ts';
import { writeProfile } from '../../src/core/docs/small-docs.ts';
import { newDoc } from '../../src/core/docs/yjs-change.ts';
import { signEntry, type VerifiedEntry } from '../../src/core/feed/entry-verifier.ts';
import { createIdentity } from '../../src/core/identity/device-setup.ts';
import type { Running } from '../../src/boot.ts';
import { setupE2e } from './harness.ts';
import { enableTestHooks, join, WAIT } from './app-helpers.ts';

type TestWindow = { kithTest?: Running };

/** Hands `entries` to Alice's ingestor; returns the reasons of those it refused. */
async function ingest(page: Page, entries: readonly VerifiedEntry[]): Promise<string[]> {
  return page.evaluate(
    async (all) => {
      const kith = (window as unknown as TestWindow).kithTest!;
      const report = await kith.ingestor.ingest(all.map((bytes) => Uint8Array.from(bytes)));
      await kith.peer.settled();
      return report.rejected.map((r) => String(r.reason));
    },
    entries.map((e) => [...e.bytes]),
  );
}

describe('a forked log', () => {
  const e2e = setupE2e({ site: 'app' });

  it('is not followed past its fork, and Mallory’s profile says her device signed two histories', async () => {
    const alice = await e2e.person('alice');
    await enableTestHooks(alice.context);
    const page = await join(alice, 'Alice');
    await page.waitForFunction(() => (window as unknown as TestWindow).kithTest !== undefined);

    const { identity, device } = await createIdentity({ clock: systemClock });
    const profile = docIdOf({ kind: 'profile' });
    const doc = newDoc(41);
    const sign = (seq: number, prev: VerifiedEntry | undefined, payload: Uint8Array) =>
      signEntry(device, {
        seq,
        prev: prev?.hash,
        timestamp: systemClock.now(),
        docId: profile,
        payloadKind: 'yjs-update',
        payload,
      });
    const first = await sign(1, undefined, writeProfile(doc, { name: 'Mallory' })!);
    const branchA = await sign(2, first, writeProfile(newDoc(42), { bio: 'branch A' })!);
    const branchB = await sign(2, first, writeProfile(newDoc(43), { bio: 'branch B' })!);
    const after = await sign(3, branchA, writeProfile(newDoc(44), { bio: 'after the fork' })!);

    expect(await ingest(page, [first, branchA])).toEqual([]);
    expect(await ingest(page, [branchB])).toEqual([]);
    const refused = await ingest(page, [after]);
    expect(refused).toHaveLength(1);

    await page.goto(`${e2e.baseUrl}/#/profile/${encodeURIComponent(identity.personId)}`);
    const warning = page.getByRole('alert').filter({ hasText: 'signed two different histories' });
    await warning.waitFor(WAIT);
    expect(await warning.textContent()).toContain('Mallory');
    await page.getByRole('heading', { name: 'Mallory', exact: true }).waitFor(WAIT);
    const shown = (await page.locator('main').textContent()) ?? '';
    expect(shown).not.toMatch(/branch A|branch B|after the fork/);
  });
});
