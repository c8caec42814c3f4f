import { describe, expect, it } from 'vitest';
import { SymmetricKey } from '../crypto/aead.ts';
import { epochKind } from './epoch.ts';
import { epochWait } from './payload.ts';
import { docIdOf, parseDocRef } from './registry.ts';
import { entryOf, expectRefused, kindsPerson, recordingViews } from './test-kinds.ts';

describe('epoch kind', () => {
  it('round-trips epoch numbers and refuses malformed ones', () => {
    for (const epoch of [0, 12, 2 ** 31 - 1]) {
      expect(parseDocRef(docIdOf({ kind: 'epoch', epoch }))).toEqual({ kind: 'epoch', epoch });
    }
    expectRefused(['epoch', 'epoch/-1', 'epoch/01', 'epoch/2147483648', 'epoch/1/2', 'epoch/x']);
  });

  it('a record this device opens releases what waited for its key; a malformed one releases nothing', async () => {
    const ada = await kindsPerson(1);
    const ref = { kind: 'epoch', epoch: 4 } as const;
    const record = await entryOf(ada, epochKind.format(ref), {
      payloadKind: 'key-record',
      payload: new Uint8Array([1, 2, 3]),
    });
    const key = await SymmetricKey.generate();
    const writers: string[] = [];
    const opening = recordingViews(ada.id, {
      learnEpoch: async (_author, device) => {
        writers.push(device);
        return key;
      },
    });
    await epochKind.take(record, ref, opening.views, record);
    expect(opening.calls.released).toEqual([epochWait(ada.id, 4)]);
    // The key is learnt as the writing device's record of the epoch (devices may rotate at once).
    expect(writers).toEqual([record.device]);

    const broken = recordingViews(ada.id, {
      learnEpoch: async () => {
        throw new Error('malformed record');
      },
    });
    await epochKind.take(record, ref, broken.views, record);
    expect(broken.calls.released).toEqual([]);

    // Only key records are records of an epoch: a doc update under its id is not read at all.
    const update = await entryOf(ada, epochKind.format(ref), {
      payloadKind: 'yjs-update',
      payload: new Uint8Array([1]),
    });
    await epochKind.take(update, ref, opening.views, update);
    expect(opening.calls.released).toHaveLength(1);
  });
});
