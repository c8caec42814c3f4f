import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isType, makeSelfSignedCert, ServerPool } from './test-helpers.ts';

process.env.KITH_LOG_LEVEL ??= 'silent';

const dir = mkdtempSync(path.join(tmpdir(), 'kith-tls-'));
const cert = makeSelfSignedCert(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pool = new ServerPool();
afterEach(() => pool.closeAll());

describe.skipIf(cert === undefined)('TLS (needs openssl)', () => {
  let tls: { cert: Buffer; key: Buffer };
  beforeAll(() => {
    tls = { cert: readFileSync(cert!.certFile), key: readFileSync(cert!.keyFile) };
  });

  it('serves HTTPS and WSS with the given certificate', async () => {
    const server = await pool.start({ tls });
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const body = await new Promise<string>((resolve, reject) => {
      get(`${server.url}/health`, { rejectUnauthorized: false }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve(text));
      }).on('error', reject);
    });
    expect(JSON.parse(body)).toMatchObject({ status: 'ok', connections: 0 });

    const [a, b] = await Promise.all([
      pool.connect(server, { rejectUnauthorized: false }),
      pool.connect(server, { rejectUnauthorized: false }),
    ]);
    a!.send({ type: 'subscribe', topics: ['secure'] });
    b!.send({ type: 'subscribe', topics: ['secure'] });
    await Promise.all([a!.roundtrip(), b!.roundtrip()]);
    a!.send({ type: 'publish', topic: 'secure', data: 'over tls' });
    expect(await b!.waitFor(isType('publish'))).toEqual({
      type: 'publish',
      topic: 'secure',
      data: 'over tls',
      clients: 2,
    });
  });

  it('survives a plain-HTTP request on the TLS port', async () => {
    const server = await pool.start({ tls });
    const { request } = await import('node:http');
    await new Promise<void>((resolve) => {
      const req = request(server.url.replace('https', 'http'), () => resolve());
      req.on('error', () => resolve());
      req.end();
    });
    const client = await pool.connect(server, { rejectUnauthorized: false });
    await client.roundtrip();
  });
});
