import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import {
  CERTIFICATE_LIFETIME_MS,
  DEVICE_CERTIFICATE_VERSION,
  issueDeviceCertificate,
  verifyDeviceCertificate,
} from './device-certificate.ts';
import { createIdentity, restoreFromSeed, startNewDevice } from './device-setup.ts';
import { publishEncryptionKey, verifyEncryptionKeyRecord } from './encryption-key-record.ts';
import { encryptionKeyOfGeneration } from './keys.ts';
import { identityFromSeed } from './keys.ts';
import {
  MAX_DEVICE_REVOCATION_BYTES,
  MemoryRevocations,
  isRevokedFor,
  issueDeviceRevocation,
  verifyDeviceRevocation,
} from './revocation.ts';
import { DOMAIN_DEVICE_REVOCATION, RecordError, signRecord } from './signed-record.ts';
import { Ed25519Verifier } from './verifier.ts';

const verifier = new Ed25519Verifier();
const clock = new ManualClock(1_700_000_000_000);
const alice = await identityFromSeed(new Uint8Array(32).fill(0xa1));
const mallory = await identityFromSeed(new Uint8Array(32).fill(0x66));

async function reasonOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'none';
  } catch (err) {
    if (err instanceof RecordError) return err.reason;
    throw err;
  }
}

describe('device certificates', () => {
  it('round-trips and verifies', async () => {
    const { device } = await restoreFromSeed(alice.seed, { clock, expiresAt: clock.now() + 1000 });
    const cert = await verifyDeviceCertificate(device.certificate.bytes, verifier);
    expect(cert.person).toBe(alice.personId);
    expect(cert.device).toBe(device.key.deviceId);
    expect(cert.role).toBe('device');
    expect(cert.issuedAt).toBe(clock.now());
    expect(cert.expiresAt).toBe(clock.now() + 1000);
  });

  it('gives every new device a certificate expiring CERTIFICATE_LIFETIME_MS after issue', async () => {
    const { device } = await createIdentity({ clock });
    const cert = await verifyDeviceCertificate(device.certificate.bytes, verifier);
    expect(CERTIFICATE_LIFETIME_MS).toBe(180 * 24 * 60 * 60 * 1000);
    expect(cert.expiresAt).toBe(clock.now() + CERTIFICATE_LIFETIME_MS);
  });

  it('refuses every flipped byte', async () => {
    const { device } = await startNewDevice(alice, { clock, role: 'relay' }).then((d) => ({
      device: d,
    }));
    const bytes = device.certificate.bytes;
    for (let i = 0; i < bytes.length; i++) {
      const tampered = bytes.slice();
      tampered[i] = tampered[i]! ^ 0x01;
      expect(await reasonOf(verifyDeviceCertificate(tampered, verifier))).not.toBe('none');
    }
  });

  it('refuses a certificate where another identity signed for Alice', async () => {
    const device = await startNewDevice(mallory, { clock });
    const forged = device.certificate.bytes.slice();
    forged.set(alice.publicKey, 1);
    expect(await reasonOf(verifyDeviceCertificate(forged, verifier))).toBe('bad-signature');
  });

  it('never accepts a signature made for another structure (domain separation)', async () => {
    const device = await startNewDevice(alice, { clock });
    const body = device.certificate.bytes.subarray(0, device.certificate.bytes.length - 64);
    const crossSigned = await signRecord(DOMAIN_DEVICE_REVOCATION, body, alice.signingKey);
    expect(await reasonOf(verifyDeviceCertificate(crossSigned, verifier))).toBe('bad-signature');
  });

  it.each([
    [
      'unknown version',
      (b: Uint8Array) => b.set([DEVICE_CERTIFICATE_VERSION + 1], 0),
      'unknown-version',
    ],
    ['unknown role', (b: Uint8Array) => b.set([7], 65), 'bad-role'],
  ])('refuses %s', async (_, mutate, reason) => {
    const bytes = (await startNewDevice(alice, { clock })).certificate.bytes.slice();
    mutate(bytes);
    expect(await reasonOf(verifyDeviceCertificate(bytes, verifier))).toBe(reason);
  });

  it('refuses truncated and padded certificates', async () => {
    const bytes = (await startNewDevice(alice, { clock })).certificate.bytes;
    expect(
      await reasonOf(verifyDeviceCertificate(bytes.subarray(0, bytes.length - 1), verifier)),
    ).toBe('truncated');
    expect(await reasonOf(verifyDeviceCertificate(new Uint8Array([...bytes, 0]), verifier))).toBe(
      'trailing-bytes',
    );
  });

  it('refuses a bad expiry flag', async () => {
    const device = await startNewDevice(alice, { clock });
    const cert = await issueDeviceCertificate(alice, {
      deviceKey: device.key.publicKey,
      role: 'device',
      issuedAt: 5,
    });
    const bytes = cert.bytes.slice();
    // version 1 | keys 64 | role 1 | issuedAt (1 byte for 5) | flag
    bytes[67] = 2;
    expect(await reasonOf(verifyDeviceCertificate(bytes, verifier))).toBe('bad-flag');
  });
});

