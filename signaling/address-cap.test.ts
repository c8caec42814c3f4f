/**
 * Issue 20: connections per client address are capped (IPv6 per /64), and the address comes from
 * X-Forwarded-For only when the TCP peer is a trusted proxy. Real sockets from 127.0.0.1; each test
 * names the cap it runs with.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseTrustedProxies } from './client-address.ts';
import { DEFAULT_LIMITS } from './limits.ts';
import { assertServesNewClient, eventually, ServerPool, TestClient } from './test-helpers.ts';

process.env.KITH_LOG_LEVEL ??= 'silent';

const pool = new ServerPool();
afterEach(() => pool.closeAll());

const forwardedFor = (address: string) => ({ headers: { 'X-Forwarded-For': address } });

describe('connections per address', () => {
  it('defaults to 256, room for a household or a carrier NAT', () => {
    expect(DEFAULT_LIMITS.maxConnectionsPerAddress).toBe(256);
  });

  it('answers HTTP 429 beyond the cap and frees the slot on close (maxConnectionsPerAddress 2)', async () => {
    const server = await pool.start({ limits: { maxConnectionsPerAddress: 2 } });
    const first = await pool.connect(server);
    await pool.connect(server);
    await expect(TestClient.connect(server.url)).rejects.toThrow('HTTP 429');
    await first.close();
    await eventually(() => server.stats().connections === 1);
    await assertServesNewClient(server);
  });

  it('counts IPv6 per /64 and IPv4-mapped addresses as IPv4 (maxConnectionsPerAddress 1, 127.0.0.1 trusted)', async () => {
    const server = await pool.start({
      limits: { maxConnectionsPerAddress: 1 },
      trustedProxies: parseTrustedProxies(['127.0.0.1']),
    });
    await pool.connect(server, forwardedFor('2001:db8:1:2::1'));
    await expect(
      TestClient.connect(server.url, forwardedFor('2001:db8:1:2:ffff::9')),
    ).rejects.toThrow('HTTP 429');
    await pool.connect(server, forwardedFor('2001:db8:1:3::1'));

    await pool.connect(server, forwardedFor('198.51.100.7'));
    await expect(
      TestClient.connect(server.url, forwardedFor('::ffff:198.51.100.7')),
    ).rejects.toThrow('HTTP 429');
    await pool.connect(server, forwardedFor('198.51.100.8'));
    expect(server.stats().connections).toBe(4);
  });
});

describe('X-Forwarded-For', () => {
  it('is followed when the peer (127.0.0.1) is a configured trusted proxy (maxConnectionsPerAddress 1)', async () => {
    const server = await pool.start({
      limits: { maxConnectionsPerAddress: 1 },
      trustedProxies: parseTrustedProxies(['127.0.0.0/8']),
    });
    await pool.connect(server, forwardedFor('203.0.113.1'));
    await pool.connect(server, forwardedFor('203.0.113.2'));
    // The client's own claim on the left is not believed: the proxy appended the real address.
    await pool.connect(server, forwardedFor('203.0.113.1, 203.0.113.3'));
    await expect(
      TestClient.connect(server.url, forwardedFor('203.0.113.3, 203.0.113.1')),
    ).rejects.toThrow('HTTP 429');
    expect(server.stats().connections).toBe(3);
  });

  it('is ignored when no proxy is trusted (maxConnectionsPerAddress 1)', async () => {
    const server = await pool.start({ limits: { maxConnectionsPerAddress: 1 } });
    await pool.connect(server, forwardedFor('203.0.113.1'));
    await expect(TestClient.connect(server.url, forwardedFor('203.0.113.2'))).rejects.toThrow(
      'HTTP 429',
    );
  });

  it('is ignored when the peer is not among the trusted proxies (maxConnectionsPerAddress 1)', async () => {
    const server = await pool.start({
      limits: { maxConnectionsPerAddress: 1 },
      trustedProxies: parseTrustedProxies(['10.0.0.0/8', '::1']),
    });
    await pool.connect(server, forwardedFor('203.0.113.1'));
    await expect(TestClient.connect(server.url, forwardedFor('203.0.113.2'))).rejects.toThrow(
      'HTTP 429',
    );
  });
});
