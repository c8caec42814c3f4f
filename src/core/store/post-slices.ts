/**
 * Post views packed into slices: up to {@link SLICE_ROWS} posts per IndexedDB record
 * (docs/storage.md "Post slices"). What a record costs IndexedDB is its request, not its index
 * rows: 10,000 posts as one record each cost about 2.3 s to write here, the same posts in slices
 * with a multi-entry index row per post about 0.6 s. So a slice carries one index key per row for
 * each way the views are read (by post, by time, by author) and rows are found through those.
 *
 * A slice is a bag, not a range: a new post goes into the newest slice with room, whoever wrote
 * it and whenever, so placing it reads one record per batch rather than one per post. A post
 * that moves in time stays in its slice; its index keys move with it.
 *
 * This module is the pure part: a batch's post changes applied to the slices it read, and the
 * records to write back. `idb-storage-adapter.ts` does the reading and writing.
 */
import type { PostView } from './storage-adapter.ts';
import { StoreCorruptError } from './errors.ts';

/** Most posts one slice holds. */
export const SLICE_ROWS = 32;

/** A slice as stored. The three key lists are derived from `rows` on every write. */
export interface PostSliceRecord {
  readonly id: number;
  readonly rows: readonly PostView[];
  /** One per row: the multi-entry, unique `byPost` index (a post is in one slice only). */
  readonly posts: readonly string[];
  /** One per row: the multi-entry `byTime` index, `[createdAt, postId]`. */
  readonly times: readonly (readonly [number, string])[];
  /** One per row: the multi-entry `byAuthor` index, `[author, createdAt, postId]`. */
  readonly authors: readonly (readonly [string, number, string])[];
}

/** The record of slice `id` holding `rows`, with its index keys. */
export function sliceRecord(id: number, rows: readonly PostView[]): PostSliceRecord {
  return {
    id,
    rows,
    posts: rows.map((r) => r.postId),
    times: rows.map((r) => [r.createdAt, r.postId] as const),
    authors: rows.map((r) => [r.author, r.createdAt, r.postId] as const),
  };
}

/** The row of `postId` in a slice read from disk (its index said it is there). */
export function rowOf(slice: unknown, postId: string): PostView {
  const row = rowsOf(slice).find((r) => r.postId === postId);
  if (!row) throw new StoreCorruptError(`post slice ${String(idOf(slice))} lacks ${postId}`);
  return row;
}

/** A slice read from disk, checked for the shape this module writes. */
export function sliceFromDisk(slice: unknown): PostSliceRecord {
  rowsOf(slice);
  idOf(slice);
  return slice as PostSliceRecord;
}

function rowsOf(slice: unknown): readonly PostView[] {
  const rows = (slice as { rows?: unknown } | undefined)?.rows;
  if (!Array.isArray(rows)) throw new StoreCorruptError('a post slice has no rows');
  return rows as PostView[];
}

function idOf(slice: unknown): number {
  const id = (slice as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'number') throw new StoreCorruptError('a post slice has no id');
  return id;
}

/** What the batch wants done to one post. `knownNew`: the writer read no view of it. */
export type PostChange =
  | { readonly op: 'put'; readonly post: PostView; readonly knownNew: boolean }
  | { readonly op: 'remove'; readonly postId: string };

/**
 * The post ids whose slice must be looked up before `changes` can be applied: every post whose
 * first change here is not a put its writer knows to be new.
 */
export function postsToLookUp(changes: readonly PostChange[]): string[] {
  const first = new Map<string, PostChange>();
  for (const change of changes) {
    const id = change.op === 'put' ? change.post.postId : change.postId;
    if (!first.has(id)) first.set(id, change);
  }
  return [...first].filter(([, c]) => c.op === 'remove' || !c.knownNew).map(([id]) => id);
}

/**
 * The slices of one batch, changed in memory. Built from the newest slice (where new posts go
 * while it has room) and the slices the look-ups found; a post neither names is taken to be held
 * nowhere, which the unique `byPost` index checks when the slices are written.
 */
export class SlicePlan {
  private readonly slices = new Map<number, PostView[]>();
  /** Where each post the plan knows of is: a slice id, or null for held nowhere. */
  private readonly where = new Map<string, number | null>();
  private readonly changed = new Set<number>();
  private open: number;

  constructor(newest: PostSliceRecord | undefined) {
    if (newest) this.learn(newest);
    this.open = newest && newest.rows.length < SLICE_ROWS ? newest.id : (newest?.id ?? 0) + 1;
  }

  /** Adds a slice read from the store (what a look-up found). */
  learn(slice: PostSliceRecord): void {
    if (this.slices.has(slice.id)) return;
    this.slices.set(slice.id, [...slice.rows]);
    for (const row of slice.rows) this.where.set(row.postId, slice.id);
  }

  /** Notes that a look-up found no slice holding `postId`. */
  heldNowhere(postId: string): void {
    if (!this.where.has(postId)) this.where.set(postId, null);
  }

  apply(change: PostChange): void {
    if (change.op === 'remove') {
      this.remove(change.postId);
      return;
    }
    const { post } = change;
    const at = this.where.get(post.postId);
    if (at === undefined || at === null) {
      this.append(post);
      return;
    }
    const rows = this.slices.get(at)!;
    rows[rows.findIndex((r) => r.postId === post.postId)] = post;
    this.changed.add(at);
  }

  /**
   * Each slice changed, once, in ascending id, with its record or null where it was emptied (to
   * delete). A post taken out and put back goes only to a newer slice, so writing in this order
   * never holds it in two slices at once, which the unique `byPost` index would refuse.
   */
  writes(): [number, PostSliceRecord | null][] {
    return [...this.changed]
      .sort((a, b) => a - b)
      .map((id) => {
        const rows = this.slices.get(id)!;
        return [id, rows.length > 0 ? sliceRecord(id, rows) : null];
      });
  }

  private append(post: PostView): void {
    let rows = this.slices.get(this.open);
    if (rows && rows.length >= SLICE_ROWS) {
      this.open = Math.max(...this.slices.keys()) + 1;
      rows = undefined;
    }
    if (!rows) {
      rows = [];
      this.slices.set(this.open, rows);
    }
    rows.push(post);
    this.where.set(post.postId, this.open);
    this.changed.add(this.open);
  }

  private remove(postId: string): void {
    const at = this.where.get(postId);
    this.where.set(postId, null);
    if (at === undefined || at === null) return;
    const rows = this.slices.get(at)!;
    rows.splice(
      rows.findIndex((r) => r.postId === postId),
      1,
    );
    this.changed.add(at);
  }
}
