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
 * Decoding and the signature checks are an `EntryChecker`'s (`entry-checker.ts`): inline, or in
 * Web Workers off the page's main thread; this class adds the checks that need the replica's
 * state, so a revoked device's entries are refused the same wherever the signatures were checked.
 */
import { isCertificateExpiredAt } from '../identity/device-certificate.ts';
import type { DeviceSession } from '../identity/device-setup.ts';
import { signEd25519 } from '../identity/keys.ts';
import { signingInput } from '../identity/signed-record.ts';
import { isRevokedFor, type RevocationLookup } from '../identity/revocation.ts';
import {
  InlineEntryChecker,
  decodeErrorOf,
  type EntryChecker,
  type SignatureFailure,
} from './entry-checker.ts';
import {
  ENTRY_VERSION,
  type EntryDecodeError,
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
  /** Decodes and checks signatures; default an `InlineEntryChecker` on this thread. */
  checker?: EntryChecker;
  /** Revocations to honour; default none. */
  revocations?: RevocationLookup | LearningRevocations;
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
  private readonly checker: EntryChecker;
  private readonly revocations: RevocationLookup | LearningRevocations | undefined;
  /** Settles once every batch handed to `verifyMany` so far has taught its revocations. */
  private learnt: Promise<void> = Promise.resolve();

  /** A verifier over `options.checker` (default: inline, with its own certificate cache). */
  constructor(options: EntryVerifierOptions = {}) {
    this.checker = options.checker ?? new InlineEntryChecker();
    this.revocations = options.revocations;
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
    // Batches are checked side by side (a sync's pins, carrying a revocation, and the next
    // message, carrying the revoked device's later entries), and either check may end first. So
    // each batch takes its turn, in the order the batches came, before anything is awaited, and
    // is judged only once the batches before it have taught their revocations.
    const learning = this.revocations && 'learnFrom' in this.revocations ? this.revocations : null;
    const before = this.learnt;
    let taught = (): void => undefined;
    if (learning) this.learnt = new Promise((resolve) => (taught = resolve));
    const results: EntryCheck[] = new Array(list.length);
    const decoded: { index: number; entry: AnyEntry; failure?: SignatureFailure }[] = [];
    try {
      const outcomes = await this.checker.check(list);
      outcomes.forEach((outcome, index) => {
        if (outcome.kind === 'undecodable') results[index] = decodeErrorOf(outcome.failure);
        else decoded.push({ index, entry: outcome.entry, failure: outcome.failure });
      });
      if (learning) {
        await before;
        await learning.learnFrom(decoded.map(({ entry }) => entry));
      }
    } finally {
      taught();
    }
    // The checks that need this replica's state come first: a revoked device's entry is refused
    // as revoked whatever its signatures.
    for (const { index, entry, failure } of decoded) {
      const refusal = this.checkStatic(entry);
      if (refusal) results[index] = refusal;
      else if (failure) results[index] = new EntryVerifyError(failure.reason, failure.detail);
      else results[index] = { ...entry, verified: true };
    }
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
