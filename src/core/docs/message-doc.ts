/**
 * The schema of a message doc (`kinds/message.ts`): one Yjs map `message` of plain values, one
 * doc per message, in its writer's own log. Writers set fields; readers validate every field (a
 * member may be buggy or hostile) and get `null` for a doc that is not a message.
 */
import type * as Y from 'yjs';
import { isPhotoRef, isTime, type PhotoRef } from './post-doc.ts';
import { captureChange } from './yjs-change.ts';

/** Longest message, in UTF-16 code units (the composer shows what is left of it). */
export const MAX_MESSAGE_LENGTH = 4_000;
/** Most photos in one message. */
export const MAX_MESSAGE_PHOTOS = 4;

/** A message as its doc holds it. */
export interface MessageContent {
  readonly text: string;
  /** Its photos: blobs sealed under the conversation's epoch key (none when withdrawn). */
  readonly photos: readonly PhotoRef[];
  readonly createdAt: number;
  /** Withdrawn by its writer: its text is gone from the doc. */
  readonly deleted: boolean;
}

/** A message write that breaks a limit (too long, empty). */
export class MessageContentError extends Error {
  override readonly name = 'MessageContentError';
}

/** Why `text` (with `photos` photos) cannot be sent, or `null` when it can. */
export function messageTextProblem(text: string, photos = 0): string | null {
  if (!text.trim() && photos === 0) return 'a message cannot be empty';
  if (photos > MAX_MESSAGE_PHOTOS) {
    return `a message holds at most ${MAX_MESSAGE_PHOTOS} photos, not ${photos}`;
  }
  if (text.length > MAX_MESSAGE_LENGTH) {
    return `a message has at most ${MAX_MESSAGE_LENGTH} characters, not ${text.length}`;
  }
  return null;
}

/** Writes a new message into an empty doc; throws {@link MessageContentError}. */
export function writeMessage(
  doc: Y.Doc,
  text: string,
  createdAt: number,
  photos: readonly PhotoRef[] = [],
): Uint8Array | null {
  const problem = messageTextProblem(text, photos.length);
  if (problem) throw new MessageContentError(problem);
  if (!photos.every(isPhotoRef)) throw new MessageContentError('malformed photo reference');
  return captureChange(doc, () => {
    const map = doc.getMap('message');
    map.set('text', text);
    // Written only when there are some: a message without photos stays as before.
    if (photos.length > 0)
      map.set(
        'photos',
        photos.map((p) => ({ ...p })),
      );
    map.set('createdAt', createdAt);
    map.set('deleted', false);
  });
}

/** Withdraws a message: its text leaves the doc, the doc says it was deleted. */
export function writeMessageDeletion(doc: Y.Doc): Uint8Array | null {
  return captureChange(doc, () => {
    const map = doc.getMap('message');
    if (map.get('text') !== '') map.set('text', '');
    if (map.has('photos')) map.delete('photos');
    if (map.get('deleted') !== true) map.set('deleted', true);
  });
}

/** Reads a message doc, or `null` when it is not a well-formed message. */
export function readMessage(doc: Y.Doc): MessageContent | null {
  const map = doc.getMap('message');
  const text = map.get('text');
  const createdAt = map.get('createdAt');
  const deleted = map.get('deleted');
  const photos = map.has('photos') ? map.get('photos') : [];
  if (typeof text !== 'string' || text.length > MAX_MESSAGE_LENGTH) return null;
  if (!isTime(createdAt) || typeof deleted !== 'boolean') return null;
  if (!Array.isArray(photos) || photos.length > MAX_MESSAGE_PHOTOS) return null;
  if (!photos.every(isPhotoRef)) return null;
  if (!deleted && !text.trim() && photos.length === 0) return null;
  return { text, photos, createdAt, deleted };
}
