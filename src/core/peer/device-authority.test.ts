import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { docIdOf } from '../kinds/registry.ts';
import { decodeEntry } from '../feed/entry-codec.ts';
import { EntryVerifier, signEntry, type VerifiedEntry } from '../feed/entry-verifier.ts';
import {
  CERTIFICATE_LIFETIME_MS,
  certificateExpiry,
  issueDeviceCertificate,
} from '../identity/device-certificate.ts';
import { createIdentity, type DeviceSession } from '../identity/device-setup.ts';
import { generateDeviceKey, type Identity } from '../identity/keys.ts';
import { issueDeviceRevocation } from '../identity/revocation.ts';
import { parseDocId, type PersonId } from '../ids.ts';
import { MemoryStorageAdapter } from '../store/memory-storage-adapter.ts';
import type { StorageAdapter } from '../store/storage-adapter.ts';
import { Ingestor } from '../sync/ingest.ts';
import { DeviceAuthority } from './device-authority.ts';
import { RENEW_BEFORE_MS, WARN_BEFORE_MS } from '../identity/renewal-windows.ts';
import { Peer } from './peer.ts';
import { openNode, type PersonNode } from '../node.ts';
import { StoredRevocations } from './stored-revocations.ts';

const DAY = 24 * 60 * 60 * 1000;

/** A person on their identity device, wired as the app wires it. */
type Person = PersonNode;

async function person(clock: ManualClock, store: StorageAdapter = new MemoryStorageAdapter()) {
  const { identity, device } = await createIdentity({ clock });
  return openNode({ store, identity, device, clock });
}

/** Every entry `from` holds of `author`. */
async function logsOf(from: StorageAdapter, author: PersonId): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const summary of await from.listLogs()) {
    if (summary.author !== author) continue;
    for (const r of summary.ranges) {
      const entries = await from.getEntries(summary.author, summary.device, r.start, r.end);
      out.push(...entries.map((e) => e.bytes));
    }
  }
  return out;
}

/** A second device of `owner`, certified by the identity device, that signs its own entries. */
async function secondDevice(owner: Person) {
  const key = await generateDeviceKey();
  const certificate = await owner.devices.certifyDevice(key.publicKey, 'device');
  const session: DeviceSession = { key, certificate, yjsClientId: 7 };
  let last: VerifiedEntry | undefined;
  return {
    session,
    /** Signs the next entry of its log. */
    async write(clock: ManualClock): Promise<VerifiedEntry> {
      last = await signEntry(session, {
        seq: (last?.seq ?? 0) + 1,
        prev: last?.hash,
        timestamp: clock.now(),
        docId: parseDocId('note:test'),
        payloadKind: 'yjs-update',
        payload: new Uint8Array([1]),
      });
      return last;
    },
  };
}

