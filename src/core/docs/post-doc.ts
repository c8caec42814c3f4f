/**
 * The schema of a post doc: one Yjs doc per post, written only by its author's devices.
 *
 *   map "post": text (Y.Text), photos (array of PhotoRef), audience, createdAt, editedAt?, deleted,
 *               mentions? (array of PersonId)
 *
 * Readers never trust the shape: a friend's client may be buggy or hostile, so {@link readPost}
 * validates every field and caps every size, and returns `null` for a doc that is not a post.
 */
import * as Y from 'yjs';
import { isPersonId, type PersonId } from '../ids.ts';
import { isAudience, type Audience } from './audience.ts';
import { captureChange, replaceText } from './yjs-change.ts';
import { MAX_MENTIONS, MAX_PHOTOS, MAX_POST_TEXT } from './content-limits.ts';

export { MAX_MENTIONS, MAX_PHOTOS, MAX_POST_TEXT };

/** Who may read a post (`audience.ts`). */
export type { Audience } from './audience.ts';

/** A photo of a post: content-addressed blobs for the full image and its thumbnail. */
export interface PhotoRef {
  /** Blob id of the image (long side at most 2048 px). */
  readonly blob: string;
  /** Blob id of the thumbnail. */
  readonly thumb: string;
  readonly width: number;
  readonly height: number;
  readonly mime: 'image/jpeg' | 'image/png' | 'image/webp';
  /** Size of the image blob in bytes (progress bars, quotas). */
  readonly bytes: number;
}

/** A post as the UI shows it. */
export interface PostContent {
  readonly text: string;
  readonly photos: readonly PhotoRef[];
  readonly audience: Audience;
  readonly createdAt: number;
  readonly editedAt: number | null;
  readonly deleted: boolean;
  /** Replies the author hid from the post (their item ids). */
  readonly hidden: readonly string[];
  /** People the text mentions (its `@Name`s); empty for posts written before mentions. */
  readonly mentions: readonly PersonId[];
}

const MAX_BLOB_ID = 64;
const MAX_DIMENSION = 16_384;

/** A post that breaks the limits, refused before anything is signed. */
export class PostContentError extends Error {
  override readonly name = 'PostContentError';
}

/**
 * Whether untrusted input is a list of mentioned people: at most {@link MAX_MENTIONS} distinct,
 * well-formed person ids.
 */
export function isMentionList(value: unknown): value is readonly PersonId[] {
  if (!Array.isArray(value) || value.length > MAX_MENTIONS) return false;
  if (new Set(value).size !== value.length) return false;
  return value.every((id) => typeof id === 'string' && isPersonId(id));
}

/** Why a list of mentions cannot be written, or `null` when it can. */
export function mentionProblem(mentions: readonly string[]): string | null {
  if (mentions.length > MAX_MENTIONS) return `at most ${MAX_MENTIONS} people can be mentioned`;
  if (new Set(mentions).size !== mentions.length) return 'a person is mentioned twice';
  if (!isMentionList(mentions)) return 'a mention is not a valid person id';
  return null;
}

function checkNew(text: string, photos: readonly PhotoRef[]): void {
  if (text.length > MAX_POST_TEXT) {
    throw new PostContentError(`a post holds at most ${MAX_POST_TEXT} characters`);
  }
  if (photos.length > MAX_PHOTOS)
    throw new PostContentError(`a post holds at most ${MAX_PHOTOS} photos`);
  if (!text.trim() && photos.length === 0)
    throw new PostContentError('a post needs text or a photo');
  for (const photo of photos) {
    if (!isPhotoRef(photo)) throw new PostContentError('malformed photo reference');
  }
}

/** Writes a new post into an empty doc; returns the update to sign. */
export function writeNewPost(
  doc: Y.Doc,
  post: {
    text: string;
    photos: readonly PhotoRef[];
    audience: Audience;
    createdAt: number;
    mentions?: readonly PersonId[];
  },
): Uint8Array {
  checkNew(post.text, post.photos);
  checkMentions(post.mentions ?? []);
  const update = captureChange(doc, () => {
    const map = doc.getMap('post');
    const text = new Y.Text();
    text.insert(0, post.text);
    map.set('text', text);
    map.set(
      'photos',
      post.photos.map((p) => ({ ...p })),
    );
    map.set('audience', post.audience);
    map.set('createdAt', post.createdAt);
    map.set('deleted', false);
    if (post.mentions && post.mentions.length > 0) map.set('mentions', [...post.mentions]);
  });
  if (!update) throw new Error('a new post always changes its doc');
  return update;
}

function checkMentions(mentions: readonly PersonId[]): void {
  const problem = mentionProblem(mentions);
  if (problem) throw new PostContentError(problem);
}

/**
 * Edits a post's text, photos and mentions (each left out stays as it is); returns the update,
 * or `null` when nothing changed.
 */
