/**
 * `epoch/<n>`: a person's friends-epoch key record for epoch n, the key sealed to each friend
 * and to the person's own devices (`crypto/key-set.ts`; version 1 records `crypto/audience.ts`).
 * A record kind: each entry is one key record, learnt as its writing device's record of the
 * epoch (devices that rotate at once each write one). Opening it may let entries that waited for
 * this epoch's key open.
 */
import { parseDocId } from '../ids.ts';
import { createLogger } from '../log.ts';
import { DocRefError, expectFields, field, type RecordKind } from './kind.ts';
import { epochWait } from './payload.ts';

const log = createLogger('kith:views');

/** Epoch numbers stay below this (a doc id never names a larger one). */
const MAX_EPOCH = 2 ** 31;

/** One epoch record doc of a person. */
export interface EpochRef {
  readonly kind: 'epoch';
  readonly epoch: number;
}

/** The `epoch` kind. */
export const epochKind: RecordKind<EpochRef> = {
  kind: 'epoch',
  shape: 'record',
  rank: 0,
  format: (ref) => parseDocId(`epoch/${ref.epoch}`),
  parse(fields) {
    expectFields('epoch', fields, 1);
    const text = field(fields, 0);
    const epoch = Number(text);
    if (!/^(0|[1-9][0-9]{0,9})$/.test(text) || epoch >= MAX_EPOCH) {
      throw new DocRefError(`bad epoch ${JSON.stringify(text)}`);
    }
    return { kind: 'epoch', epoch };
  },
  async take(entry, ref, views) {
    if (entry.payloadKind !== 'key-record') return;
    const key = await views
      .learnEpoch(entry.author, entry.device, ref.epoch, entry.payload)
      .catch((error: unknown) => {
        log.warn('malformed epoch record', { author: entry.author, error: String(error) });
        return null;
      });
    if (key) await views.release(epochWait(entry.author, ref.epoch));
  },
};
