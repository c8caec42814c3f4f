/**
 * `lists`: the lists of friends a person keeps (`docs/list-book.ts`), readable by their own
 * devices only, like the friend list (`own-devices-doc.ts`). Their epoch records, which hand each
 * list's keys to its members, are the `list/<listId>/<epoch>` kind (`audience-list.ts`). Read
 * where lists are used (`peer/audiences.ts`): no view.
 */
import { LIST_BOOK_ROOT } from '../docs/list-book.ts';
import { ownDevicesDoc } from './own-devices-doc.ts';

/** The list book (one per person). */
export interface ListsRef {
  readonly kind: 'lists';
}

/** The `lists` kind. Keyed by list id (at most 50); the writer bounds the whole state. */
export const listsKind = ownDevicesDoc({
  kind: 'lists',
  what: 'lists',
  root: LIST_BOOK_ROOT,
  maxBytes: 1024 * 1024,
  maxEntries: 100_000,
});
