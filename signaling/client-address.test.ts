import { describe, expect, it } from 'vitest';
import { addressGroup, clientAddress, parseTrustedProxies } from './client-address.ts';
import { ConfigError } from './config-error.ts';

describe('addressGroup: what the per-address connection cap counts', () => {
  it('counts an IPv4 address as itself', () => {
    expect(addressGroup('203.0.113.7')).toBe('203.0.113.7');
    expect(addressGroup('203.0.113.8')).not.toBe(addressGroup('203.0.113.7'));
  });

  it('counts an IPv4-mapped IPv6 address, dotted or in hex, as the IPv4 address', () => {
    expect(addressGroup('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressGroup('::FFFF:cb00:7107')).toBe('203.0.113.7');
    expect(addressGroup('0:0:0:0:0:ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts IPv6 addresses per /64, whatever their spelling', () => {
    const group = addressGroup('2001:db8:1:2::1');
    expect(addressGroup('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe(group);
    expect(addressGroup('2001:DB8:0001:0002:0:0:0:ffff')).toBe(group);
    expect(addressGroup('2001:db8:1:3::1')).not.toBe(group);
    expect(addressGroup('fe80::1%eth0')).toBe(addressGroup('fe80::2'));
    expect(addressGroup('::1')).not.toBe(addressGroup('127.0.0.1'));
  });

  it('keeps text that is not an address as it is (never merged with a real address)', () => {
    expect(addressGroup('not-an-address')).toBe('not-an-address');
  });
});

describe('parseTrustedProxies', () => {
  it('matches single addresses and CIDR ranges of both families', () => {
    const trusted = parseTrustedProxies(['127.0.0.1', '::1', '10.0.0.0/8', '2001:db8::/32']);
    for (const address of ['127.0.0.1', '::1', '10.0.0.1', '10.255.3.4', '2001:db8:ff::9']) {
      expect(trusted.has(address), address).toBe(true);
    }
    for (const address of ['127.0.0.2', '::2', '11.0.0.1', '2001:db9::1', 'garbage']) {
      expect(trusted.has(address), address).toBe(false);
    }
  });

  it('matches an IPv4-mapped peer address against IPv4 entries', () => {
    const trusted = parseTrustedProxies(['10.0.0.0/8']);
    expect(trusted.has('::ffff:10.1.2.3')).toBe(true);
    expect(trusted.has('::ffff:11.1.2.3')).toBe(false);
  });

  it('trusts nobody when the list is empty', () => {
    expect(parseTrustedProxies([]).has('127.0.0.1')).toBe(false);
  });

  it.each([
    'nonsense',
    '10.0.0.0/33',
    '::/129',
    '1.2.3.4/x',
    '1.2.3',
    '1.2.3.256',
    '1::2::3',
    '/8',
  ])('refuses "%s" with a ConfigError', (entry) => {
    expect(() => parseTrustedProxies([entry])).toThrow(ConfigError);
  });
});

describe('clientAddress', () => {
  const trusted = parseTrustedProxies(['127.0.0.1', '10.0.0.0/8']);

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(clientAddress('198.51.100.1', '203.0.113.9', trusted)).toBe('198.51.100.1');
    expect(clientAddress('198.51.100.1', '203.0.113.9', parseTrustedProxies([]))).toBe(
      '198.51.100.1',
    );
  });

  it('takes the forwarded address from a trusted proxy', () => {
    expect(clientAddress('127.0.0.1', '203.0.113.9', trusted)).toBe('203.0.113.9');
    expect(clientAddress('::ffff:127.0.0.1', ' 203.0.113.9 ', trusted)).toBe('203.0.113.9');
  });

  it('takes the right-most address that is not itself a trusted proxy', () => {
    // The left part is whatever the client claimed; only the hops our proxies appended count.
    expect(clientAddress('127.0.0.1', '6.6.6.6, 203.0.113.9, 10.0.0.5', trusted)).toBe(
      '203.0.113.9',
    );
    expect(clientAddress('127.0.0.1', ['6.6.6.6', '203.0.113.9, 10.0.0.5'], trusted)).toBe(
      '203.0.113.9',
    );
  });

  it('takes the left-most hop when every hop is trusted', () => {
    expect(clientAddress('127.0.0.1', '10.0.0.7, 10.0.0.5', trusted)).toBe('10.0.0.7');
  });

  it('falls back to the last trusted hop when the next one is not an address', () => {
    expect(clientAddress('127.0.0.1', 'nonsense', trusted)).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', '203.0.113.9, junk, 10.0.0.5', trusted)).toBe('10.0.0.5');
    expect(clientAddress('127.0.0.1', '', trusted)).toBe('127.0.0.1');
  });

  it('uses the peer when there is no header', () => {
    expect(clientAddress('127.0.0.1', undefined, trusted)).toBe('127.0.0.1');
  });
});
