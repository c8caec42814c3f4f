/**
 * `list/<listId>/<epoch>`: one epoch of a named list of friends its author keeps ("Close
 * friends", issue 28). A record kind: each entry is a key-set record v2 (`crypto/key-set.ts`,
 * set `list:<listId>`) handing the list's epoch key to each member and to the author's own
 * devices, with no names and padded to a size class, so a relay learns that the author has a
 * list and how often it changed, not who is in it. Every change of a list's members is a new
 * epoch with a fresh key: a member added reads only posts written afterwards, one removed reads
 * nothing new. Learning a key lets list posts that waited open (`post.ts`).
 */
import { KeyRecordError } from '../crypto/audience.ts';
import { asListId, type ListId } from '../docs/audience.ts';
import { parseDocId, type PersonId } from '../ids.ts';
import { createLogger } from '../log.ts';
import { DocRefError, expectFields, field, type RecordKind } from './kind.ts';

const log = createLogger('kith:views');

/** Epoch numbers of a list stay below this. */
const MAX_LIST_EPOCH = 2 ** 31;

/** One epoch record of a list its author keeps. */
export interface ListRef {
  readonly kind: 'list';
  readonly list: ListId;
  readonly epoch: number;
}

/** Name of the key a list post waits for: any new list key of its author. */
export function listWait(author: PersonId): string {
  return `list:${author}`;
}

/** The `list` kind. */
export const listKind: RecordKind<ListRef> = {
  kind: 'list',
  shape: 'record',
  rank: 0,
  format: (ref) => parseDocId(`list/${ref.list}/${ref.epoch}`),
  parse(fields) {
    expectFields('list', fields, 2);
    const list = asListId(field(fields, 0));
    if (!list) throw new DocRefError(`bad list id ${JSON.stringify(field(fields, 0))}`);
    const text = field(fields, 1);
    const epoch = Number(text);
    if (!/^(0|[1-9][0-9]{0,9})$/.test(text) || epoch >= MAX_LIST_EPOCH) {
      throw new DocRefError(`bad list epoch ${JSON.stringify(text)}`);
    }
    return { kind: 'list', list, epoch };
  },
  async take(entry, ref, views) {
    if (entry.payloadKind !== 'key-record') return;
    const key = await views.lists
      .learn(entry.author, entry.device, ref.list, ref.epoch, entry.payload)
      .catch((error: unknown) => {
        if (!(error instanceof KeyRecordError)) throw error;
        log.warn('malformed list record', { author: entry.author, error: error.message });
        return null;
      });
    if (key) await views.release(listWait(entry.author));
  },
};
