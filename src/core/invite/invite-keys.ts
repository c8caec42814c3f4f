/**
 * The person's encryption key as invites hand it out and open with (docs/devices.md "Removing a
 * device"): the current generation's, never the original one once the keys moved on, so a
 * friend made after a device removal seals to a key the removed device does not hold.
 */
import type { EncryptionKeyRecord } from '../identity/encryption-key-record.ts';
import type { X25519KeyPair } from '../crypto/seal.ts';

/** What an invite, an accept and the desk that opens accepts need of the person's keys. */
export interface InviteKeys {
  /** The signed record of the current generation's X25519 key, issued at `now`. */
  record(now: number): Promise<EncryptionKeyRecord>;
  /**
   * The key pairs an accept may be sealed to, the current generation's first: an invite made
   * before the keys moved on is still accepted.
   */
  opening(): readonly X25519KeyPair[];
}
