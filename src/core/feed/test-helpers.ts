/**
 * Deterministic authors and logs for tests of the feed and of the layers above it.
 * Not used by the app: device keys here come from fixed seeds, never from randomness.
 */
import { issueDeviceCertificate, type DeviceRole } from '../identity/device-certificate.ts';
import type { DeviceSession } from '../identity/device-setup.ts';
import { deviceKeyFromSeed, identityFromSeed, type Identity } from '../identity/keys.ts';
import { parseDocId, type EntryHash } from '../ids.ts';
import type { EntryFields } from './entry-codec.ts';
import { signEntry, type VerifiedEntry } from './entry-verifier.ts';

/** A person and one certified device, both from fixed seeds. */
export interface TestAuthor {
  /** The person's identity. */
  identity: Identity;
  /** The device (its Yjs client id is fixed to 1: no doc is involved here). */
  device: DeviceSession;
}

/** Makes the author whose identity seed is 32 bytes of `identityByte` and device seed 32 of `deviceByte`. */
export async function testAuthor(
  identityByte: number,
  deviceByte: number,
  options: { role?: DeviceRole; issuedAt?: number; expiresAt?: number } = {},
): Promise<TestAuthor> {
  const identity = await identityFromSeed(new Uint8Array(32).fill(identityByte));
  const key = await deviceKeyFromSeed(new Uint8Array(32).fill(deviceByte));
  const certificate = await issueDeviceCertificate(identity, {
    deviceKey: key.publicKey,
    role: options.role ?? 'device',
    issuedAt: options.issuedAt ?? 1_700_000_000_000,
    expiresAt: options.expiresAt,
  });
  return { identity, device: { key, certificate, yjsClientId: 1 } };
}

/** Fields of a plain entry at `seq` after `prev`, with a payload that names the seq. */
export function testFields(
  seq: number,
  prev: EntryHash | undefined,
  overrides: Partial<EntryFields> = {},
): EntryFields {
  return {
    seq,
    prev,
    timestamp: 1_700_000_000_000 + seq * 1000,
    docId: parseDocId('post:test'),
    payloadKind: 'yjs-update',
    payload: new TextEncoder().encode(`update ${seq}`),
    ...overrides,
  };
}

/** Signs a chained log of `count` entries starting at seq `from` after `prev`. */
export async function testLog(
  author: TestAuthor,
  count: number,
  options: { from?: number; prev?: EntryHash; tag?: string } = {},
): Promise<VerifiedEntry[]> {
  const out: VerifiedEntry[] = [];
  let prev = options.prev;
  const from = options.from ?? 1;
  for (let seq = from; seq < from + count; seq++) {
    const payload = new TextEncoder().encode(`${options.tag ?? 'update'} ${seq}`);
    const entry = await signEntry(author.device, testFields(seq, prev, { payload }));
    out.push(entry);
    prev = entry.hash;
  }
  return out;
}
