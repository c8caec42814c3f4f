/**
 * The schemas of the small docs: a profile, a comment, a reaction, a friend list. Each is one
 * Yjs map of plain values; writers set fields, readers validate every field (the writer may be
 * buggy or hostile) and get `null` for a doc that is not what it claims to be.
 */
import * as Y from 'yjs';
import { parsePersonId, type PersonId } from '../ids.ts';
import { isMentionList, isPhotoRef, isTime, mentionProblem, type PhotoRef } from './post-doc.ts';
import { captureChange } from './yjs-change.ts';
import { AVATAR_SIDE, COVER_WIDTH, LIMITS, REACTIONS, type Reaction } from './content-limits.ts';

export { AVATAR_SIDE, COVER_WIDTH, LIMITS, REACTIONS, type Reaction };

/** Sets the given fields of map `name` (undefined means delete); returns the update or `null`. */
function writeFields(doc: Y.Doc, name: string, fields: Record<string, unknown>): Uint8Array | null {
  return captureChange(doc, () => {
    const map = doc.getMap(name);
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) map.delete(key);
      else if (map.get(key) !== value) map.set(key, value);
    }
  });
}

function shortText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length <= max;
}

/** A small doc write that breaks a limit. */
export class DocContentError extends Error {
  override readonly name = 'DocContentError';
}

// ---------------------------------------------------------------------------------------------
// Profile (public)

/**
 * A person's public profile. `avatar` and `cover` name public blobs (the profile doc is in
 * clear, so its pictures are too): an avatar of at most {@link AVATAR_SIDE} px with a small
 * thumbnail, a cover at most {@link COVER_WIDTH} px wide. Profiles written before pictures
 * existed have neither field and read as `null` for both.
 */
export interface Profile {
  readonly name: string;
  readonly bio: string;
  readonly avatar: PhotoRef | null;
  readonly cover: PhotoRef | null;
}

/** A change to a profile: fields left out stay; `null` removes a picture. */
export interface ProfileFields {
  readonly name?: string;
  readonly bio?: string;
  readonly avatar?: PhotoRef | null;
  readonly cover?: PhotoRef | null;
}

/** Changes profile fields; returns the update to sign, or `null` when nothing changed. */
export function writeProfile(doc: Y.Doc, change: ProfileFields): Uint8Array | null {
  if (change.name !== undefined && (!change.name.trim() || change.name.length > LIMITS.name)) {
    throw new DocContentError(`a name has 1 to ${LIMITS.name} characters`);
  }
  if (change.bio !== undefined && change.bio.length > LIMITS.bio) {
    throw new DocContentError(`a bio has at most ${LIMITS.bio} characters`);
  }
  const fields: Record<string, unknown> = {};
  if (change.name !== undefined) fields.name = change.name;
  if (change.bio !== undefined) fields.bio = change.bio;
  for (const key of ['avatar', 'cover'] as const) {
    const picture = change[key];
    if (picture === undefined) continue;
    if (picture !== null && !isPhotoRef(picture)) {
      throw new DocContentError(`the profile’s ${key} is not a valid photo reference`);
    }
    // A Y.Map keeps a stored object by identity: a changed picture is written whole, and an
    // unchanged one (same blob) is left alone so that a save of the same form signs nothing.
    const current = doc.getMap('profile').get(key);
    if (picture === null) fields[key] = undefined;
    else if (!isPhotoRef(current) || current.blob !== picture.blob) fields[key] = { ...picture };
  }
  return writeFields(doc, 'profile', fields);
}

/** What reading a profile gave: the profile (or `null`), and each field refused and why. */
export interface ProfileReading {
  readonly profile: Profile | null;
  readonly problems: readonly string[];
}

/**
 * Reads and validates a profile written by anyone. Without a valid name there is no profile; a
 * malformed bio or picture is left out (the rest still shows) and named in `problems`.
 */
