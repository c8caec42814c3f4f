/**
 * Signing and verifying entries.
 *
 * An entry is valid when: it decodes (`entry-codec.ts`); its certificate is signed by the
 * entry's author and names the entry's device; the certificate has role `device` (a `relay`,
 * a home peer holding no content key, authors nothing); the entry's timestamp is within the
 * certificate's validity; the device is not revoked for that entry (`identity/revocation.ts`);
 * and the device key's signature over the version's domain ("kith/entry/v1" or "kith/entry/v2")
 * 0x00 || body holds. A v2 entry verifies with or without its payload (its signature covers
 * the payload's hash, which decoding has already compared with a payload that is present). Whether it fits the
 * log already held is `log-chain.ts`'s question.
 *
 * Revocations travel as entries too: a lookup that learns them from entries (`learnFrom`) sees
 * each batch before its entries are judged, so a revocation and the revoked device's later
 * entries arriving in one batch are refused in the right order. A revocation record proves
 * itself (the identity key signed it), so learning it from a not-yet-verified carrier is safe.
 *
 * Each entry carries its certificate, so a certificate is checked once and then remembered
 * (bounded cache keyed by its bytes): a run of 10,000 entries of one device costs 10,001
 * signature checks, not 20,000.
 */
import { toBase64Url } from '../bytes.ts';
import { isCertificateExpiredAt, verifyDeviceCertificate } from '../identity/device-certificate.ts';
import type { DeviceSession } from '../identity/device-setup.ts';
import { signEd25519 } from '../identity/keys.ts';
import { isRevokedFor, type RevocationLookup } from '../identity/revocation.ts';
import { BoundedCache } from '../identity/bounded-cache.ts';
import { RecordError, signingInput } from '../identity/signed-record.ts';
import type { Ed25519Verifier } from '../identity/verifier.ts';
import { defaultVerifier, type VerifyItem } from '../identity/verifier.ts';
import {
  ENTRY_VERSION,
  EntryDecodeError,
  decodeAnyEntry,
  decodeEntry,
  encodeEntryBody,
  encodeSignedEntry,
  entryDomain,
  type AnyEntry,
  type Entry,
  type EntryFields,
  type EntryVersion,
} from './entry-codec.ts';

/** Why a well-formed entry is not valid. */
export type EntryVerifyReason =
  | 'bad-signature'
  | 'bad-certificate'
  | 'certificate-person-mismatch'
  | 'certificate-device-mismatch'
  | 'certificate-expired'
  | 'relay-cannot-author'
  | 'device-revoked';

/** Thrown (or returned by `verifyMany`) when an entry fails verification. */
export class EntryVerifyError extends Error {
  override readonly name = 'EntryVerifyError';
  /** Machine-readable cause. */
  readonly reason: EntryVerifyReason;
  /** Finer cause from the verifier, e.g. `non-canonical-s`. */
  readonly detail: string | undefined;

  constructor(reason: EntryVerifyReason, detail?: string) {
    super(`entry: ${reason}${detail ? ` (${detail})` : ''}`);
    this.reason = reason;
    this.detail = detail;
  }
}

/** An entry (with or without its payload) whose signature and certificate have been checked. */
export type VerifiedEntry = AnyEntry & { readonly verified: true };

/** A verified entry that holds its payload (what a signer produces). */
export type VerifiedFullEntry = Entry & { readonly verified: true };

/** Either a verified entry or the typed error that refused it. */
export type EntryCheck = VerifiedEntry | EntryDecodeError | EntryVerifyError;

/** Revocations that are themselves carried by entries: each batch is shown to them first. */
export interface LearningRevocations extends RevocationLookup {
  /** Learns the revocations `entries` carry (decoded, not yet verified). */
  learnFrom(entries: readonly AnyEntry[]): Promise<void>;
}

/** Options of `EntryVerifier`. */
export interface EntryVerifierOptions {
  /** The Ed25519 verifier; default the shared one. */
  ed25519?: Ed25519Verifier;
  /** Revocations to honour; default none. */
  revocations?: RevocationLookup | LearningRevocations;
  /** Verified certificates remembered; default 1024. */
  certificateCacheSize?: number;
}

/**
 * Signs a new entry with a device's key. Returns the entry as a verifier would decode it.
 * `version` 1 is for tests and test vectors of entries written before v2.
 */
