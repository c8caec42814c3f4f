/**
 * End-to-end encryption of signaling payloads between two parties who share a secret (friends:
 * their pairwise rendezvous secret; an inviter and an invitee: the invite's one-time secret).
 * The signaling server and every other subscriber of the topic see only
 * `{v: 1, box: base64url}`: a box of a size rounded up to 256 bytes, under a key they lack.
 *
 *   key = HKDF-SHA256(ikm = secret, salt = "kith/signaling-key/v1",
 *                     info = domain("kith/signaling-key/<purpose>"), 32)
 *   aad = domain("kith/signaling/v1", topic, sender tag, receiver tag)
 *   plaintext = JSON {t: sentAt ms, p: payload}, padded with spaces to a multiple of 256 bytes
 *
 * The tags (each party's identity public key, or a role name when one party is not yet known)
 * are authenticated but never sent: a message only opens for the direction it was sealed for, so
 * the server echoing a sender's own message back to it, or replaying it the other way, fails to
 * open. `sentAt` bounds replays of old messages to the freshness window.
 */
import { BytesFormatError, fromBase64Url, toBase64Url, utf8 } from '../bytes.ts';
import { DecryptError, SymmetricKey } from '../crypto/aead.ts';
import { domain, hkdf } from '../crypto/kdf.ts';
import { TOPIC_SECRET_BYTES, type TopicPurpose } from './topics.ts';

/** Envelope version in `{v, box}`. */
export const SIGNAL_ENVELOPE_VERSION = 1;
/** Plaintexts are padded to a multiple of this, so sizes reveal little of what is inside. */
export const SIGNAL_PAD_BYTES = 256;
/** Largest box accepted (base64url characters): well under the server's 64 KiB frames. */
export const MAX_SIGNAL_BOX_CHARS = 48 * 1024;
/** How far `sentAt` may lie in the past or the future before a message counts as stale. */
export const SIGNAL_FRESHNESS_MS = 10 * 60 * 1000;

/** What is published on the topic. */
export interface SignalEnvelope {
  readonly v: number;
  readonly box: string;
}

/** Why a signaling payload was refused. */
export type SignalRefusal = 'malformed' | 'too-large' | 'auth-failed' | 'stale';

/** Thrown by {@link SignalingCipher.open} for a payload that is not a fresh message to us. */
export class SignalingCryptoError extends Error {
  override readonly name = 'SignalingCryptoError';
  constructor(readonly reason: SignalRefusal) {
    super(`signaling payload refused: ${reason}`);
  }
}

/** Type guard for the published envelope shape (before any decryption). */
export function isSignalEnvelope(value: unknown): value is SignalEnvelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { v, box } = value as Record<string, unknown>;
  return v === SIGNAL_ENVELOPE_VERSION && typeof box === 'string';
}

/** Who sends to whom: opaque tags authenticated with each message, never sent. */
export interface SignalDirection {
  readonly from: Uint8Array;
  readonly to: Uint8Array;
}

function aad(topic: string, direction: SignalDirection): Uint8Array {
  return domain('kith/signaling/v1', utf8(topic), direction.from, direction.to);
}

function pad(text: string): Uint8Array {
  const bytes = utf8(text);
  const length = Math.ceil((bytes.length + 1) / SIGNAL_PAD_BYTES) * SIGNAL_PAD_BYTES;
  const out = new Uint8Array(length).fill(0x20);
  out.set(bytes);
  return out;
}

/** Seals and opens signaling payloads for the holders of one shared secret. */
export class SignalingCipher {
  private constructor(private readonly key: SymmetricKey) {}

  /** The cipher of `secret` (32 bytes) for `purpose`. */
  static async fromSecret(secret: Uint8Array, purpose: TopicPurpose): Promise<SignalingCipher> {
    if (secret.length !== TOPIC_SECRET_BYTES) {
      throw new RangeError(`a signaling secret is ${TOPIC_SECRET_BYTES} bytes`);
    }
    const raw = await hkdf(
      secret,
      utf8('kith/signaling-key/v1'),
      domain(`kith/signaling-key/${purpose}`),
    );
    return new SignalingCipher(await SymmetricKey.fromRaw(raw));
  }

  /** Seals a JSON-serializable `payload` for `topic` in `direction`, stamped with `now`. */
  async seal(
    topic: string,
    direction: SignalDirection,
    payload: unknown,
    now: number,
  ): Promise<SignalEnvelope> {
    const plain = pad(JSON.stringify({ t: now, p: payload }));
    const box = await this.key.encrypt(plain, aad(topic, direction));
    return { v: SIGNAL_ENVELOPE_VERSION, box: toBase64Url(box) };
  }

  /**
   * Opens what was published on `topic` as a message in `direction`, fresh at `now`. Returns
   * the payload, still untrusted JSON for the caller to validate; throws
   * {@link SignalingCryptoError}.
   */
  async open(
    topic: string,
    direction: SignalDirection,
    data: unknown,
    now: number,
  ): Promise<unknown> {
    if (!isSignalEnvelope(data)) throw new SignalingCryptoError('malformed');
    if (data.box.length > MAX_SIGNAL_BOX_CHARS) throw new SignalingCryptoError('too-large');
    let plain: Uint8Array;
    try {
      plain = await this.key.decrypt(fromBase64Url(data.box), aad(topic, direction));
    } catch (error) {
      if (error instanceof DecryptError) {
        throw new SignalingCryptoError(
          error.reason === 'auth-failed' ? 'auth-failed' : 'malformed',
        );
      }
      if (error instanceof BytesFormatError) {
        throw new SignalingCryptoError('malformed');
      }
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plain));
    } catch {
      // Only a holder of the key could have sealed this: a bug or a hostile friend, not noise.
      throw new SignalingCryptoError('malformed');
    }
    if (typeof parsed !== 'object' || parsed === null) throw new SignalingCryptoError('malformed');
    const { t, p } = parsed as Record<string, unknown>;
    if (typeof t !== 'number' || !Number.isFinite(t)) throw new SignalingCryptoError('malformed');
    if (Math.abs(now - t) > SIGNAL_FRESHNESS_MS) throw new SignalingCryptoError('stale');
    return p;
  }
}