describe('new devices', () => {
  it('makes a new device key and Yjs client id on every start, restores included', async () => {
    const first = await createIdentity({ clock });
    const again = await restoreFromSeed(first.identity.seed, { clock });
    expect(again.identity.personId).toBe(first.identity.personId);
    expect(again.device.key.deviceId).not.toBe(first.device.key.deviceId);
    expect(again.device.yjsClientId).not.toBe(first.device.yjsClientId);
    expect(Number.isInteger(again.device.yjsClientId)).toBe(true);
    expect(again.device.yjsClientId).toBeGreaterThanOrEqual(0);
    expect(again.device.yjsClientId).toBeLessThan(2 ** 32);
  });
});

describe('revocations', () => {
  it('fits MAX_DEVICE_REVOCATION_BYTES at its largest', async () => {
    const device = await startNewDevice(alice, { clock });
    const rev = await issueDeviceRevocation(alice, {
      deviceKey: device.key.publicKey,
      revokedAt: Number.MAX_SAFE_INTEGER,
      lastValidSeq: Number.MAX_SAFE_INTEGER,
    });
    expect(rev.bytes.length).toBe(MAX_DEVICE_REVOCATION_BYTES);
  });

  it('verifies and applies the seq rule when the last valid seq is known', async () => {
    const device = await startNewDevice(alice, { clock });
    const rev = await issueDeviceRevocation(alice, {
      deviceKey: device.key.publicKey,
      revokedAt: 1000,
      lastValidSeq: 5,
    });
    const verified = await verifyDeviceRevocation(rev.bytes, verifier);
    expect(verified.device).toBe(device.key.deviceId);
    expect(isRevokedFor(verified, { seq: 5, timestamp: 9999 })).toBe(false);
    expect(isRevokedFor(verified, { seq: 6, timestamp: 0 })).toBe(true);
  });

  it('falls back to the timestamp rule', async () => {
    const device = await startNewDevice(alice, { clock });
    const rev = await issueDeviceRevocation(alice, {
      deviceKey: device.key.publicKey,
      revokedAt: 1000,
    });
    expect(isRevokedFor(rev, { seq: 100, timestamp: 1000 })).toBe(false);
    expect(isRevokedFor(rev, { seq: 1, timestamp: 1001 })).toBe(true);
  });

  it('keeps the strictest revocation', async () => {
    const device = await startNewDevice(alice, { clock });
    const lookup = new MemoryRevocations();
    lookup.add(
      await issueDeviceRevocation(alice, { deviceKey: device.key.publicKey, revokedAt: 1000 }),
    );
    lookup.add(
      await issueDeviceRevocation(alice, {
        deviceKey: device.key.publicKey,
        revokedAt: 9,
        lastValidSeq: 3,
      }),
    );
    lookup.add(
      await issueDeviceRevocation(alice, {
        deviceKey: device.key.publicKey,
        revokedAt: 5,
        lastValidSeq: 8,
      }),
    );
    expect(lookup.revocationOf(alice.personId, device.key.deviceId)?.lastValidSeq).toBe(3);
  });

  it('refuses a revocation signed by someone else', async () => {
    const device = await startNewDevice(alice, { clock });
    const rev = await issueDeviceRevocation(mallory, {
      deviceKey: device.key.publicKey,
      revokedAt: 1,
    });
    const forged = rev.bytes.slice();
    forged.set(alice.publicKey, 1);
    expect(await reasonOf(verifyDeviceRevocation(forged, verifier))).toBe('bad-signature');
  });
});

describe('encryption key record', () => {
  it('publishes the X25519 key signed by the identity key', async () => {
    const record = await publishEncryptionKey(alice, 42);
    const verified = await verifyEncryptionKeyRecord(record.bytes, verifier, alice.personId);
    expect(verified.encryptionKey).toEqual(alice.encryptionPublicKey);
    expect(
      await reasonOf(verifyEncryptionKeyRecord(record.bytes, verifier, mallory.personId)),
    ).toBe('wrong-signer');
    const swapped = record.bytes.slice();
    swapped.set(mallory.encryptionPublicKey, 33);
    expect(await reasonOf(verifyEncryptionKeyRecord(swapped, verifier))).toBe('bad-signature');
  });

  it('publishes a later generation of the key (v2, generation signed) and refuses a tampered one', async () => {
    const second = await publishEncryptionKey(alice, 43, 2);
    const verified = await verifyEncryptionKeyRecord(second.bytes, verifier, alice.personId);
    expect(verified.generation).toBe(2);
    expect(verified.encryptionKey).toEqual(
      (await encryptionKeyOfGeneration(alice.seed, 2)).publicKey,
    );
    expect(verified.encryptionKey).not.toEqual(alice.encryptionPublicKey);
    expect((await publishEncryptionKey(alice, 43)).generation).toBe(0);
    const relabelled = second.bytes.slice();
    relabelled[33] = 3; // generation 2 -> 3, same key and signature
    expect(await reasonOf(verifyEncryptionKeyRecord(relabelled, verifier))).toBe('bad-signature');
    const zero = second.bytes.slice();
    zero[33] = 0; // generation 0 has one encoding only: v1
    expect(await reasonOf(verifyEncryptionKeyRecord(zero, verifier))).toBe('bad-generation');
  });
});
