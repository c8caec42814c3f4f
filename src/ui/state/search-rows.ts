/**
 * What the search screen lists for a query's hits: each hit read again from the views, so a
 * result always shows the post or comment as it is now, and a hit whose post, comment or
 * profile is no longer held (deleted, or its words not yet out of the index) is left out.
 */
import { parsePostKey, type PersonId } from '../../core/ids.ts';
import type { Profile } from '../../core/docs/small-docs.ts';
import type { PostRef } from '../../core/peer/peer.ts';
import type { SearchHits } from '../../core/search/search-index.ts';
import type { PostItemView, PostView } from '../../core/store/storage-adapter.ts';

/** One person found. */
export interface PersonRow {
  readonly person: PersonId;
  readonly name: string;
}

/** One post found: its key, author and text. */
export interface PostRow {
  readonly post: string;
  readonly author: PersonId;
  readonly text: string;
}

/**
 * One comment found: the post it answers, its item id, author and text, and what says which
 * post it is on: the post's author and its text (`null` for a post of photos only).
 */
export interface CommentRow {
  readonly post: string;
  readonly item: string;
  readonly author: PersonId;
  readonly text: string;
  readonly postAuthor: PersonId;
  readonly postText: string | null;
}

/** The results of one query, by group. */
export interface SearchRows {
  readonly people: readonly PersonRow[];
  readonly posts: readonly PostRow[];
  readonly comments: readonly CommentRow[];
}

/** What the rows are read from (the running peer). */
export interface RowReader {
  profile(person: PersonId): Promise<Profile | null>;
  post(ref: PostRef): Promise<PostView | undefined>;
  replies(ref: PostRef): Promise<PostItemView[]>;
}

/** The rows of `hits`, in the hits' order, without what the views no longer hold. */
export async function searchRows(hits: SearchHits, reader: RowReader): Promise<SearchRows> {
  const [people, posts, comments] = await Promise.all([
    Promise.all(unique(hits.people).map(async (person) => personRow(person, reader))),
    Promise.all(unique(hits.posts).map(async (post) => postRow(post, reader))),
    Promise.all(
      uniqueBy(hits.comments, (hit) => hit.item).map(async (hit) => commentRow(hit, reader)),
    ),
  ]);
  return {
    people: people.filter((row) => row !== null),
    posts: posts.filter((row) => row !== null),
    comments: comments.filter((row) => row !== null),
  };
}

/** How many rows there are in all. */
export function rowCount(rows: SearchRows): number {
  return rows.people.length + rows.posts.length + rows.comments.length;
}

async function personRow(person: PersonId, reader: RowReader): Promise<PersonRow | null> {
  const name = (await reader.profile(person))?.name;
  return name ? { person, name } : null;
}

async function postRow(post: string, reader: RowReader): Promise<PostRow | null> {
  const ref = refOf(post);
  const view = ref && (await reader.post(ref));
  const text = view && textOf(view.summary);
  return view && text ? { post, author: view.author, text } : null;
}

async function commentRow(
  hit: { readonly item: string; readonly post: string },
  reader: RowReader,
): Promise<CommentRow | null> {
  const ref = refOf(hit.post);
  if (!ref) return null;
  const [replies, post] = await Promise.all([reader.replies(ref), reader.post(ref)]);
  const item = replies.find((reply) => reply.itemId === hit.item && reply.kind === 'comment');
  const text = item && textOf(item.summary);
  if (!item || !text) return null;
  return {
    post: hit.post,
    item: hit.item,
    author: item.author,
    text,
    postAuthor: ref.author,
    postText: post ? textOf(post.summary) : null,
  };
}

/** The post a key names, or `null` for a damaged key (from an index written by an older app). */
function refOf(post: string): PostRef | null {
  try {
    return parsePostKey(post);
  } catch {
    return null;
  }
}

function textOf(summary: unknown): string | null {
  if (typeof summary !== 'object' || summary === null) return null;
  const text = (summary as { text?: unknown }).text;
  return typeof text === 'string' && text !== '' ? text : null;
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

function uniqueBy<T>(values: readonly T[], key: (value: T) => string): T[] {
  const seen = new Set<string>();
  return values.filter((value) => !seen.has(key(value)) && seen.add(key(value)));
}