export function readProfileChecked(doc: Y.Doc): ProfileReading {
  const map = doc.getMap('profile');
  const problems: string[] = [];
  const name = map.get('name');
  if (!shortText(name, LIMITS.name) || !name.trim()) {
    if (name !== undefined) problems.push(`name: not 1 to ${LIMITS.name} characters of text`);
    return { profile: null, problems };
  }
  let bio = map.get('bio') ?? '';
  if (!shortText(bio, LIMITS.bio)) {
    problems.push(`bio: not at most ${LIMITS.bio} characters of text`);
    bio = '';
  }
  const picture = (key: 'avatar' | 'cover'): PhotoRef | null => {
    const value = map.get(key) ?? null;
    if (value === null || isPhotoRef(value)) return value;
    problems.push(`${key}: not a photo reference`);
    return null;
  };
  return {
    profile: { name, bio: bio as string, avatar: picture('avatar'), cover: picture('cover') },
    problems,
  };
}

/** Reads a profile; `null` until it has a valid name (see {@link readProfileChecked}). */
export function readProfile(doc: Y.Doc): Profile | null {
  return readProfileChecked(doc).profile;
}

/**
 * A profile view read back from storage, normalized: views saved before profiles had pictures
 * lack `avatar` and `cover`, and storage is untrusted input too.
 */
export function normalizeProfile(value: unknown): Profile | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (!shortText(v.name, LIMITS.name) || !v.name.trim()) return null;
  return {
    name: v.name,
    bio: shortText(v.bio, LIMITS.bio) ? v.bio : '',
    avatar: isPhotoRef(v.avatar) ? v.avatar : null,
    cover: isPhotoRef(v.cover) ? v.cover : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Comment (in the commenter's log, encrypted with the post's content key when private)

/** One comment as readers see it. */
export interface CommentContent {
  readonly text: string;
  readonly createdAt: number;
  readonly deleted: boolean;
  /** People the text mentions; empty for comments written before mentions. */
  readonly mentions: readonly PersonId[];
  /**
   * The thread item (`<writer>/comment/<commentId>`) of the comment this one answers; absent
   * for a comment on the post itself. Replies go one level deep: the UI answers a reply's
   * parent, and a reader shows a reply to a reply under that reply's own parent.
   */
  readonly replyTo?: string;
  /** When the text was last edited; absent for a comment never edited. */
  readonly editedAt?: number;
}

/** Whether untrusted input names a comment's thread item (`<writer>/comment/<commentId>`). */
export function isCommentItemId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length <= 160 &&
    /^[A-Za-z0-9_-]+\/comment\/[A-Za-z0-9_-]+$/.test(value)
  );
}

/**
 * Writes or edits a comment (mentions, parent or edit time left out: none); `null` when nothing
 * changed. A deleted comment keeps neither its text, its mentions nor its parent.
 */
export function writeComment(
  doc: Y.Doc,
  comment: Omit<CommentContent, 'mentions'> & { readonly mentions?: readonly PersonId[] },
): Uint8Array | null {
  if (!comment.deleted && (!comment.text.trim() || comment.text.length > LIMITS.comment)) {
    throw new DocContentError(`a comment has 1 to ${LIMITS.comment} characters`);
  }
  const mentions = comment.deleted ? [] : (comment.mentions ?? []);
  const problem = mentionProblem(mentions);
  if (problem) throw new DocContentError(problem);
  const current: unknown = doc.getMap('comment').get('mentions');
  // Arrays compare by identity in a Y.Map: an unchanged list is left alone so it signs nothing.
  const mentionsField =
    mentions.length === 0
      ? undefined
      : JSON.stringify(current) === JSON.stringify(mentions)
        ? current
        : [...mentions];
  if (comment.replyTo !== undefined && !isCommentItemId(comment.replyTo)) {
    throw new DocContentError('a reply answers a comment');
  }
  // A deleted comment keeps nothing of what it said nor whom it answered.
  return writeFields(doc, 'comment', {
    text: comment.deleted ? '' : comment.text,
    createdAt: comment.createdAt,
    deleted: comment.deleted,
    mentions: mentionsField,
    replyTo: comment.deleted ? undefined : comment.replyTo,
    editedAt: comment.deleted ? undefined : comment.editedAt,
  });
}

