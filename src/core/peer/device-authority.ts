/**
 * What the identity key does for a person's devices, and how each device follows it.
 *
 * On the device that holds the identity key: it certifies devices and relays, keeps the list of
 * the certificates it issued (`identity/issued-certificates`, latest per device), renews every
 * one of them when fewer than `RENEW_BEFORE_MS` remain (at start and daily, `keepRenewed`), and
 * revokes a device. Renewals and revocations are records signed by the identity key, written to
 * this device's log (`certificate/<device>`, `revocations`), so they reach every replica.
 *
 * On every device: the newest certificate of its own key found in its person's logs is the one
 * it signs with (picked up at start and as records arrive), so a renewal made elsewhere reaches
 * it with sync. A device that cannot renew itself (no identity key) reports, through `status`,
 * when its certificate nears its expiry.
 */
import type { Clock } from '../clock.ts';
import { docIdOf, type DocRef } from '../kinds/registry.ts';
import { decodeEntry, entryHasPayload } from '../feed/entry-codec.ts';
import {
  CERTIFICATE_LIFETIME_MS,
  certificateExpiry,
  decodeDeviceCertificate,
  issueDeviceCertificate,
  verifyDeviceCertificate,
  type DeviceCertificate,
  type DeviceRole,
} from '../identity/device-certificate.ts';
import type { DeviceSession } from '../identity/device-setup.ts';
import type { Identity } from '../identity/keys.ts';
import { issueDeviceRevocation, type DeviceRevocation } from '../identity/revocation.ts';
import { RecordError } from '../identity/signed-record.ts';
import { defaultVerifier, type Ed25519Verifier } from '../identity/verifier.ts';
import { deviceIdToKey, type DeviceId } from '../ids.ts';
import { createLogger } from '../log.ts';
import {
  RENEW_BEFORE_MS,
  RENEW_CHECK_INTERVAL_MS,
  WARN_BEFORE_MS,
} from '../identity/renewal-windows.ts';
import type { LogStore, StoredEntry } from '../store/storage-adapter.ts';
import type { StoredEntrySource, StoredRevocations } from './stored-revocations.ts';

const log = createLogger('kith:devices');

const ISSUED_KEY = 'identity/issued-certificates';

/** Where this device writes records and which certificate it signs with: the `Peer`. */
export interface RecordWriter {
  appendRecord(ref: DocRef, record: Uint8Array): Promise<void>;
  useCertificate(certificate: DeviceCertificate): void;
}

/** This device's certificate, for the UI. */
export interface CertificateStatus {
  /** The last time it covers, ms since epoch. */
  readonly expiresAt: number;
  /** Whether this device holds the identity key (and so renews its own certificate). */
  readonly canRenew: boolean;
  /** Fewer than `WARN_BEFORE_MS` remain (or none): say so, and offer the recovery phrase. */
  readonly expiringSoon: boolean;
}

/** What a `DeviceAuthority` works with. */
export interface DeviceAuthorityOptions {
  readonly store: LogStore;
  /** This device's key and the certificate it starts with. */
  readonly device: DeviceSession;
  /** The identity key, on the device that holds it; `null` on a device that does not. */
  readonly identity: Identity | null;
  readonly writer: RecordWriter;
  /** Newly stored entries (renewed certificates of this device arrive there). */
  readonly stored: StoredEntrySource;
  readonly revocations: StoredRevocations;
  readonly clock: Clock;
  readonly ed25519?: Ed25519Verifier;
}

/** An operation only the device holding the identity key can do. */
export class NoIdentityKeyError extends Error {
  override readonly name = 'NoIdentityKeyError';
}

/** Certifies, renews and revokes devices (identity device); follows renewals (every device). */
export class DeviceAuthority {
  private certificate: DeviceCertificate;
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribe: () => void;
  private adopting: Promise<unknown> = Promise.resolve();
  /** Renewals, certifications and revocations take turns on the list of issued certificates. */
  private issuing: Promise<unknown> = Promise.resolve();

