/**
 * The one Ed25519 verifier of Kith. Every signature in the core (entries, certificates,
 * revocations, key records) is checked here: first the strictness checks of
 * `ed25519-checks.ts`, identical everywhere, then WebCrypto's `verify`, with many calls in
 * flight because engines verify much faster concurrently (design guide section 3).
 */
import { asBufferSource, toBase64Url } from '../bytes.ts';
import { BoundedCache } from './bounded-cache.ts';
import { precheckSignature, type Ed25519RejectReason } from './ed25519-checks.ts';

/** One signature to check. */
export interface VerifyItem {
  /** 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  /** The exact bytes that were signed. */
  message: Uint8Array;
  /** 64-byte signature. */
  signature: Uint8Array;
}

/** Outcome of one verification. */
export type VerifyResult =
  { ok: true } | { ok: false; reason: Ed25519RejectReason | 'bad-signature' | 'invalid-key' };

/** Options of `Ed25519Verifier`. */
export interface VerifierOptions {
  /** Imported public keys kept (LRU). Default 1024. */
  keyCacheSize?: number;
  /** Most WebCrypto calls in flight in one `verifyMany`. Default 128. */
  maxInFlight?: number;
}

const ED25519 = { name: 'Ed25519' } as const;

/** Verifies Ed25519 signatures through WebCrypto after Kith's strictness checks. */
export class Ed25519Verifier {
  private readonly keys: BoundedCache<string, Promise<CryptoKey | undefined>>;
  private readonly maxInFlight: number;

  /** A verifier with its own key cache. */
  constructor(options: VerifierOptions = {}) {
    this.keys = new BoundedCache(options.keyCacheSize ?? 1024);
    this.maxInFlight = options.maxInFlight ?? 128;
  }

  /** Verifies one signature. Never throws for bad input; the result says why it failed. */
  async verify(item: VerifyItem): Promise<VerifyResult> {
    const reason = precheckSignature(item.publicKey, item.signature);
    if (reason) return { ok: false, reason };
    const key = await this.importKey(item.publicKey);
    if (!key) return { ok: false, reason: 'invalid-key' };
    let valid: boolean;
    try {
      valid = await globalThis.crypto.subtle.verify(
        ED25519,
        key,
        asBufferSource(item.signature),
        asBufferSource(item.message),
      );
    } catch {
      // Engines throw rather than return false for some undecodable R values.
      valid = false;
    }
    return valid ? { ok: true } : { ok: false, reason: 'bad-signature' };
  }

  /**
   * Verifies many signatures concurrently (at most `maxInFlight` at once), results in input
   * order.
   */
  async verifyMany(items: readonly VerifyItem[]): Promise<VerifyResult[]> {
    const results = new Array<VerifyResult>(items.length);
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await this.verify(items[i]!);
      }
    };
    const workers = Array.from({ length: Math.min(this.maxInFlight, items.length) }, worker);
    await Promise.all(workers);
    return results;
  }

  private importKey(publicKey: Uint8Array): Promise<CryptoKey | undefined> {
    const cacheKey = toBase64Url(publicKey);
    let pending = this.keys.get(cacheKey);
    if (!pending) {
      pending = globalThis.crypto.subtle
        .importKey('raw', asBufferSource(publicKey), ED25519, false, ['verify'])
        .then(
          (key): CryptoKey | undefined => key,
          // A 32-byte string that is no curve point: the key is unusable, not our bug.
          () => undefined,
        );
      this.keys.set(cacheKey, pending);
    }
    return pending;
  }
}

/** A shared verifier for code that has no reason to own one. */
export const defaultVerifier = new Ed25519Verifier();
