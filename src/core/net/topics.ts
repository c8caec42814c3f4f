/**
 * Signaling topics. A topic is what two parties subscribe to on a signaling server to find each
 * other; the server, and anyone else subscribed, sees it in clear. So a topic is never a name, a
 * key or an id: it is HKDF output from a secret only the two parties hold, labelled by purpose,
 * so the same secret gives unrelated topics (and unrelated encryption keys, see
 * `signaling-crypto.ts`) for different purposes.
 *
 *   topic = base64url(HKDF-SHA256(ikm = secret, salt = "kith/topic/v1",
 *                                 info = domain("kith/topic/<purpose>", window?), 24 bytes))
 *
 * 24 bytes give 32 base64url characters: far below the server's 128-character topic limit, and
 * far beyond guessing. An optional time `window` (e.g. `floor(now / day)`) rotates a topic so a
 * long-lived observer of the server cannot link a pair's meetings across windows; callers that
 * rotate subscribe to the current and the next window around the boundary.
 */
import { toBase64Url, utf8 } from '../bytes.ts';
import { domain, hkdf } from '../crypto/kdf.ts';

/** What a topic is for; each purpose gives an unrelated topic from the same secret. */
export type TopicPurpose = 'pairwise' | 'invite' | 'link' | 'relay';

/** Length of every shared secret a topic is derived from. */
export const TOPIC_SECRET_BYTES = 32;
/** Bytes of HKDF output behind a topic (32 base64url characters). */
export const TOPIC_BYTES = 24;
const TOPIC_SALT = 'kith/topic/v1';

function windowBytes(window: number): Uint8Array {
  if (!Number.isSafeInteger(window) || window < 0) {
    throw new RangeError(`a topic window is a non-negative integer, not ${window}`);
  }
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(window));
  return out;
}

/**
 * The topic two holders of `secret` meet on for `purpose`, optionally in time `window`
 * (see the module doc). Throws `RangeError` for a secret of the wrong length.
 */
export async function deriveTopic(
  secret: Uint8Array,
  purpose: TopicPurpose,
  window?: number,
): Promise<string> {
  if (secret.length !== TOPIC_SECRET_BYTES) {
    throw new RangeError(`a topic secret is ${TOPIC_SECRET_BYTES} bytes, not ${secret.length}`);
  }
  const info =
    window === undefined
      ? domain(`kith/topic/${purpose}`)
      : domain(`kith/topic/${purpose}`, windowBytes(window));
  return toBase64Url(await hkdf(secret, utf8(TOPIC_SALT), info, TOPIC_BYTES));
}

/** The rotation window `now` falls in, for windows of `windowMs` milliseconds. */
export function topicWindow(now: number, windowMs: number): number {
  if (!(windowMs > 0)) throw new RangeError('a topic window lasts a positive time');
  return Math.floor(now / windowMs);
}
