import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  assertServesNewClient,
  isType,
  makeSelfSignedCert,
  runMain as startMain,
  TestClient,
  waitForUrl,
  type Run,
} from './test-helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'kith-main-'));
const staticDir = path.join(dir, 'dist');
mkdirSync(staticDir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const running: Run[] = [];
afterEach(() => {
  for (const run of running.splice(0)) run.child.kill('SIGKILL');
});

/** `runMain`, killed after the test. */
function runMain(env: Record<string, string>): Run {
  const run = startMain(env);
  running.push(run);
  return run;
}

// Each test starts a process through tsx: seconds on a loaded machine, beyond the 20 s default.
describe('signaling/main.ts', { timeout: 90_000 }, () => {
  it('prints the URL, serves the app and signaling, and exits 0 on SIGTERM', async () => {
    writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>main</title>');
    const run = runMain({ PORT: '0', KITH_STATIC_DIR: staticDir });
    const url = await waitForUrl(run);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await fetch(`${url}/`);
    expect(await page.text()).toContain('<title>main</title>');
    await assertServesNewClient({ url });

    const client = await TestClient.connect(url);
    client.send({ type: 'ping' });
    await client.waitFor(isType('pong'));
    run.child.kill('SIGTERM');
    expect((await client.closed).code).toBe(1001);
    expect(await run.exited).toBe(0);
  });

  it('serves HTTPS when TLS_CERT and TLS_KEY are given', async (context) => {
    writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html>');
    const cert = makeSelfSignedCert(dir);
    if (!cert) return context.skip('openssl is not installed');
    const run = runMain({
      PORT: '0',
      KITH_STATIC_DIR: staticDir,
      TLS_CERT: cert.certFile,
      TLS_KEY: cert.keyFile,
    });
    expect(await waitForUrl(run)).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    [
      'a missing build',
      { KITH_STATIC_DIR: path.join(tmpdir(), 'kith-no-such-dist') },
      /npm run build/,
    ],
    ['TLS_CERT without TLS_KEY', { TLS_CERT: '/tmp/cert.pem' }, /set both TLS_CERT and TLS_KEY/],
    [
      'an unreadable TLS file',
      { TLS_CERT: '/nonexistent/c.pem', TLS_KEY: '/nonexistent/k.pem' },
      /TLS_CERT: cannot read/,
    ],
    ['a bad PORT', { PORT: 'eighty' }, /PORT must be/],
    ['a bad limit', { KITH_MAX_CONNECTIONS: 'many' }, /KITH_MAX_CONNECTIONS/],
    ['a bad STUN URL', { KITH_STUN_URLS: 'https://stun.test' }, /KITH_STUN_URLS/],
    ['a bad REDIS_URL', { REDIS_URL: 'http://redis.test' }, /REDIS_URL must be/],
  ])('refuses to start with %s, saying why', async (_name, env, message) => {
    writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html>');
    const run = runMain({ PORT: '0', KITH_STATIC_DIR: staticDir, ...env });
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(message);
    expect(run.output()).not.toMatch(/\n\s+at /); // no stack trace
  });
});
