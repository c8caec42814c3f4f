/**
 * The secret a person's own devices meet by: their pairwise topic with themselves, as friends
 * meet on the secret of their invite. Derived from the identity seed, so every device that holds
 * the seed knows it without storing it; a device without the seed (a relay) is handed it
 * (`core/relay-handover.ts`). Who speaks there is proven by device certificates, as between
 * friends, and a revoked device is refused.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8 } from '../bytes.ts';
import { SEED_BYTES, type Identity } from './keys.ts';

/** HKDF salt of the own-devices secret. */
export const OWN_DEVICES_HKDF_SALT = 'kith/own-devices/v1';

/** The 32-byte secret `identity`'s devices meet by. */
export function ownDevicesSecret(identity: Identity): Uint8Array {
  return hkdf(sha256, identity.seed, utf8(OWN_DEVICES_HKDF_SALT), utf8('rendezvous'), SEED_BYTES);
}
