/**
 * Test helper: the invite keys of an identity whose keys never moved on (generation 0), for
 * tests of the invite flow that run without a peer.
 */
import { publishEncryptionKey } from '../identity/encryption-key-record.ts';
import type { Identity } from '../identity/keys.ts';
import type { InviteKeys } from './invite-keys.ts';

/** `identity`'s original keys as {@link InviteKeys}. */
export function originalInviteKeys(identity: Identity): InviteKeys {
  return {
    record: (now) => publishEncryptionKey(identity, now),
    opening: () => [
      { publicKey: identity.encryptionPublicKey, privateKey: identity.encryptionPrivateKey },
    ],
  };
}