/**
 * Edits the text (and mentions) of an existing comment, keeping when it was written and whom it
 * answers; `null` when nothing changed. Throws `DocContentError` where there is no comment (a
 * deleted one included) to edit.
 */
export function writeCommentEdit(
  doc: Y.Doc,
  edit: {
    readonly text: string;
    readonly mentions: readonly PersonId[];
    readonly editedAt: number;
  },
): Uint8Array | null {
  const current = readComment(doc);
  if (!current || current.deleted) throw new DocContentError('no such comment to edit');
  const sameMentions = JSON.stringify(current.mentions) === JSON.stringify(edit.mentions);
  if (current.text === edit.text && sameMentions) return null;
  return writeComment(doc, { ...current, ...edit });
}

/** Reads a comment; `null` when the doc is not a valid comment. */
export function readComment(doc: Y.Doc): CommentContent | null {
  const map = doc.getMap('comment');
  const text = map.get('text');
  const createdAt = map.get('createdAt');
  const deleted = map.get('deleted');
  if (!shortText(text, LIMITS.comment) || !isTime(createdAt) || typeof deleted !== 'boolean') {
    return null;
  }
  // A malformed list mentions nobody, a malformed parent or edit time is left out: the comment
  // itself still shows.
  const mentions = map.get('mentions');
  const replyTo = map.get('replyTo');
  const editedAt = map.get('editedAt');
  return {
    text,
    createdAt,
    deleted,
    mentions: isMentionList(mentions) ? [...mentions] : [],
    ...(isCommentItemId(replyTo) ? { replyTo } : {}),
    ...(isTime(editedAt) ? { editedAt } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Reaction (one per person per post, changeable)

/** Whether untrusted input is one of the offered reactions. */
export function isReaction(value: unknown): value is Reaction {
  return (REACTIONS as readonly unknown[]).includes(value);
}

/** Sets (or, with `null`, withdraws) the writer's reaction. */
export function writeReaction(
  doc: Y.Doc,
  reaction: Reaction | null,
  at: number,
): Uint8Array | null {
  return writeFields(doc, 'reaction', { value: reaction ?? undefined, at });
}

/** Reads a reaction: the value, or `null` for none (withdrawn or invalid). */
export function readReaction(doc: Y.Doc): { value: Reaction; at: number } | null {
  const map = doc.getMap('reaction');
  const value = map.get('value');
  const at = map.get('at');
  return isReaction(value) && isTime(at) ? { value, at } : null;
}

// ---------------------------------------------------------------------------------------------
// Friend list (readable by the owner's devices only)

/**
 * The most friends a person keeps. Each friends epoch is one key-set record sealed to every
 * friend and to the person's own key (`crypto/key-set.ts`: at most 2,048 boxes), so a person
 * past this could not start an epoch; the rest leaves room to spare.
 */
export const MAX_FRIENDS = 2_000;

/**
 * The most friend records one write of the friend list carries. A record is about 180 bytes, so
 * a whole list in one entry would pass the payload bound (255 KiB) at about 1,400 friends; a
 * restore or a rewrite under a new key writes the list in parts of this many (about 90 KB).
 */
export const FRIEND_RECORDS_PER_WRITE = 500;

/** `records` in parts of at most {@link FRIEND_RECORDS_PER_WRITE}, each one write's worth. */
export function friendRecordParts<R>(records: Readonly<Record<string, R>>): Record<string, R>[] {
  const entries = Object.entries(records);
  const parts: Record<string, R>[] = [];
  for (let i = 0; i < entries.length; i += FRIEND_RECORDS_PER_WRITE) {
    parts.push(Object.fromEntries(entries.slice(i, i + FRIEND_RECORDS_PER_WRITE)));
  }
  return parts;
}

/** What a person keeps about one friend. */
export interface FriendRecord {
  /** The friend's X25519 public key (base64url), as published and verified at the invite. */
  readonly encryptionKey: string;
  /** The pairwise rendezvous secret (base64url) both derive topics and signaling keys from. */
  readonly rendezvous: string;
  /** When the friendship began. */
  readonly since: number;
}

function isFriendRecord(value: unknown): value is FriendRecord {
  if (typeof value !== 'object' || value === null) return false;
  const f = value as Record<string, unknown>;
  return shortText(f.encryptionKey, 64) && shortText(f.rendezvous, 64) && isTime(f.since);
}

/** Adds or replaces a friend. */
export function writeFriend(doc: Y.Doc, personId: string, record: FriendRecord): Uint8Array | null {
  return writeFriends(doc, { [personId]: record });
}

/**
 * The friend-list doc written anew in a fresh doc (friends and block marks), in parts of at most
 * {@link FRIEND_RECORDS_PER_WRITE}: together they hold the whole list and depend on no earlier
 * write (a reader holding only a new self key reads all of it), and each fits in one entry.
 */
export function friendListAnew(doc: Y.Doc): Uint8Array[] {
  const fresh = new Y.Doc();
  const records = Object.fromEntries(doc.getMap('friends').entries());
  return friendRecordParts(records).flatMap(
    (part) => writeFields(fresh, 'friends', part as Record<string, unknown>) ?? [],
  );
}

/**
 * Block marks share the friend-list doc, under keys `blocked/<person>`, so that every device of
 * the person blocks whom one of them blocked (`peer/blocking.ts`) and a write of them looks like
 * any change of the friend list to whoever holds its ciphertext.
 */
const BLOCK_MARK = 'blocked/';

/** Marks `person` blocked (at `at`) or not; returns the update, or `null` for no change. */
export function writeBlockMark(
  doc: Y.Doc,
  person: PersonId,
  blocked: boolean,
  at: number,
): Uint8Array | null {
  const key = BLOCK_MARK + person;
  if (!blocked)
    return doc.getMap('friends').has(key)
      ? writeFields(doc, 'friends', { [key]: undefined })
      : null;
  return doc.getMap('friends').has(key) ? null : writeFields(doc, 'friends', { [key]: { at } });
}

/** The people the doc marks blocked. */
export function readBlockMarks(doc: Y.Doc): Set<PersonId> {
  const out = new Set<PersonId>();
  doc.getMap('friends').forEach((value, key) => {
    if (!key.startsWith(BLOCK_MARK) || typeof value !== 'object' || value === null) return;
    if (!isTime((value as { at?: unknown }).at)) return;
    try {
      out.add(parsePersonId(key.slice(BLOCK_MARK.length)));
    } catch {
      // Not a person id: not a mark this code wrote.
    }
  });
  return out;
}

/** Adds or replaces several friends in one change (a restore from a backup). */
export function writeFriends(
  doc: Y.Doc,
  records: Readonly<Record<string, FriendRecord>>,
): Uint8Array | null {
  const fields = Object.entries(records).map(([person, record]) => [person, { ...record }]);
  return writeFields(doc, 'friends', Object.fromEntries(fields) as Record<string, unknown>);
}

/** Removes a friend. */
export function writeFriendRemoval(doc: Y.Doc, personId: string): Uint8Array | null {
  return writeFields(doc, 'friends', { [personId]: undefined });
}

/** Reads the friend list, skipping invalid records. */
export function readFriends(doc: Y.Doc): Map<string, FriendRecord> {
  const out = new Map<string, FriendRecord>();
  doc.getMap('friends').forEach((value, key) => {
    if (isFriendRecord(value)) out.set(key, value);
  });
  return out;
}
