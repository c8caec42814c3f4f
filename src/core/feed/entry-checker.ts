/**
 * The expensive half of verifying entries: decoding untrusted bytes and checking the device's
 * signature and the certificate's. It needs no state of the replica (revocations, what is held),
 * so it can run anywhere: inline (`InlineEntryChecker`: Node, tests, the memory store) or in Web
 * Workers (`WorkerEntryChecker`), off the page's main thread, where WebCrypto's Ed25519 `verify`
 * would otherwise run synchronously. `EntryVerifier` adds the checks that need the replica's
 * state (who the certificate names, role, expiry, revocation) to what a checker returns.
 *
 * Results are plain data, so they cross a worker boundary by structured clone: a decode error
 * travels as its fields and is rebuilt as `EntryDecodeError` on the other side.
 */
import { toBase64Url } from '../bytes.ts';
import { verifyDeviceCertificate, type DeviceCertificate } from '../identity/device-certificate.ts';
import { BoundedCache } from '../identity/bounded-cache.ts';
import { RecordError, signingInput } from '../identity/signed-record.ts';
import { defaultVerifier, type Ed25519Verifier } from '../identity/verifier.ts';
import {
  EntryDecodeError,
  decodeAnyEntry,
  entryDomain,
  type AnyEntry,
  type EntryDecodeReason,
  type EntryField,
} from './entry-codec.ts';

/** Why a decoded entry's signatures do not hold. */
export interface SignatureFailure {
  /** `bad-certificate`: the certificate's signature; `bad-signature`: the entry's. */
  readonly reason: 'bad-certificate' | 'bad-signature';
  /** Finer cause from the verifier or the certificate decoder. */
  readonly detail: string | undefined;
}

/** A decode error as plain data. */
export interface DecodeFailure {
  readonly reason: EntryDecodeReason;
  readonly field: EntryField;
  readonly message: string;
}

/** What a checker found of one entry's bytes. */
export type EntryCheckOutcome =
  | { readonly kind: 'decoded'; readonly entry: AnyEntry; readonly failure?: SignatureFailure }
  | { readonly kind: 'undecodable'; readonly failure: DecodeFailure };

/** Decodes entries and checks their signatures; one outcome per input, in order. */
export interface EntryChecker {
  check(list: readonly Uint8Array[]): Promise<EntryCheckOutcome[]>;
}

/** The `EntryDecodeError` a `DecodeFailure` describes. */
export function decodeErrorOf(failure: DecodeFailure): EntryDecodeError {
  const error = new EntryDecodeError(failure.reason, failure.field);
  error.message = failure.message;
  return error;
}

/**
 * Each decoded certificate's cache key, its bytes as text. The decoder hands every entry of a
 * device the same certificate object, so the text is built once per certificate, not per entry.
 */
const certificateKeys = new WeakMap<DeviceCertificate, string>();

function certificateKey(certificate: DeviceCertificate): string {
  let key = certificateKeys.get(certificate);
  if (key === undefined) {
    key = toBase64Url(certificate.bytes);
    certificateKeys.set(certificate, key);
  }
  return key;
}

/** Options of `InlineEntryChecker`. */
export interface InlineEntryCheckerOptions {
  /** The Ed25519 verifier; default the shared one. */
  readonly ed25519?: Ed25519Verifier;
  /** Verified certificates remembered; default 1024. */
  readonly certificateCacheSize?: number;
}

/**
 * Checks on the calling thread. Each entry carries its certificate, so a certificate is checked
 * once and then remembered (bounded cache keyed by its bytes): a run of 10,000 entries of one
 * device costs 10,001 signature checks, not 20,000.
 */
export class InlineEntryChecker implements EntryChecker {
  private readonly ed25519: Ed25519Verifier;
  private readonly certificates: BoundedCache<string, true>;

  /** A checker with its own certificate cache. */
  constructor(options: InlineEntryCheckerOptions = {}) {
    this.ed25519 = options.ed25519 ?? defaultVerifier;
    this.certificates = new BoundedCache(options.certificateCacheSize ?? 1024);
  }

  /** See `EntryChecker`. */
  async check(list: readonly Uint8Array[]): Promise<EntryCheckOutcome[]> {
    const outcomes = new Array<EntryCheckOutcome>(list.length);
    const decoded: { index: number; entry: AnyEntry; certKey: string }[] = [];
    list.forEach((bytes, index) => {
      try {
        const entry = decodeAnyEntry(bytes);
        decoded.push({ index, entry, certKey: certificateKey(entry.certificate) });
      } catch (err) {
        if (!(err instanceof EntryDecodeError)) throw err;
        outcomes[index] = {
          kind: 'undecodable',
          failure: { reason: err.reason, field: err.field, message: err.message },
        };
      }
    });
    const certsToCheck = new Map<string, Uint8Array>();
    for (const { entry, certKey } of decoded) {
      if (!this.certificates.get(certKey)) certsToCheck.set(certKey, entry.certificate.bytes);
    }
    const certKeys = [...certsToCheck.keys()];
    const [entryResults, certResults] = await Promise.all([
      this.ed25519.verifyMany(
        decoded.map(({ entry }) => ({
          publicKey: entry.deviceKey,
          message: signingInput(entryDomain(entry.version), entry.body),
          signature: entry.signature,
        })),
      ),
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
    decoded.forEach(({ index, entry, certKey }, i) => {
      const certError = badCerts.get(certKey);
      const sig = entryResults[i]!;
      const failure: SignatureFailure | undefined = certError
        ? { reason: 'bad-certificate', detail: certError.detail ?? certError.reason }
        : sig.ok
          ? undefined
          : { reason: 'bad-signature', detail: sig.reason };
      outcomes[index] = failure ? { kind: 'decoded', entry, failure } : { kind: 'decoded', entry };
    });
    return outcomes;
  }
}