  private constructor(private readonly options: DeviceAuthorityOptions) {
    this.certificate = options.device.certificate;
    this.unsubscribe = options.stored.onStored((entries) => {
      this.adopting = this.adopting
        .then(() => this.adoptFrom(entries))
        .catch((error: unknown) => {
          log.error('could not read a renewed certificate', { error: String(error) });
        });
    });
  }

  /** Starts: picks up the newest certificate held for this device, then renews what is due. */
  static async open(options: DeviceAuthorityOptions): Promise<DeviceAuthority> {
    const authority = new DeviceAuthority(options);
    const ref: DocRef = { kind: 'certificate', device: options.device.key.deviceId };
    const me = options.device.certificate.person;
    await authority.adoptFrom(await options.store.getDocEntries(me, docIdOf(ref)));
    if (options.identity) {
      const issued = await authority.issued();
      if (!issued.some((c) => c.device === authority.certificate.device)) {
        await authority.saveIssued([...issued, authority.certificate]);
      }
      await authority.renewDue();
    }
    return authority;
  }

  /** The certificate this device signs with. */
  current(): DeviceCertificate {
    return this.certificate;
  }

  /** This device's certificate state (see `CertificateStatus`). */
  status(): CertificateStatus {
    const expiresAt = certificateExpiry(this.certificate);
    return {
      expiresAt,
      canRenew: this.options.identity !== null,
      expiringSoon: expiresAt - this.options.clock.now() < WARN_BEFORE_MS,
    };
  }

  /** Calls `listener` when this device's certificate changes. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops following stored entries. */
  close(): void {
    this.unsubscribe();
  }

  /** Renews due certificates now and every `intervalMs`; returns the stop function. */
  keepRenewed(intervalMs = RENEW_CHECK_INTERVAL_MS): () => void {
    const timer = setInterval(() => {
      this.renewDue().catch((error: unknown) => {
        log.error('could not renew certificates', { error: String(error) });
      });
    }, intervalMs);
    return () => clearInterval(timer);
  }

  /**
   * Renews every issued certificate with fewer than `RENEW_BEFORE_MS` left; returns how many.
   * Does nothing on a device without the identity key.
   */
  async renewDue(): Promise<number> {
    const identity = this.options.identity;
    if (!identity) return 0;
    return this.exclusive(() => this.renew(identity));
  }

  private async renew(identity: Identity): Promise<number> {
    const now = this.options.clock.now();
    const issued = await this.issued();
    const renewed = await Promise.all(
      issued.map(async (old) =>
        certificateExpiry(old) - now < RENEW_BEFORE_MS
          ? issueDeviceCertificate(identity, {
              deviceKey: old.deviceKey,
              role: old.role,
              issuedAt: now,
              expiresAt: now + CERTIFICATE_LIFETIME_MS,
            })
          : old,
      ),
    );
    const fresh = renewed.filter((c, i) => c !== issued[i]);
    if (fresh.length === 0) return 0;
    await this.saveIssued(renewed);
    for (const certificate of fresh) {
      // Its own renewal is used at once: the record itself may be written after the old expiry.
      if (certificate.device === this.certificate.device) this.adopt(certificate);
      await this.options.writer.appendRecord(
        { kind: 'certificate', device: certificate.device },
        certificate.bytes,
      );
    }
    return fresh.length;
  }

  /** Certifies another device or relay of this person, and publishes the certificate. */
  async certifyDevice(deviceKey: Uint8Array, role: DeviceRole): Promise<DeviceCertificate> {
    const identity = this.requireIdentity();
    return this.exclusive(() => this.certify(identity, deviceKey, role));
  }

  private async certify(
    identity: Identity,
    deviceKey: Uint8Array,
    role: DeviceRole,
  ): Promise<DeviceCertificate> {
    const now = this.options.clock.now();
    const certificate = await issueDeviceCertificate(identity, {
      deviceKey,
      role,
      issuedAt: now,
      expiresAt: now + CERTIFICATE_LIFETIME_MS,
    });
    const others = (await this.issued()).filter((c) => c.device !== certificate.device);
    await this.saveIssued([...others, certificate]);
    await this.options.writer.appendRecord(
      { kind: 'certificate', device: certificate.device },
      certificate.bytes,
    );
    return certificate;
  }

