import { mkdtempSync, mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { turnRestCredential } from './ice-config.ts';
import { CONTENT_SECURITY_POLICY } from './security-headers.ts';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { IMMUTABLE, chooseEncoding } from './static-files.ts';
import { ServerPool } from './test-helpers.ts';

process.env.KITH_LOG_LEVEL ??= 'silent';

const pool = new ServerPool();
afterEach(() => pool.closeAll());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  bytes: Buffer;
}

/** A raw HTTP request, so paths reach the server exactly as written (no client normalization). */
function get(
  url: string,
  rawPath: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path: rawPath, method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: bytes.toString('utf8'),
          bytes,
        });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function expectSecurityHeaders(answer: Answer): void {
  expect(answer.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
  expect(answer.headers['referrer-policy']).toBe('no-referrer');
}

describe('GET /health', () => {
  it('reports status, uptime and live counts, never cached', async () => {
    const server = await pool.start();
    const client = await pool.connect(server);
    client.send({ type: 'subscribe', topics: ['a', 'b'] });
    await client.roundtrip();
    const answer = await get(server.url, '/health');
    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expectSecurityHeaders(answer);
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ok', connections: 1, topics: 2 });
    expect(Number.isInteger(body.uptimeSeconds)).toBe(true);
  });

  it('refuses other methods', async () => {
    const server = await pool.start();
    const answer = await get(server.url, '/health', 'POST');
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('GET, HEAD');
  });
});

describe('GET /config.json', () => {
  it('publishes no ICE servers by default', async () => {
    const server = await pool.start();
    const answer = await get(server.url, '/config.json');
    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(answer.body)).toEqual({ iceServers: [] });
  });

  it('publishes static STUN and TURN settings', async () => {
    const server = await pool.start({
      ice: {
        stunUrls: ['stun:stun.example.test:3478'],
        turn: {
          urls: ['turn:turn.example.test:3478', 'turns:turn.example.test:5349'],
          auth: { kind: 'static', username: 'u', credential: 'c' },
        },
      },
    });
    expect(JSON.parse((await get(server.url, '/config.json')).body)).toEqual({
      iceServers: [
        { urls: ['stun:stun.example.test:3478'] },
        {
          urls: ['turn:turn.example.test:3478', 'turns:turn.example.test:5349'],
          username: 'u',
          credential: 'c',
        },
      ],
    });
  });

  it('mints a TURN REST credential per request that coturn would accept', async () => {
    const secret = 'north-wind';
    const server = await pool.start({
      ice: {
        stunUrls: [],
        turn: { urls: ['turn:turn.example.test'], auth: { kind: 'rest', secret, ttlSeconds: 600 } },
      },
    });
    const before = Math.floor(Date.now() / 1000);
    const body = JSON.parse((await get(server.url, '/config.json')).body) as {
      iceServers: { urls: string[]; username: string; credential: string }[];
    };
    const after = Math.floor(Date.now() / 1000);
    expect(body.iceServers).toHaveLength(1);
    const { username, credential } = body.iceServers[0]!;
    const [expiry, user] = username.split(':');
    expect(user).toBe('kith');
    expect(Number(expiry)).toBeGreaterThanOrEqual(before + 600);
    expect(Number(expiry)).toBeLessThanOrEqual(after + 600);
    const { createHmac } = await import('node:crypto');
    expect(credential).toBe(createHmac('sha1', secret).update(username).digest('base64'));
    expect(credential).toBe(turnRestCredential(secret, username));
  });
});

/** A script big enough to be worth compressing (and that compresses well). */
const BIG_JS = 'export const greeting = "hello, friend";\n'.repeat(800);

