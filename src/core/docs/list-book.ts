/**
 * The lists of friends a person keeps ("Close friends", issue 28), one Yjs map of list id to the
 * list's name, members, current epoch and key, in the `lists` doc (`kinds/lists.ts`) that only
 * the person's own devices read: every device of the person posts to a list and edits it, not
 * only the one that made it. Each write carries the doc's whole state (so an entry read alone,
 * under a new self key, holds every list), and the state is bounded: a change that would pass
 * {@link MAX_LIST_BOOK_CHARS} is refused.
 */
import type * as Y from 'yjs';
import { fromBase64Url, toBase64Url } from '../bytes.ts';
import { parsePersonId, type PersonId } from '../ids.ts';
import { asListId, type ListId } from './audience.ts';
import { isTime } from './post-doc.ts';
import { captureChange } from './yjs-change.ts';

/** The map's name, the doc's one root. */
export const LIST_BOOK_ROOT = 'lists';

/**
 * Most characters of the lists as kept (their JSON): each write signs the whole state, which
 * must stay within one entry's payload bound (255 KiB) with room for Yjs's own bytes. About
 * 3,500 memberships in all.
 */
export const MAX_LIST_BOOK_CHARS = 160_000;

/** A list as the person's devices keep it: with its current epoch and that epoch's key. */
export interface KeptList {
  readonly id: ListId;
  readonly name: string;
  readonly members: readonly PersonId[];
  readonly epoch: number;
  readonly key: Uint8Array;
  /** When the list was made (lists show in that order). */
  readonly made: number;
}

/** The value one list is kept as in the map. */
interface ListValue {
  readonly name: string;
  readonly members: readonly string[];
  readonly epoch: number;
  readonly key: string;
  readonly made: number;
}

function valueOf(list: KeptList): ListValue {
  return {
    name: list.name,
    members: [...list.members],
    epoch: list.epoch,
    key: toBase64Url(list.key),
    made: list.made,
  };
}

/**
 * Makes the doc hold exactly `lists` (written, changed or gone). Throws a `RangeError` before
 * changing anything when they would pass {@link MAX_LIST_BOOK_CHARS}. Returns the update, or
 * `null` when nothing changed.
 */
export function writeListBook(doc: Y.Doc, lists: readonly KeptList[]): Uint8Array | null {
  const values = new Map(lists.map((list) => [list.id as string, valueOf(list)]));
  if (JSON.stringify([...values]).length > MAX_LIST_BOOK_CHARS) {
    throw new RangeError('the lists would be too large to keep');
  }
  return captureChange(doc, () => {
    const map = doc.getMap(LIST_BOOK_ROOT);
    for (const id of [...map.keys()]) if (!values.has(id)) map.delete(id);
    for (const [id, value] of values) {
      if (JSON.stringify(map.get(id)) !== JSON.stringify(value)) map.set(id, value);
    }
  });
}

/** Every valid list the doc holds, in the order they were made; anything else is skipped. */
export function readListBook(doc: Y.Doc): KeptList[] {
  const out: KeptList[] = [];
  doc.getMap(LIST_BOOK_ROOT).forEach((value, id) => {
    const list = parseList(id, value);
    if (list) out.push(list);
  });
  return out.sort((a, b) => a.made - b.made || a.id.localeCompare(b.id));
}

function parseList(id: string, value: unknown): KeptList | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  try {
    if (typeof v.name !== 'string' || v.name.length === 0 || v.name.length > 60) return null;
    if (!Array.isArray(v.members) || !isTime(v.made)) return null;
    if (!Number.isSafeInteger(v.epoch) || (v.epoch as number) < 0) return null;
    const key = fromBase64Url(String(v.key));
    if (key.length !== 32) return null;
    const listId = asListId(id);
    if (!listId) return null;
    const members = v.members.map((m) => parsePersonId(String(m)));
    return { id: listId, name: v.name, members, epoch: v.epoch as number, key, made: v.made };
  } catch {
    return null;
  }
}