  /**
   * Revokes another device of this person: its entries after the last one this replica holds
   * are refused everywhere the revocation reaches (by seq: a thief cannot backdate a seq), and
   * its certificate is no longer renewed. A device without the identity key passes the identity
   * its person's recovery phrase gave (`identityFromPhraseOf`).
   */
  async revokeDevice(device: DeviceId, identity?: Identity): Promise<DeviceRevocation> {
    identity ??= this.requireIdentity();
    if (identity.personId !== this.certificate.person) throw new RangeError('not this person');
    if (device === this.certificate.device) throw new RangeError('a device cannot revoke itself');
    return this.exclusive(() => this.revoke(identity, device));
  }

  private async revoke(identity: Identity, device: DeviceId): Promise<DeviceRevocation> {
    const held = await this.options.store.heldRanges(identity.personId, device);
    const revocation = await issueDeviceRevocation(identity, {
      deviceKey: deviceIdToKey(device),
      revokedAt: this.options.clock.now(),
      lastValidSeq: held.at(-1)?.end,
    });
    this.options.revocations.add(revocation);
    await this.saveIssued((await this.issued()).filter((c) => c.device !== device));
    await this.options.writer.appendRecord({ kind: 'revocations' }, revocation.bytes);
    return revocation;
  }

  /**
   * The person's other devices that read (role `device`, not revoked here): those a move to the
   * next key generation hands the new keys to. Identity device only.
   */
  async linkedDevices(): Promise<DeviceId[]> {
    this.requireIdentity();
    const issued = await this.issued();
    return issued
      .filter((c) => c.role === 'device' && c.device !== this.certificate.device)
      .map((c) => c.device);
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const next = this.issuing.then(task);
    this.issuing = next.catch(() => undefined);
    return next;
  }

  private requireIdentity(): Identity {
    if (!this.options.identity) throw new NoIdentityKeyError('the identity key is not here');
    return this.options.identity;
  }

  /** Adopts the newest valid certificate of this device among `entries`. */
  private async adoptFrom(entries: readonly StoredEntry[]): Promise<void> {
    const me = this.certificate.person;
    const docId = docIdOf({ kind: 'certificate', device: this.certificate.device });
    for (const stored of entries) {
      // An entry relayed without its payload (entries v2) holds no certificate to adopt.
      if (stored.author !== me || stored.docId !== docId || !entryHasPayload(stored.bytes))
        continue;
      const entry = decodeEntry(stored.bytes);
      if (entry.payloadKind !== 'key-record') continue;
      const certificate = await verifyDeviceCertificate(
        entry.payload,
        this.options.ed25519 ?? defaultVerifier,
      ).catch((error: unknown) => {
        if (error instanceof RecordError) return undefined;
        throw error;
      });
      if (
        certificate &&
        certificate.person === me &&
        certificate.device === this.certificate.device &&
        certificate.role === this.certificate.role
      ) {
        this.adopt(certificate);
      } else {
        log.warn('a certificate record refused', { seq: stored.seq });
      }
    }
  }

  /** Signs with `certificate` from now on, if it reaches further than the current one. */
  private adopt(certificate: DeviceCertificate): void {
    if (certificateExpiry(certificate) <= certificateExpiry(this.certificate)) return;
    this.certificate = certificate;
    this.options.writer.useCertificate(certificate);
    for (const listener of this.listeners) listener();
  }

  private async issued(): Promise<DeviceCertificate[]> {
    const saved = await this.options.store.getSetting(ISSUED_KEY);
    if (!Array.isArray(saved)) return [];
    return saved
      .filter((bytes): bytes is Uint8Array => bytes instanceof Uint8Array)
      .map((bytes) => decodeDeviceCertificate(bytes).certificate);
  }

  private async saveIssued(certificates: readonly DeviceCertificate[]): Promise<void> {
    await this.options.store.setSetting(
      ISSUED_KEY,
      certificates.map((c) => c.bytes),
    );
  }
}