describe('static files', () => {
  let dir: string;
  let outside: string;
  beforeAll(() => {
    const base = mkdtempSync(path.join(tmpdir(), 'kith-static-'));
    dir = path.join(base, 'dist');
    outside = path.join(base, 'secret.txt');
    mkdirSync(path.join(dir, 'assets'), { recursive: true });
    mkdirSync(path.join(dir, 'icons'));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Kith</title>');
    writeFileSync(path.join(dir, 'sw.js'), 'self.skipWaiting;');
    writeFileSync(path.join(dir, 'registerSW.js'), '/* register */');
    writeFileSync(path.join(dir, 'manifest.webmanifest'), '{"name":"Kith"}');
    writeFileSync(path.join(dir, 'assets', 'index-AbC123.js'), 'export {};');
    writeFileSync(path.join(dir, 'assets', 'index-AbC123.css'), 'body{}');
    writeFileSync(path.join(dir, 'icons', 'icon-192.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    writeFileSync(path.join(dir, 'kith-home.mjs'), 'console.log("home");');
    writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(path.join(dir, '.env'), 'SECRET=1');
    writeFileSync(path.join(dir, 'assets', 'big-XyZ789.js'), BIG_JS);
    writeFileSync(path.join(dir, 'icons', 'big.png'), Buffer.alloc(50_000, 7));
    writeFileSync(outside, 'top secret');
    symlinkSync(outside, path.join(dir, 'link.txt'));
  });
  afterAll(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

  const typed: [string, RegExp, string][] = [
    ['/', /^text\/html/, 'no-cache'],
    ['/index.html', /^text\/html/, 'no-cache'],
    ['/sw.js', /^text\/javascript/, 'no-cache'],
    ['/registerSW.js', /^text\/javascript/, 'no-cache'],
    ['/manifest.webmanifest', /^application\/manifest\+json/, 'no-cache'],
    ['/assets/index-AbC123.js', /^text\/javascript/, IMMUTABLE],
    ['/assets/index-AbC123.css', /^text\/css/, IMMUTABLE],
    ['/icons/icon-192.png', /^image\/png$/, 'no-cache'],
    ['/favicon.svg', /^image\/svg\+xml$/, 'no-cache'],
  ];

  it.each(typed)('%s has its content type, caching and the CSP', async (file, type, cache) => {
    const server = await pool.start({ staticDir: dir });
    const answer = await get(server.url, file);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(type);
    expect(answer.headers['cache-control']).toBe(cache);
    expectSecurityHeaders(answer);
  });

  it('offers the home peer as a download, and nothing else', async () => {
    const server = await pool.start({ staticDir: dir });
    const home = await get(server.url, '/kith-home.mjs');
    expect(home.status).toBe(200);
    expect(home.body).toBe('console.log("home");');
    expect(home.headers['content-type']).toMatch(/^text\/javascript/);
    expect(home.headers['content-disposition']).toBe('attachment; filename="kith-home.mjs"');
    expect(home.headers['cache-control']).toBe('no-cache');
    expectSecurityHeaders(home);
    for (const other of ['/sw.js', '/index.html', '/assets/index-AbC123.js']) {
      expect((await get(server.url, other)).headers['content-disposition']).toBeUndefined();
    }
  });

  it('answers a navigation to an unknown path with index.html (SPA fallback)', async () => {
    const server = await pool.start({ staticDir: dir });
    for (const route of ['/profile', '/friends/invite', '/p/abc?x=1']) {
      const answer = await get(server.url, route);
      expect(answer.status).toBe(200);
      expect(answer.body).toContain('<title>Kith</title>');
      expect(answer.headers['cache-control']).toBe('no-cache');
      expectSecurityHeaders(answer);
    }
  });

  it('answers 404 for a missing file with an extension, with the security headers', async () => {
    const server = await pool.start({ staticDir: dir });
    for (const missing of ['/assets/missing-123.js', '/nothing.png', '/robots.txt']) {
      const answer = await get(server.url, missing);
      expect(answer.status).toBe(404);
      expectSecurityHeaders(answer);
    }
  });

  it.each([
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e/secret.txt',
    '/%2e%2e%2fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/..%5csecret.txt',
    '/%00index.html',
    '/.env',
    '/link.txt',
    '/%E0%A4%A',
  ])('never serves a file outside the folder or a dotfile: %s', async (attempt) => {
    const server = await pool.start({ staticDir: dir });
    const answer = await get(server.url, attempt);
    expect([400, 404]).toContain(answer.status);
    expect(answer.body).not.toContain('top secret');
    expect(answer.body).not.toContain('SECRET=1');
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const server = await pool.start({ staticDir: dir });
    const head = await get(server.url, '/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    const post = await get(server.url, '/index.html', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('answers a matching If-None-Match with 304', async () => {
    const server = await pool.start({ staticDir: dir });
    const first = await get(server.url, '/sw.js');
    const etag = String(first.headers.etag);
    const again = await get(server.url, '/sw.js', 'GET', { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
  });

  it('compresses text with the best encoding the browser accepts, and each has its own ETag', async () => {
    const server = await pool.start({ staticDir: dir });
    const file = '/assets/big-XyZ789.js';
    const br = await get(server.url, file, 'GET', { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(Number(br.headers['content-length'])).toBe(br.bytes.byteLength);
    expect(br.bytes.byteLength).toBeLessThan(BIG_JS.length / 10);
    expect(brotliDecompressSync(br.bytes).toString('utf8')).toBe(BIG_JS);
    const gz = await get(server.url, file, 'GET', { 'Accept-Encoding': 'br;q=0, gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.bytes).toString('utf8')).toBe(BIG_JS);
    const plain = await get(server.url, file);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(BIG_JS);
    expect(new Set([br.headers.etag, gz.headers.etag, plain.headers.etag]).size).toBe(3);
    const again = await get(server.url, file, 'GET', {
      'Accept-Encoding': 'br',
      'If-None-Match': String(br.headers.etag),
    });
    expect(again.status).toBe(304);
    const head = await get(server.url, file, 'HEAD', { 'Accept-Encoding': 'br' });
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBe(br.bytes.byteLength);
  });

  it('compresses a changed file anew, in every server of the process', async () => {
    // Servers of one process share their compressed copies (static-files.ts): a copy made for
    // one server must never answer for a file that changed since, nor for another directory's.
    const base = mkdtempSync(path.join(tmpdir(), 'kith-static-shared-'));
    const [mine, theirs] = ['mine', 'theirs'].map((name) => path.join(base, name));
    const versions = ['first', 'later', 'yours'].map((word) => BIG_JS.replace('hello', word));
    mkdirSync(mine!);
    mkdirSync(theirs!);
    writeFileSync(path.join(mine!, 'app.js'), versions[0]!);
    writeFileSync(path.join(theirs!, 'app.js'), versions[2]!);
    // Of one size and one mtime: only the directory tells the two files apart.
    const then = new Date(Date.now() - 60_000);
    for (const dir of [mine!, theirs!]) utimesSync(path.join(dir, 'app.js'), then, then);
    const one = await pool.start({ staticDir: mine });
    const two = await pool.start({ staticDir: mine });
    const elsewhere = await pool.start({ staticDir: theirs });
    const bodyOf = async (url: string) =>
      brotliDecompressSync(
        (await get(url, '/app.js', 'GET', { 'Accept-Encoding': 'br' })).bytes,
      ).toString('utf8');
    try {
      expect(await bodyOf(one.url)).toBe(versions[0]);
      expect(await bodyOf(elsewhere.url)).toBe(versions[2]);
      // Of the same size again: only the mtime tells the two versions apart.
      writeFileSync(path.join(mine!, 'app.js'), versions[1]!);
      utimesSync(path.join(mine!, 'app.js'), new Date(), new Date());
      expect(await bodyOf(two.url)).toBe(versions[1]);
      expect(await bodyOf(one.url)).toBe(versions[1]);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('sends images and tiny files as they are', async () => {
    const server = await pool.start({ staticDir: dir });
    for (const file of ['/icons/big.png', '/assets/index-AbC123.js']) {
      const answer = await get(server.url, file, 'GET', { 'Accept-Encoding': 'br, gzip' });
      expect(answer.status).toBe(200);
      expect(answer.headers['content-encoding']).toBeUndefined();
    }
  });

  it('serves no files when staticDir is omitted', async () => {
    const server = await pool.start();
    expect((await get(server.url, '/index.html')).status).toBe(404);
    expect((await get(server.url, '/')).status).toBe(404);
  });
});

describe('chooseEncoding', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['gzip, deflate, br', 'br'],
    ['gzip', 'gzip'],
    ['br;q=0, gzip;q=0.5', 'gzip'],
    ['GZIP', 'gzip'],
    ['*', 'br'],
    ['*;q=0', undefined],
    ['identity', undefined],
    ['br;q=0, gzip;q=0', undefined],
  ] as const)('%j -> %s', (header, expected) => {
    expect(chooseEncoding(header)).toBe(expected);
  });
});
