/**
 * A channel over signaling between two devices that share a secret (a device link, a home peer's
 * relay channel): a topic and a cipher both derived from the secret for one purpose, so the
 * server and other subscribers see neither who talks nor what is said.
 */
import type { Clock } from '../clock.ts';
import { createLogger } from '../log.ts';
import type { Signaling } from './signaling-client.ts';
import { SignalingCipher, SignalingCryptoError, type SignalDirection } from './signaling-crypto.ts';
import { deriveTopic, type TopicPurpose } from './topics.ts';

const log = createLogger('kith:sealed-channel');

/** The topic and cipher of one shared secret and purpose. */
export interface SealedChannel {
  readonly topic: string;
  readonly cipher: SignalingCipher;
}

export async function openSealedChannel(
  secret: Uint8Array,
  purpose: TopicPurpose,
): Promise<SealedChannel> {
  return {
    topic: await deriveTopic(secret, purpose),
    cipher: await SignalingCipher.fromSecret(secret, purpose),
  };
}

/**
 * What `data` holds when sealed for `direction` on `channel`, or `null` for what is not for us
 * (our own echo, something sealed for another channel). Other errors are thrown.
 */
export async function openSealed(
  channel: SealedChannel,
  direction: SignalDirection,
  data: unknown,
  clock: Clock,
): Promise<unknown> {
  try {
    return await channel.cipher.open(channel.topic, direction, data, clock.now());
  } catch (error) {
    if (error instanceof SignalingCryptoError) return null;
    throw error;
  }
}

/**
 * Seals `message` for `direction` and publishes it; a failure is logged with `what` (each
 * channel's protocol resends what matters).
 */
export function publishSealed(
  signaling: Signaling,
  channel: SealedChannel,
  direction: SignalDirection,
  message: unknown,
  clock: Clock,
  what: string,
): void {
  channel.cipher
    .seal(channel.topic, direction, message, clock.now())
    .then((sealed) => signaling.publish(channel.topic, sealed))
    .catch((error: unknown) => log.warn(`could not publish ${what}`, { error: String(error) }));
}