export function writePostEdit(
  doc: Y.Doc,
  edit: {
    text: string;
    photos?: readonly PhotoRef[];
    mentions?: readonly PersonId[];
    editedAt: number;
  },
): Uint8Array | null {
  const current = readPost(doc);
  if (!current || current.deleted) throw new PostContentError('no such post to edit');
  checkNew(edit.text, edit.photos ?? current.photos);
  checkMentions(edit.mentions ?? []);
  const photosChanged =
    edit.photos !== undefined && JSON.stringify(edit.photos) !== JSON.stringify(current.photos);
  const mentionsChanged =
    edit.mentions !== undefined &&
    JSON.stringify(edit.mentions) !== JSON.stringify(current.mentions);
  if (edit.text === current.text && !photosChanged && !mentionsChanged) return null;
  return captureChange(doc, () => {
    const map = doc.getMap('post');
    const text = map.get('text');
    if (text instanceof Y.Text) replaceText(text, edit.text);
    if (edit.photos)
      map.set(
        'photos',
        edit.photos.map((p) => ({ ...p })),
      );
    if (mentionsChanged && edit.mentions) {
      if (edit.mentions.length > 0) map.set('mentions', [...edit.mentions]);
      else map.delete('mentions');
    }
    map.set('editedAt', edit.editedAt);
  });
}

/** Most replies an author can hide on one post. */
export const MAX_HIDDEN = 1_000;
const MAX_ITEM_ID = 160;

/** Hides (or shows again) a reply on the author's own post; `null` when nothing changed. */
export function writePostHide(doc: Y.Doc, itemId: string, hidden: boolean): Uint8Array | null {
  if (itemId.length === 0 || itemId.length > MAX_ITEM_ID)
    throw new PostContentError('bad reply id');
  return captureChange(doc, () => {
    const map = doc.getMap('post');
    let list = map.get('hidden');
    if (!(list instanceof Y.Map)) {
      list = new Y.Map<boolean>();
      map.set('hidden', list);
    }
    const hiddenMap = list as Y.Map<boolean>;
    if (hidden && hiddenMap.size >= MAX_HIDDEN)
      throw new PostContentError('too many hidden replies');
    if (hidden && hiddenMap.get(itemId) !== true) hiddenMap.set(itemId, true);
    if (!hidden && hiddenMap.has(itemId)) hiddenMap.delete(itemId);
  });
}

/** Deletes a post: its text and photos are removed from the doc, a tombstone stays. */
export function writePostDeletion(doc: Y.Doc, deletedAt: number): Uint8Array | null {
  return captureChange(doc, () => {
    const map = doc.getMap('post');
    const text = map.get('text');
    if (text instanceof Y.Text) text.delete(0, text.length);
    map.set('photos', []);
    if (map.has('mentions')) map.delete('mentions');
    map.set('deleted', true);
    map.set('editedAt', deletedAt);
  });
}

/** Reads and validates a post doc; `null` when the doc holds no valid post. */
export function readPost(doc: Y.Doc): PostContent | null {
  const map = doc.getMap('post');
  const text = map.get('text');
  const photos = map.get('photos');
  const audience = map.get('audience');
  const createdAt = map.get('createdAt');
  const editedAt = map.get('editedAt');
  const deleted = map.get('deleted');
  if (!(text instanceof Y.Text)) return null;
  if (!isAudience(audience)) return null;
  if (!isTime(createdAt) || (editedAt !== undefined && !isTime(editedAt))) return null;
  if (typeof deleted !== 'boolean') return null;
  if (!Array.isArray(photos) || photos.length > MAX_PHOTOS || !photos.every(isPhotoRef))
    return null;
  const hiddenMap = map.get('hidden');
  const hidden =
    hiddenMap instanceof Y.Map
      ? [...hiddenMap.keys()].filter((k) => k.length <= MAX_ITEM_ID).slice(0, MAX_HIDDEN)
      : [];
  // A malformed list mentions nobody (no notification), but the post itself still shows.
  const mentions = map.get('mentions');
  return {
    text: text.toString().slice(0, MAX_POST_TEXT),
    photos,
    audience,
    createdAt,
    editedAt: editedAt ?? null,
    deleted,
    hidden,
    mentions: isMentionList(mentions) ? [...mentions] : [],
  };
}

/** A timestamp in milliseconds that a UI can show. */
export function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Whether untrusted input is a well-formed photo reference. */
export function isPhotoRef(value: unknown): value is PhotoRef {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  const dimension = (n: unknown) =>
    Number.isInteger(n) && (n as number) > 0 && (n as number) <= MAX_DIMENSION;
  return (
    typeof p.blob === 'string' &&
    p.blob.length > 0 &&
    p.blob.length <= MAX_BLOB_ID &&
    typeof p.thumb === 'string' &&
    p.thumb.length > 0 &&
    p.thumb.length <= MAX_BLOB_ID &&
    dimension(p.width) &&
    dimension(p.height) &&
    (p.mime === 'image/jpeg' || p.mime === 'image/png' || p.mime === 'image/webp') &&
    Number.isSafeInteger(p.bytes) &&
    (p.bytes as number) > 0
  );
}
