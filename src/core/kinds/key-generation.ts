/**
 * `key-generation/<g>`: the record of generation g of a person's encryption key and self key
 * (`crypto/key-generation-record.ts`), written by the identity device when a device is removed.
 * A record kind with no view: the peer reads it before the batch it comes in is materialized
 * (`peer/key-generations.ts`), so that epoch records of the same batch, sealed to the new key,
 * open. Ranked before everything for the same reason.
 */
import { MAX_KEY_GENERATION } from '../identity/keys.ts';
import { parseDocId } from '../ids.ts';
import { DocRefError, expectFields, field, type RecordKind } from './kind.ts';

/** One key generation doc of a person (generation 0 is the original key: it has none). */
export interface KeyGenerationRef {
  readonly kind: 'key-generation';
  readonly generation: number;
}

/** The `key-generation` kind. */
export const keyGenerationKind: RecordKind<KeyGenerationRef> = {
  kind: 'key-generation',
  shape: 'record',
  rank: -1,
  format: (ref) => parseDocId(`key-generation/${ref.generation}`),
  parse(fields) {
    expectFields('key-generation', fields, 1);
    const text = field(fields, 0);
    const generation = Number(text);
    if (!/^[1-9][0-9]{0,6}$/.test(text) || generation > MAX_KEY_GENERATION) {
      throw new DocRefError(`bad key generation ${JSON.stringify(text)}`);
    }
    return { kind: 'key-generation', generation };
  },
  take: async () => undefined,
};
