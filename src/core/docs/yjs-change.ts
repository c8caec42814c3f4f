/**
 * The bridge between a local change to a Yjs doc and the signed entry that carries it: run the
 * change in one transaction and capture exactly the update it produced (its structs and its
 * deletions), nothing of what the doc already held.
 */
import * as Y from 'yjs';

/**
 * Applies `change` to `doc` in one transaction and returns the update it made, or `null` when it
 * changed nothing (so no empty entry is ever signed).
 */
export function captureChange(doc: Y.Doc, change: () => void): Uint8Array | null {
  let update: Uint8Array | null = null;
  const listener = (u: Uint8Array, origin: unknown) => {
    if (origin === LOCAL) update = u;
  };
  doc.on('update', listener);
  try {
    doc.transact(change, LOCAL);
  } finally {
    doc.off('update', listener);
  }
  return update;
}

const LOCAL = Symbol('kith-local-change');

/** Why a received update was not applied. */
export class UpdateApplyError extends Error {
  override readonly name = 'UpdateApplyError';
}

/**
 * Applies an update that came from the doc's owner (the caller has verified the signature).
 * Yjs throws on some malformed bytes; that becomes a typed error and the doc is left as it was
 * as far as Yjs allows (it validates before integrating).
 */
export function applyOwnerUpdate(doc: Y.Doc, update: Uint8Array): void {
  try {
    Y.applyUpdate(doc, update, REMOTE);
  } catch (error) {
    throw new UpdateApplyError(`malformed Yjs update: ${(error as Error).message}`);
  }
}

const REMOTE = Symbol('kith-owner-update');

/**
 * Makes the doc object for one (owner, doc) on this device. Each device writes with its own
 * random client id, never reused (design section 3).
 */
export function newDoc(clientId: number): Y.Doc {
  // A guid only names subdocs, which Kith docs never hold (their caps refuse them); a fixed one
  // spares the random uuid drawn otherwise, most of what making a small doc costs.
  const doc = new Y.Doc({ gc: true, guid: 'kith' });
  doc.clientID = clientId;
  return doc;
}

/**
 * A minimal edit turning `from` into `to` (common prefix and suffix kept), so that edits of
 * one text on two devices merge instead of one replacing the other.
 */
export function replaceText(text: Y.Text, to: string): void {
  const from = text.toString();
  if (from === to) return;
  let start = 0;
  while (start < from.length && start < to.length && from[start] === to[start]) start++;
  let end = 0;
  while (
    end < from.length - start &&
    end < to.length - start &&
    from[from.length - 1 - end] === to[to.length - 1 - end]
  ) {
    end++;
  }
  // Never split a surrogate pair: back off to the pair's edge on both sides.
  if (start > 0 && isHighSurrogate(from.charCodeAt(start - 1))) start--;
  if (end > 0 && isHighSurrogate(from.charCodeAt(from.length - 1 - end))) end--;
  const removed = from.length - start - end;
  if (removed > 0) text.delete(start, removed);
  const inserted = to.slice(start, to.length - end);
  if (inserted) text.insert(start, inserted);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
