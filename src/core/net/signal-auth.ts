/**
 * Device-authenticated signaling messages. The pairwise box (`signaling-crypto.ts`) proves a
 * message comes from one of the friend's devices, since all of them hold the pairwise secret;
 * it cannot tell which. So each message the connection manager sends is also signed by the
 * sending device's own key, and carries that key's certificate from the person's identity key:
 *
 *   inside the box: {a: body JSON text, c: certificate base64url, g: signature base64url}
 *   signature = Ed25519(device key, "kith/signal/v1" 0x00 || recipient person key (32) || a)
 *
 * The receiver checks the certificate against the friend's person key (cached once verified),
 * its expiry, the signature, and that the body's device `d` is the certified one. A friend's
 * other device (a lost laptop still holding the pairwise secret, a relay) therefore cannot speak
 * for this one: it cannot say goodbye for it, offer in its name or spend its budget. Binding the
 * recipient keeps a signed message from being re-sealed towards another friend.
 *
 * The port {@link DeviceSigner} is all a sender needs (a relay device can run it too).
 */
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from '../bytes.ts';
import {
  isCertificateExpiredAt,
  verifyDeviceCertificate,
  type DeviceCertificate,
} from '../identity/device-certificate.ts';
import type { DeviceSession } from '../identity/device-setup.ts';
import { BoundedCache } from '../identity/bounded-cache.ts';
import { signEd25519 } from '../identity/keys.ts';
import type { RevocationLookup } from '../identity/revocation.ts';
import { signingInput } from '../identity/signed-record.ts';
import type { Ed25519Verifier } from '../identity/verifier.ts';
import type { PersonId } from '../ids.ts';
import { createLogger } from '../log.ts';

const log = createLogger('net:signal-auth');

/** Domain string of signed signaling messages. */
export const DOMAIN_SIGNAL = 'kith/signal/v1';
/** Largest body text accepted (an offer's SDP is the largest body). */
const MAX_BODY_CHARS = 40 * 1024;
/** Certificates remembered as verified. */
const CERTIFICATE_CACHE = 1024;

/** What signs this device's signaling messages: its certified key, behind a port. */
export interface DeviceSigner {
  /** This device's certificate from its person's identity key (says who signs). */
  readonly certificate: DeviceCertificate;
  /** Signs `message` with the certified device key. */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/**
 * The signer of a device started with `device-setup.ts`. `certificate` gives the newest one held
 * (a renewal replaces it while the page runs); by default the session's own.
 */
export function deviceSigner(
  session: DeviceSession,
  certificate: () => DeviceCertificate = () => session.certificate,
): DeviceSigner {
  return {
    get certificate() {
      return certificate();
    },
    sign: (message) => signEd25519(session.key.keyPair.privateKey, message),
  };
}

/** A signed message as it goes inside the pairwise box. */
export interface SignedSignal {
  readonly a: string;
  readonly c: string;
  readonly g: string;
}

/** Why a signed message was refused. */
export type SignalAuthRefusal =
  | 'malformed'
  | 'bad-certificate'
  | 'wrong-person'
  | 'expired'
  | 'revoked'
  | 'wrong-device'
  | 'bad-signature';

function signedBytes(recipientKey: Uint8Array, text: string): Uint8Array {
  return signingInput(DOMAIN_SIGNAL, concatBytes(recipientKey, utf8(text)));
}

/** Signs `body` (a JSON object naming the sender's device as `d`) for `recipientKey`. */
export async function signSignal(
  signer: DeviceSigner,
  recipientKey: Uint8Array,
  body: Record<string, unknown>,
): Promise<SignedSignal> {
  const a = JSON.stringify(body);
  const signature = await signer.sign(signedBytes(recipientKey, a));
  return { a, c: toBase64Url(signer.certificate.bytes), g: toBase64Url(signature) };
}

/** Checks signed messages from friends; remembers the certificates it verified. */
export class SignalAuthenticator {
  private readonly certificates = new BoundedCache<string, Promise<DeviceCertificate | undefined>>(
    CERTIFICATE_CACHE,
  );

  /**
   * An authenticator verifying with `verifier`; a device its person revoked (`revocations`) is
   * refused, whatever its certificate says: a lost phone cannot connect to friends.
   */
  constructor(
    private readonly verifier: Ed25519Verifier,
    private readonly revocations?: RevocationLookup,
  ) {}

  /**
   * Opens `value` (what was inside the box) from a device of `sender` to `recipientKey`, at
   * `now`: the body, still untrusted JSON to validate, with the certificate that vouches for
   * its `d`; or why it was refused.
   */
  async open(
    value: unknown,
    sender: PersonId,
    recipientKey: Uint8Array,
    now: number,
  ): Promise<
    | { ok: true; body: Record<string, unknown>; certificate: DeviceCertificate }
    | { ok: false; reason: SignalAuthRefusal }
  > {
    if (typeof value !== 'object' || value === null) return { ok: false, reason: 'malformed' };
    const { a, c, g } = value as Record<string, unknown>;
    if (typeof a !== 'string' || typeof c !== 'string' || typeof g !== 'string') {
      return { ok: false, reason: 'malformed' };
    }
    if (a.length > MAX_BODY_CHARS || c.length > 256 || g.length > 128) {
      return { ok: false, reason: 'malformed' };
    }
    const certificate = await this.certificate(c);
    if (!certificate) return { ok: false, reason: 'bad-certificate' };
    if (certificate.person !== sender) return { ok: false, reason: 'wrong-person' };
    if (isCertificateExpiredAt(certificate, now)) return { ok: false, reason: 'expired' };
    if (this.revocations?.revocationOf(certificate.person, certificate.device)) {
      return { ok: false, reason: 'revoked' };
    }
    let body: unknown;
    let signature: Uint8Array;
    try {
      signature = fromBase64Url(g);
      body = JSON.parse(a);
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return { ok: false, reason: 'malformed' };
    }
    const fields = body as Record<string, unknown>;
    if (fields.d !== certificate.device) return { ok: false, reason: 'wrong-device' };
    const result = await this.verifier.verify({
      publicKey: certificate.deviceKey,
      message: signedBytes(recipientKey, a),
      signature,
    });
    if (!result.ok) return { ok: false, reason: 'bad-signature' };
    return { ok: true, body: fields, certificate };
  }

  /** The verified certificate encoded as `text`, or undefined when it does not verify. */
  private certificate(text: string): Promise<DeviceCertificate | undefined> {
    let known = this.certificates.get(text);
    if (!known) {
      known = (async () => {
        try {
          return await verifyDeviceCertificate(fromBase64Url(text), this.verifier);
        } catch (error) {
          // Not base64url, not a certificate, or not signed by the key it names: refused.
          log.debug('refused a device certificate', { error: String(error) });
          return undefined;
        }
      })();
      this.certificates.set(text, known);
    }
    return known;
  }
}
