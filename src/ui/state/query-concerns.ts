/**
 * Which changes to the views each screen's query reads again on (see `live-query.svelte.ts`),
 * and how a fresh list keeps the rows that did not change, so they are not rendered again.
 */
import type { PersonId } from '../../core/ids.ts';
import type { KindName } from '../../core/kinds/registry.ts';
import type { ViewChange } from '../../core/peer/view-change.ts';

// A fork rebuilds its author's views: every query about anything may differ after it.
function wrote(change: ViewChange, test: (author: PersonId, kind: KindName) => boolean): boolean {
  if (change.cause === 'fork') return true;
  if (change.cause === 'blob') return false;
  return change.docs.some((doc) => test(doc.author, doc.kind));
}

// Kinds that may change which posts a list holds or what a row says: the posts themselves,
// their replies (counts), keys that open them, the friend list and revoked devices.
const ROW_KINDS: ReadonlySet<KindName> = new Set<KindName>([
  'post',
  'thread',
  'comment',
  'reaction',
  'epoch',
  'friends',
  'revocations',
  'certificate',
]);

/** The timeline: any post-related change by anyone; a profile alone never changes its rows. */
export function timelineConcerned(change: ViewChange): boolean {
  return wrote(change, (_, kind) => ROW_KINDS.has(kind));
}

/**
 * One person's posts: a change in their own log, or replies by anyone (a comment on their post
 * is in the commenter's log); a friend list or key change of someone else leaves them as they are.
 */
export function authorPostsConcerned(person: PersonId): (change: ViewChange) => boolean {
  return (change) =>
    wrote(
      change,
      (author, kind) =>
        (author === person && ROW_KINDS.has(kind)) ||
        kind === 'comment' ||
        kind === 'reaction' ||
        kind === 'thread',
    );
}

/** One person's profile (name, bio, pictures). */
export function profileConcerned(person: PersonId): (change: ViewChange) => boolean {
  return (change) => wrote(change, (author, kind) => author === person && kind === 'profile');
}

// Notifications come from replies and mentions (in posts and comments), keys that open them,
// a new friend (noted as the friend list changes) and messages.
const NOTIFYING_KINDS: ReadonlySet<KindName> = new Set<KindName>([
  'post',
  'thread',
  'comment',
  'reaction',
  'epoch',
  'friends',
  'message',
]);

/** The notifications list (and the navigation's unread count). */
export function notificationsConcerned(change: ViewChange): boolean {
  return wrote(change, (_, kind) => NOTIFYING_KINDS.has(kind));
}

// Conversations change with their records, messages and member statements (receipts, leaving),
// and with the friend list (names).
const MESSAGE_KINDS: ReadonlySet<KindName> = new Set<KindName>([
  'conversation',
  'message',
  'member',
  'friends',
]);

/** The list of conversations, one conversation, and the navigation's unread messages. */
export function messagesConcerned(change: ViewChange): boolean {
  return wrote(change, (_, kind) => MESSAGE_KINDS.has(kind));
}

/**
 * The replies to one post: comments and reactions by anyone, keys that open them, and the
 * post's own doc (its author hides comments there).
 */
export function repliesConcerned(postAuthor: PersonId): (change: ViewChange) => boolean {
  return (change) =>
    wrote(
      change,
      (author, kind) =>
        kind === 'comment' ||
        kind === 'reaction' ||
        kind === 'thread' ||
        kind === 'epoch' ||
        (kind === 'post' && author === postAuthor),
    );
}

/**
 * `fresh` with every row equal to one in `previous` replaced by that same object, and
 * `previous` itself when nothing at all changed: a keyed list then leaves those rows alone.
 * Rows are equal when `key` is and their JSON is (rows are small view records).
 */
export function keepRows<R>(
  previous: readonly R[],
  fresh: readonly R[],
  key: (row: R) => string,
): readonly R[] {
  const old = new Map(previous.map((row) => [key(row), row]));
  let same = previous.length === fresh.length;
  const kept = fresh.map((row, i) => {
    const before = old.get(key(row));
    const keep = before !== undefined && JSON.stringify(before) === JSON.stringify(row);
    if (!keep || before !== previous[i]) same = false;
    return keep ? before : row;
  });
  return same ? previous : kept;
}

/** Introductions: their records, and the conversation records they wait for. */
export function introductionsConcerned(change: ViewChange): boolean {
  return wrote(
    change,
    (_, kind) => kind === 'intro' || kind === 'conversation' || kind === 'friends',
  );
}
