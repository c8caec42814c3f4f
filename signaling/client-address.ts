/**
 * Who a connection comes from: the TCP peer, or, when that peer is a trusted proxy, the address
 * its `X-Forwarded-For` names; and the group that address is counted in for the per-address
 * connection cap (an IPv4 address, or an IPv6 /64, which one household or phone usually holds
 * whole).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { ConfigError } from './config-error.ts';

/** An address as 16 bytes; IPv4 is held IPv4-mapped (`::ffff:a.b.c.d`) so both forms match. */
type AddressBytes = Uint8Array;

const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

function ipv4Bytes(text: string): number[] {
  return text.split('.').map(Number);
}

/** Parses an IPv4 or IPv6 address (an IPv6 zone such as `%eth0` is dropped); undefined if neither. */
function parseAddress(text: string): AddressBytes | undefined {
  const address = text.trim();
  if (isIPv4(address)) return Uint8Array.from([...MAPPED_PREFIX, ...ipv4Bytes(address)]);
  const unzoned = address.split('%', 1)[0] ?? '';
  if (!isIPv6(unzoned)) return undefined;
  // node:net has validated it: at most one `::`, hextets of 1–4 digits, an optional IPv4 tail.
  let groups = unzoned.split(':');
  const tail = groups.at(-1) ?? '';
  if (tail.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(tail);
    groups = [...groups.slice(0, -1), ((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
  }
  const gap = groups.indexOf('');
  if (gap !== -1) {
    const filled = groups.filter((group) => group !== '');
    const missing = 8 - filled.length;
    const before = groups.slice(0, gap).filter((group) => group !== '');
    groups = [...before, ...Array<string>(missing).fill('0'), ...filled.slice(before.length)];
  }
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}

function isMapped(bytes: AddressBytes): boolean {
  return MAPPED_PREFIX.every((byte, i) => bytes[i] === byte);
}

/**
 * The key the per-address connection cap counts `address` under: the dotted IPv4 address (also
 * for an IPv4-mapped IPv6 address), or the IPv6 /64 as `xxxx:xxxx:xxxx:xxxx::/64`. Text that is
 * not an address is its own key.
 */
export function addressGroup(address: string): string {
  const bytes = parseAddress(address);
  if (bytes === undefined) return address;
  if (isMapped(bytes)) return bytes.slice(12).join('.');
  const hextets = [0, 2, 4, 6].map((i) =>
    (((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16),
  );
  return `${hextets.join(':')}::/64`;
}

/** An address range: the first `prefix` bits of `bytes` (IPv4 ranges are offset by 96 bits). */
interface AddressRange {
  readonly bytes: AddressBytes;
  readonly prefix: number;
}

function inRange(bytes: AddressBytes, range: AddressRange): boolean {
  for (let bit = 0; bit < range.prefix; bit += 8) {
    const width = Math.min(8, range.prefix - bit);
    const mask = (0xff << (8 - width)) & 0xff;
    const i = bit / 8;
    if (((bytes[i] ?? 0) & mask) !== ((range.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** The proxies whose `X-Forwarded-For` is believed. */
export interface TrustedProxies {
  /** True when `address` (a TCP peer address) lies in one of the configured ranges. */
  has(address: string): boolean;
}

/** Trusts no one: `X-Forwarded-For` is ignored. */
export const NO_TRUSTED_PROXIES: TrustedProxies = Object.freeze({ has: () => false });

/**
 * Reads trusted proxies from entries such as `127.0.0.1`, `::1`, `10.0.0.0/8` or `fd00::/8`.
 * Throws `ConfigError` naming the first entry that is not an address or a CIDR range.
 */
export function parseTrustedProxies(entries: readonly string[]): TrustedProxies {
  const ranges = entries.map((entry): AddressRange => {
    const [address = '', prefixText, ...rest] = entry.trim().split('/');
    const bytes = parseAddress(address);
    const family = isIPv4(address.trim()) ? 32 : 128;
    const prefix = prefixText === undefined ? family : Number(prefixText);
    if (
      bytes === undefined ||
      rest.length > 0 ||
      (prefixText !== undefined && !/^[0-9]{1,3}$/.test(prefixText)) ||
      prefix > family
    ) {
      throw new ConfigError(
        `trusted proxy "${entry}" is not an IP address or a CIDR range such as 10.0.0.0/8`,
      );
    }
    return { bytes, prefix: prefix + (128 - family) };
  });
  return {
    has(address) {
      const bytes = parseAddress(address);
      return bytes !== undefined && ranges.some((range) => inRange(bytes, range));
    },
  };
}

/**
 * The client's address: `peer` itself, unless `peer` is a trusted proxy and `forwardedFor` (the
 * `X-Forwarded-For` header, one or several) names hops. Then the hops are read from the right
 * (the one our proxy appended) and the first that is not itself a trusted proxy is the client;
 * everything left of it is the client's own claim and not believed. A hop that is not an address
 * stops the walk at the trusted hop that handed it over; all hops trusted gives the left-most.
 */
export function clientAddress(
  peer: string,
  forwardedFor: string | readonly string[] | undefined,
  trusted: TrustedProxies,
): string {
  if (forwardedFor === undefined || !trusted.has(peer)) return peer;
  const hops = (typeof forwardedFor === 'string' ? [forwardedFor] : forwardedFor)
    .flatMap((header) => header.split(','))
    .map((hop) => hop.trim());
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    const hop = hops[i] ?? '';
    if (parseAddress(hop) === undefined) return client;
    client = hop;
    if (!trusted.has(hop)) return client;
  }
  return client;
}
