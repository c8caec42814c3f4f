/**
 * `lists`: the lists of friends a person keeps (`docs/list-book.ts`), readable by their own
 * devices only, like the friend list. Their epoch records, which hand each list's keys to its
 * members, are the `list/<listId>/<epoch>` kind (`audience-list.ts`).
 */
import { LIST_BOOK_ROOT } from '../docs/list-book.ts';
import { parseDocId } from '../ids.ts';
import { expectFields, type DocKind } from './kind.ts';
import { ownDevicesOnly } from './payload.ts';

/** The list book (one per person). */
export interface ListsRef {
  readonly kind: 'lists';
}

/** The `lists` kind. */
export const listsKind: DocKind<ListsRef> = {
  kind: 'lists',
  shape: 'doc',
  rank: 1,
  // Keyed by list id (at most 50 lists); the writer bounds the whole state (`list-book.ts`).
  caps: { maxBytes: 1024 * 1024, maxEntries: 100_000, root: LIST_BOOK_ROOT, fields: 'any' },
  format: () => parseDocId('lists'),
  parse(fields) {
    expectFields('lists', fields, 0);
    return { kind: 'lists' };
  },
  ...ownDevicesOnly((ref: ListsRef) => listsKind.format(ref), 'lists'),
  // Read when lists are used (`peer/audiences.ts`): no view.
  async view() {},
};