describe('device revocation, wired as in the app', () => {
  it('refuses a revoked device’s later entries with device-revoked, keeps its earlier ones', async () => {
    const clock = new ManualClock(1_750_000_000_000);
    const alice = await person(clock);
    const bob = await person(clock);
    const d = await secondDevice(alice);
    const early = [await d.write(clock), await d.write(clock)];
    await alice.ingestor.ingest(early.map((e) => e.bytes));

    const revocation = await alice.devices.revokeDevice(d.session.key.deviceId);
    expect(revocation.lastValidSeq).toBe(2);

    expect(
      (await bob.ingestor.ingest(await logsOf(alice.store, alice.identity.personId))).rejected,
    ).toEqual([]);
    const late = await d.write(clock);
    const report = await bob.ingestor.ingest([late.bytes]);
    expect(report.rejected.map((r) => r.reason)).toEqual(['device-revoked']);
    expect(await bob.store.heldRanges(alice.identity.personId, d.session.key.deviceId)).toEqual([
      { start: 1, end: 2 },
    ]);

    // After a restart the revocation is read back from the store before anything is verified.
    const restarted = await openNode({ ...bob, clock });
    const again = await restarted.ingestor.ingest([late.bytes]);
    expect(again.rejected.map((r) => r.reason)).toEqual(['device-revoked']);
  });

  it('refuses them in the very batch that brings the revocation', async () => {
    const clock = new ManualClock(1_750_000_000_000);
    const alice = await person(clock);
    const bob = await person(clock);
    const d = await secondDevice(alice);
    await alice.ingestor.ingest([(await d.write(clock)).bytes]);
    await alice.devices.revokeDevice(d.session.key.deviceId);
    const late = await d.write(clock);
    const report = await bob.ingestor.ingest([
      late.bytes,
      ...(await logsOf(alice.store, alice.identity.personId)),
    ]);
    expect(report.rejected.map((r) => [r.index, r.reason])).toEqual([[0, 'device-revoked']]);
  });

  it('ignores a revocation the identity key did not sign', async () => {
    const clock = new ManualClock(1_750_000_000_000);
    const alice = await person(clock);
    const bob = await person(clock);
    const d = await secondDevice(alice);
    // Alice's other device forges the revocation of her identity device with its own key.
    const forger: Identity = { ...alice.identity, signingKey: d.session.key.keyPair.privateKey };
    const forged = await issueDeviceRevocation(forger, {
      deviceKey: alice.device.key.publicKey,
      revokedAt: 0,
      lastValidSeq: 0,
    });
    const carrier = await signEntry(d.session, {
      seq: 1,
      prev: undefined,
      timestamp: clock.now(),
      docId: docIdOf({ kind: 'revocations' }),
      payloadKind: 'key-record',
      payload: forged.bytes,
    });
    expect((await bob.ingestor.ingest([carrier.bytes])).accepted).toHaveLength(1);
    const restarted = await openNode({ ...bob, clock });
    const report = await restarted.ingestor.ingest(
      await logsOf(alice.store, alice.identity.personId),
    );
    expect(report.rejected).toEqual([]);
  });

  it('stops renewing a revoked device’s certificate', async () => {
    const clock = new ManualClock(1_750_000_000_000);
    const alice = await person(clock);
    const d = await secondDevice(alice);
    await alice.devices.revokeDevice(d.session.key.deviceId);
    clock.advance(CERTIFICATE_LIFETIME_MS - RENEW_BEFORE_MS + DAY);
    expect(await alice.devices.renewDue()).toBe(1);
  });
});