export async function signEntry(
  device: Pick<DeviceSession, 'key' | 'certificate'>,
  fields: EntryFields,
  version: EntryVersion = ENTRY_VERSION,
): Promise<VerifiedFullEntry> {
  const body = encodeEntryBody(
    fields,
    device.certificate.personKey,
    device.key.publicKey,
    device.certificate.bytes,
    version,
  );
  const signature = await signEd25519(
    device.key.keyPair.privateKey,
    signingInput(entryDomain(version), body),
  );
  return { ...decodeEntry(encodeSignedEntry(body, signature, fields.payload)), verified: true };
}

/** Verifies entries: structure, certificate, role, revocation, signature. */
export class EntryVerifier {
  private readonly ed25519: Ed25519Verifier;
  private readonly revocations: RevocationLookup | LearningRevocations | undefined;
  private readonly certificates: BoundedCache<string, true>;

  /** A verifier with its own certificate cache. */
  constructor(options: EntryVerifierOptions = {}) {
    this.ed25519 = options.ed25519 ?? defaultVerifier;
    this.revocations = options.revocations;
    this.certificates = new BoundedCache(options.certificateCacheSize ?? 1024);
  }

  /** Verifies one entry; throws `EntryDecodeError` or `EntryVerifyError`. */
  async verify(bytes: Uint8Array): Promise<VerifiedEntry> {
    const [result] = await this.verifyMany([bytes]);
    if (result instanceof Error) throw result;
    return result!;
  }

  /**
   * Verifies many entries at once, all signatures in flight together; one result per input,
   * in order, never throwing for bad input.
   */
  async verifyMany(list: readonly Uint8Array[]): Promise<EntryCheck[]> {
    const results: EntryCheck[] = new Array(list.length);
    const wellFormed: { index: number; entry: AnyEntry }[] = [];
    list.forEach((bytes, index) => {
      try {
        wellFormed.push({ index, entry: decodeAnyEntry(bytes) });
      } catch (err) {
        if (!(err instanceof EntryDecodeError)) throw err;
        results[index] = err;
      }
    });
    if (this.revocations && 'learnFrom' in this.revocations) {
      await this.revocations.learnFrom(wellFormed.map(({ entry }) => entry));
    }
    const decoded = wellFormed.filter(({ index, entry }) => {
      const refusal = this.checkStatic(entry);
      if (refusal) results[index] = refusal;
      return !refusal;
    });

    const certsToCheck = new Map<string, Uint8Array>();
    for (const { entry } of decoded) {
      const key = toBase64Url(entry.certificate.bytes);
      if (!this.certificates.get(key)) certsToCheck.set(key, entry.certificate.bytes);
    }
    const certKeys = [...certsToCheck.keys()];
    const items: VerifyItem[] = decoded.map(({ entry }) => ({
      publicKey: entry.deviceKey,
      message: signingInput(entryDomain(entry.version), entry.body),
      signature: entry.signature,
    }));
    const [entryResults, certResults] = await Promise.all([
      this.ed25519.verifyMany(items),
      Promise.all(
        certKeys.map((k) =>
          verifyDeviceCertificate(certsToCheck.get(k)!, this.ed25519).then(
            () => undefined,
            (err: unknown) => {
              if (err instanceof RecordError) return err;
              throw err;
            },
          ),
        ),
      ),
    ]);
    const badCerts = new Map<string, RecordError>();
    certKeys.forEach((k, i) => {
      const err = certResults[i];
      if (err) badCerts.set(k, err);
      else this.certificates.set(k, true);
    });

    decoded.forEach(({ index, entry }, i) => {
      const certError = badCerts.get(toBase64Url(entry.certificate.bytes));
      const sig = entryResults[i]!;
      if (certError)
        results[index] = new EntryVerifyError(
          'bad-certificate',
          certError.detail ?? certError.reason,
        );
      else if (!sig.ok) results[index] = new EntryVerifyError('bad-signature', sig.reason);
      else results[index] = { ...entry, verified: true };
    });
    return results;
  }

  /** Checks that need no signature: who the certificate names, role, expiry, revocation. */
  private checkStatic(entry: AnyEntry): EntryVerifyError | undefined {
    const cert = entry.certificate;
    if (cert.person !== entry.author) return new EntryVerifyError('certificate-person-mismatch');
    if (cert.device !== entry.device) return new EntryVerifyError('certificate-device-mismatch');
    if (cert.role !== 'device') return new EntryVerifyError('relay-cannot-author');
    if (isCertificateExpiredAt(cert, entry.timestamp))
      return new EntryVerifyError('certificate-expired');
    const revocation = this.revocations?.revocationOf(entry.author, entry.device);
    if (revocation && isRevokedFor(revocation, entry))
      return new EntryVerifyError('device-revoked');
    return undefined;
  }
}
