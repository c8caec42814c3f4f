/**
 * The keys a device reads and writes as its person with. The device that holds the identity has
 * them all from the seed (`Identity`); a linked device (`core/link/*`) holds no seed, only what
 * it was handed: the person's current X25519 encryption key and self key. It signs with its own
 * certified device key, as every device does, and can certify, renew or revoke nothing.
 */
import { personIdToKey, type PersonId } from '../ids.ts';
import { x25519KeyFromSeed, type Identity } from './keys.ts';

/** A linked device's keys (module doc). */
export interface LinkedKeys {
  readonly personId: PersonId;
  /** The person's 32-byte identity public key (certificates are checked against it). */
  readonly publicKey: Uint8Array;
  /** The person's current X25519 encryption key. */
  readonly encryptionPublicKey: Uint8Array;
  readonly encryptionPrivateKey: CryptoKey;
  /** The raw current self key (what only the person's own devices read). */
  readonly selfKey: Uint8Array;
  /** Which generation of the person's keys these are (0: the original). */
  readonly generation: number;
  /**
   * The secret later generations are handed to this device with
   * (`crypto/key-generation-record.ts`); `null` on a device linked before there were any.
   */
  readonly deviceSecret: Uint8Array | null;
  /** Seeds of the person's X25519 keys of earlier generations (opening what was sealed to them). */
  readonly earlier: readonly Uint8Array[];
}

/** What a reading device reads with: the whole identity, or a linked device's keys. */
export type ReadingKeys = Identity | LinkedKeys;

/** What a linked device was handed: the person's keys of one generation, and its secret. */
export interface HandedGeneration {
  /** The seed of the person's X25519 key of that generation. */
  readonly encryptionSeed: Uint8Array;
  readonly selfKey: Uint8Array;
  readonly generation: number;
  readonly deviceSecret: Uint8Array | null;
  readonly earlier: readonly Uint8Array[];
}

/** A linked device's keys from what it was handed. */
export async function linkedKeys(
  person: PersonId,
  { encryptionSeed, selfKey, generation, deviceSecret, earlier }: HandedGeneration,
): Promise<LinkedKeys> {
  const encryption = await x25519KeyFromSeed(encryptionSeed);
  return {
    personId: person,
    publicKey: personIdToKey(person),
    encryptionPublicKey: encryption.publicKey,
    encryptionPrivateKey: encryption.privateKey,
    selfKey,
    generation,
    deviceSecret,
    earlier,
  };
}