describe('device certificate renewal', () => {
  it('renews its own certificate under 60 days before expiry, signs with it, keeps it after a restart', async () => {
    const start = 1_750_000_000_000;
    const clock = new ManualClock(start);
    const alice = await person(clock);
    const first = alice.devices.current();
    expect(certificateExpiry(first)).toBe(start + CERTIFICATE_LIFETIME_MS);
    await alice.peer.setProfile({ name: 'Alice' });

    clock.set(start + CERTIFICATE_LIFETIME_MS - RENEW_BEFORE_MS - DAY);
    expect(await alice.devices.renewDue()).toBe(0);
    clock.advance(2 * DAY);
    expect(await alice.devices.renewDue()).toBe(1);
    const renewed = alice.devices.current();
    expect(certificateExpiry(renewed)).toBe(clock.now() + CERTIFICATE_LIFETIME_MS);

    await alice.peer.setProfile({ name: 'Alice again' });
    const profile = await alice.store.getDocEntries(
      alice.identity.personId,
      docIdOf({ kind: 'profile' }),
    );
    expect(decodeEntry(profile.at(-1)!.bytes).certificate.bytes).toEqual(renewed.bytes);

    // A restart with the certificate saved at onboarding picks the renewed one up again.
    const restarted = await openNode({ ...alice, clock });
    expect(restarted.devices.current().bytes).toEqual(renewed.bytes);
    await restarted.peer.setProfile({ name: 'Alice, restarted' });

    // Long after the first certificate expired, every entry is still valid: each was signed
    // before the expiry of the certificate it carries.
    clock.set(start + 2 * CERTIFICATE_LIFETIME_MS);
    const bob = await person(clock);
    const report = await bob.ingestor.ingest(await logsOf(alice.store, alice.identity.personId));
    expect(report.rejected).toEqual([]);
    expect(report.accepted.length).toBeGreaterThan(3);
  });

  it('renews at start a certificate that is due, as the app does when it opens', async () => {
    const start = 1_750_000_000_000;
    const clock = new ManualClock(start);
    const alice = await person(clock);
    clock.advance(CERTIFICATE_LIFETIME_MS - RENEW_BEFORE_MS + DAY);
    const restarted = await openNode({ ...alice, clock });
    expect(certificateExpiry(restarted.devices.current())).toBe(
      clock.now() + CERTIFICATE_LIFETIME_MS,
    );
  });

  it('renews on its timer', async () => {
    const clock = new ManualClock(1_750_000_000_000);
    const alice = await person(clock);
    const stop = alice.devices.keepRenewed(5);
    clock.advance(CERTIFICATE_LIFETIME_MS - RENEW_BEFORE_MS + DAY);
    await expect
      .poll(() => certificateExpiry(alice.devices.current()), { timeout: 5000 })
      .toBe(clock.now() + CERTIFICATE_LIFETIME_MS);
    stop();
  });

  it('renews the other devices it certified; each picks up its certificate from the log', async () => {
    const start = 1_750_000_000_000;
    const clock = new ManualClock(start);
    const alice = await person(clock);
    const d = await secondDevice(alice);
    // The second device runs without the identity key.
    const store = new MemoryStorageAdapter();
    const revocations = await StoredRevocations.load(store);
    const ingestor = new Ingestor(store, new EntryVerifier({ revocations }));
    const peer = await Peer.open({
      store,
      identity: alice.identity,
      device: d.session,
      pipeline: ingestor,
      clock,
    });
    const devices = await DeviceAuthority.open({
      store,
      device: d.session,
      identity: null,
      writer: peer,
      stored: ingestor,
      revocations,
      clock,
    });

    clock.advance(CERTIFICATE_LIFETIME_MS - WARN_BEFORE_MS + DAY);
    expect(devices.status()).toEqual({
      expiresAt: start + CERTIFICATE_LIFETIME_MS,
      canRenew: false,
      expiringSoon: true,
    });
    expect(await devices.renewDue()).toBe(0);

    expect(await alice.devices.renewDue()).toBe(2);
    expect(alice.devices.status().expiringSoon).toBe(false);
    await ingestor.ingest(await logsOf(alice.store, alice.identity.personId));
    await expect.poll(() => devices.status().expiringSoon).toBe(false);
    expect(devices.status().expiresAt).toBe(clock.now() + CERTIFICATE_LIFETIME_MS);
    await peer.setProfile({ name: 'Alice on her phone' });
    const own = await store.getDocEntries(alice.identity.personId, docIdOf({ kind: 'profile' }));
    expect(decodeEntry(own.at(-1)!.bytes).certificate.bytes).toEqual(devices.current().bytes);
  });

  it('does not take up a certificate record another identity signed', async () => {
    const clock = new ManualClock(1_750_000_000_000);
    const alice = await person(clock);
    const mallory = await createIdentity({ clock });
    const forged = await issueDeviceCertificate(
      { ...mallory.identity, publicKey: alice.identity.publicKey },
      {
        deviceKey: alice.device.key.publicKey,
        role: 'device',
        issuedAt: clock.now(),
        expiresAt: clock.now() + 10 * CERTIFICATE_LIFETIME_MS,
      },
    );
    await alice.peer.appendRecord(
      { kind: 'certificate', device: alice.device.key.deviceId },
      forged.bytes,
    );
    await alice.peer.settled();
    expect(alice.devices.current().bytes).toEqual(alice.device.certificate.bytes);
    const restarted = await openNode({ ...alice, clock });
    expect(restarted.devices.current().bytes).toEqual(alice.device.certificate.bytes);
  });
});
