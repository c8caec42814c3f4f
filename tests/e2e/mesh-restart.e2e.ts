/**
 * The signaling server restarts mid-session. Alice's and Bob's pages keep their data channel, and
 * their signaling clients reconnect and resubscribe by themselves. Then their connection is closed
 * (a test hook), so that a new one can only be made through the restarted server: it is, and a
 * message Bob sends afterwards reaches Alice.
 *
 * This file runs its own server (the harness's cannot be restarted on the same port) serving the
 * same fixture pages; the harness still provides the browser, the people and their page checks.
 */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../signaling/server.ts';
import type {} from './fixtures/mesh-net.ts';
import { requireNetns, setupE2e, siteDir } from './harness.ts';

const WAIT_MS = 30_000;

requireNetns()('the mesh core across a signaling server restart', () => {
  const e2e = setupE2e({ site: 'fixtures' });

  it('reconnects through the restarted server, and a later message arrives', async () => {
    const staticDir = siteDir('fixtures');
    let server: RunningServer = await startServer({ port: 0, host: '127.0.0.1', staticDir });
    const port = server.port;
    const base = `http://127.0.0.1:${port}`;
    const signalingUrl = `ws://127.0.0.1:${port}/signaling`;
    try {
      const [alice, bob] = await Promise.all([e2e.person('alice'), e2e.person('bob')]);
      await Promise.all([alice.goto(`${base}/mesh-net.html`), bob.goto(`${base}/mesh-net.html`)]);
      const aliceId = await alice.evaluate((o) => window.e2eMesh.start(o), { signalingUrl });
      const bobId = await bob.evaluate((o) => window.e2eMesh.start(o), { signalingUrl });
      const pairwiseSecret = randomBytes(32).toString('base64url');
      await alice.evaluate((o) => window.e2eMesh.befriend(o), {
        person: bobId.person,
        pairwiseSecret,
      });
      await bob.evaluate((o) => window.e2eMesh.befriend(o), {
        person: aliceId.person,
        pairwiseSecret,
      });
      await alice.evaluate((ms) => window.e2eMesh.opened(1, ms), WAIT_MS);
      await bob.evaluate((ms) => window.e2eMesh.opened(1, ms), WAIT_MS);

      await server.close();
      server = await startServer({ port, host: '127.0.0.1', staticDir });
      await alice.evaluate((ms) => window.e2eMesh.signalingOpened(2, ms), WAIT_MS);
      await bob.evaluate((ms) => window.e2eMesh.signalingOpened(2, ms), WAIT_MS);

      // Only signaling through the new server can bring them together again.
      await alice.evaluate((p) => window.e2eMesh.disconnect(p), bobId.person);
      await alice.evaluate((ms) => window.e2eMesh.opened(2, ms), WAIT_MS);
      await bob.evaluate((ms) => window.e2eMesh.opened(2, ms), WAIT_MS);
      expect(server.stats().topics).toBeGreaterThan(0);

      await bob.evaluate(() => window.e2eMesh.sendText('written after the restart'));
      const atAlice = await alice.evaluate((ms) => window.e2eMesh.received(1, ms), WAIT_MS);
      expect(atAlice[0]?.text).toBe('written after the restart');
    } finally {
      await server.close();
    }
  });
});
