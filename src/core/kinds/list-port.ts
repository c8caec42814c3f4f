/**
 * What the `list` and `post` kinds ask of the device's list keys (`peer/list-keys.ts`): learn a
 * list epoch from its record, and the list keys held of an author, to open a post sealed for one
 * of their lists. A port, so the kinds import nothing of `core/peer`.
 */
import type { SymmetricKey } from '../crypto/aead.ts';
import type { ListId } from '../docs/audience.ts';
import type { PersonId } from '../ids.ts';

/** The list keys of one device. */
export interface ListKeyPort {
  /**
   * Opens the record `device` of `author` wrote for `epoch` of their list `list`: the key, or
   * `null` when it holds no box for this person (or is not opened here: only one's own and
   * friends' records are). Throws `KeyRecordError` for a malformed record.
   */
  learn(
    author: PersonId,
    device: string,
    list: ListId,
    epoch: number,
    record: Uint8Array,
  ): Promise<SymmetricKey | null>;
  /** Every list key held of `author`'s lists, newest learnt first. */
  keysOf(author: PersonId): Promise<readonly SymmetricKey[]>;
}

/** A device in no list (kind tests). */
export const NO_LISTS: ListKeyPort = {
  learn: async () => null,
  keysOf: async () => [],
};
