/**
 * The device's full-text index of what it can read: people (by name), posts and comments (by
 * text). It lives in its own IndexedDB database (`kith-search-index`), apart from the app's
 * store, and never leaves the device: a query is answered here, from disk, with no network.
 *
 * Layout: one record per document holding its words, under a multi-entry index of those words,
 * so IndexedDB keeps the word -> documents postings itself. Adding, editing or removing a
 * document rewrites that one record, whatever the size of the index (FlexSearch's IndexedDB
 * adapter, used before, rewrote each word's whole posting list on every commit, so indexing
 * slowed as the index grew). FlexSearch's `Encoder` still cuts texts and queries into words.
 * A query word finds every indexed word it begins (a key range), so results come while typing.
 *
 * Posts and comments are keyed newest first (their time, negated, leads the key), so the
 * postings of a word list the newest first and a query's hits come newest first.
 *
 * The same database holds the queue of changes not yet indexed (`pending`, see
 * `search-indexer.ts`) and the catch-up cursor (`state`): a change leaves the queue in the
 * transaction that indexes it, so a closed tab loses none and indexes none twice.
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction } from 'idb';
import type { PersonId } from '../ids.ts';
import { queryTerms, wordsOf } from './search-words.ts';

/** The index's own database. */
export const SEARCH_DB = 'kith-search-index';
/** Databases of the FlexSearch index used before: deleted when the new one is first made. */
const OLD_DBS = ['flexsearch:kith-search', 'kith-search-state'];

/** One thing the index finds, with the text it is found by. */
export type SearchDoc =
  | { readonly kind: 'person'; readonly person: PersonId; readonly name: string }
  /** `post`: the post's key (`author/postId`); `at`: its time (ms), newest found first. */
  | { readonly kind: 'post'; readonly post: string; readonly at: number; readonly text: string }
  /** `item`: the comment's item id; `post`: the key of the post it answers. */
  | {
      readonly kind: 'comment';
      readonly item: string;
      readonly post: string;
      readonly at: number;
      readonly text: string;
    };

/** What is taken out of the index: a kind and its id (a post takes its comments with it). */
export type SearchKey =
  | { readonly kind: 'person'; readonly person: PersonId }
  | { readonly kind: 'post'; readonly post: string }
  | { readonly kind: 'comment'; readonly item: string };

/** One change to the index. */
export type SearchChange = { readonly put: SearchDoc } | { readonly remove: SearchKey };

/** The hits of one query, by group, newest first (people: by id). */
export interface SearchHits {
  readonly people: readonly PersonId[];
  /** Post keys. */
  readonly posts: readonly string[];
  readonly comments: readonly { readonly item: string; readonly post: string }[];
}

/** How many hits of each group a query returns at most. */
export interface SearchLimits {
  readonly people: number;
  readonly posts: number;
  readonly comments: number;
}

/** Changes waiting in the queue, as {@link SearchIndex.pending} hands them out. */
export interface PendingChanges {
  /** In the order they were queued. */
  readonly changes: readonly SearchChange[];
  /** The queue's records they came from, removed when they are indexed. */
  readonly records: readonly number[];
}

/**
 * Documents read per query word at first: a word with fewer is known whole and narrows the
 * query by keys alone; when every word has as many, the hits are looked for among the first
 * {@link MAX_CANDIDATES} documents of the longest word, checked record by record.
 */
const PROBE = 256;
const MAX_CANDIDATES = 2_000;

interface PersonRecord {
  readonly id: string;
  readonly w: readonly string[];
}
interface PostRecord {
  /** Minus its time: newest first. */
  readonly r: number;
  readonly id: string;
  readonly w: readonly string[];
}
interface CommentRecord {
  readonly r: number;
  readonly post: string;
  readonly id: string;
  readonly w: readonly string[];
}

type PostKey = [number, string];
type CommentKey = [number, string, string];

interface SearchSchema extends DBSchema {
  people: { key: string; value: PersonRecord; indexes: { w: string } };
  posts: { key: PostKey; value: PostRecord; indexes: { w: string; id: string } };
  comments: {
    key: CommentKey;
    value: CommentRecord;
    indexes: { w: string; id: string; post: string };
  };
  /** Changes heard but not yet indexed, a record per batch, in order (auto-increment keys). */
  pending: { key: number; value: readonly SearchChange[] };
  /** Small state beside the index (the catch-up cursor). */
  state: { key: string; value: unknown };
}

type Groups = 'people' | 'posts' | 'comments';
const GROUPS: Groups[] = ['people', 'posts', 'comments'];
type WriteTx = IDBPTransaction<SearchSchema, [...Groups[], 'pending'], 'readwrite'>;
type ReadTx = IDBPTransaction<SearchSchema, Groups[], 'readonly'>;

/** The device's search index (module doc). */
export class SearchIndex {
  private constructor(private readonly db: IDBPDatabase<SearchSchema>) {}

  /** Opens (or creates) the index kept in the database `name`. */
  static async open(name: string = SEARCH_DB): Promise<SearchIndex> {
    let created = false;
    const db = await openDB<SearchSchema>(name, 1, {
      upgrade(database) {
        created = true;
        database.createObjectStore('people', { keyPath: 'id' }).createIndex('w', 'w', {
          multiEntry: true,
        });
        const posts = database.createObjectStore('posts', { keyPath: ['r', 'id'] });
        posts.createIndex('w', 'w', { multiEntry: true });
        posts.createIndex('id', 'id', { unique: true });
        const comments = database.createObjectStore('comments', {
          keyPath: ['r', 'post', 'id'],
        });
        comments.createIndex('w', 'w', { multiEntry: true });
        comments.createIndex('id', 'id', { unique: true });
        comments.createIndex('post', 'post');
        database.createObjectStore('pending', { autoIncrement: true });
        database.createObjectStore('state');
      },
    });
    // The FlexSearch index of earlier versions is not read: the catch-up fills this one.
    if (created && name === SEARCH_DB) for (const old of OLD_DBS) indexedDB.deleteDatabase(old);
    return new SearchIndex(db);
  }

  /**
   * Queues changes to be indexed later ({@link pending}, {@link apply}); resolves once they are
   * on disk. One record per call: a batch of view changes costs one write.
   */
  async enqueue(changes: readonly SearchChange[]): Promise<void> {
    if (changes.length === 0) return;
    await this.db.add('pending', changes);
  }

  /** The oldest queued changes: whole records, until at least `atLeast` changes (or none left). */
  async pending(atLeast: number): Promise<PendingChanges> {
    const tx = this.db.transaction('pending', 'readonly');
    const changes: SearchChange[] = [];
    const records: number[] = [];
    let cursor = await tx.store.openCursor();
    while (cursor && changes.length < atLeast) {
      changes.push(...cursor.value);
      records.push(cursor.key);
      cursor = await cursor.continue();
    }
    await tx.done;
    return { changes, records };
  }

  /**
   * Makes `changes` in order, in one transaction, and takes the queue's `records` they came
   * from out in the same one. A put replaces the document's words; a post's removal takes its
   * comments with it, as the store's views do; removing what is not indexed does nothing.
   */
  async apply(changes: readonly SearchChange[], records: readonly number[] = []): Promise<void> {
    const tx: WriteTx = this.db.transaction([...GROUPS, 'pending'], 'readwrite');
    // First everything the writes depend on, all at once: where each document is held now.
    const held = await Promise.all(changes.map((change) => heldKeys(tx, change)));
    const writes: Promise<unknown>[] = [];
    changes.forEach((change, i) => writes.push(...writeChange(tx, change, held[i]!)));
    for (const record of records) writes.push(tx.objectStore('pending').delete(record));
    await Promise.all([...writes, tx.done]);
  }

  /** The catch-up cursor's store (beside the index, in its database). */
  async readState(key: string): Promise<unknown> {
    return this.db.get('state', key);
  }

  async writeState(key: string, value: unknown): Promise<void> {
    await this.db.put('state', value, key);
  }

  /**
   * The documents with a word beginning with each word of `query` (the last one may be a part
   * typed so far), per group. An empty query finds nothing.
   */
  async search(query: string, limits: SearchLimits): Promise<SearchHits> {
    const terms = queryTerms(query);
    if (terms.length === 0) return { people: [], posts: [], comments: [] };
    const tx: ReadTx = this.db.transaction(GROUPS, 'readonly');
    const [people, posts, comments] = await Promise.all([
      match(tx, 'people', terms, limits.people),
      match(tx, 'posts', terms, limits.posts),
      match(tx, 'comments', terms, limits.comments),
    ]);
    return {
      people: people.map((key) => key as PersonId),
      posts: posts.map((key) => (key as PostKey)[1]),
      comments: comments.map((key) => {
        const [, post, item] = key as CommentKey;
        return { item, post };
      }),
    };
  }

  /** Closes the database; the index is not used afterwards. */
  close(): void {
    this.db.close();
  }
}

type AnyKey = string | PostKey | CommentKey;

/** Where a changed document is held now: its record's key, and a removed post's comments. */
interface Held {
  readonly key: AnyKey | undefined;
  readonly comments: readonly CommentKey[];
}

async function heldKeys(tx: WriteTx, change: SearchChange): Promise<Held> {
  const doc = 'put' in change ? change.put : change.remove;
  switch (doc.kind) {
    case 'person':
      return { key: doc.person, comments: [] };
    case 'post': {
      const [key, comments] = await Promise.all([
        tx.objectStore('posts').index('id').getKey(doc.post),
        'remove' in change
          ? tx.objectStore('comments').index('post').getAllKeys(doc.post)
          : Promise.resolve([]),
      ]);
      return { key, comments };
    }
    case 'comment':
      return { key: await tx.objectStore('comments').index('id').getKey(doc.item), comments: [] };
  }
}

/** Issues the writes of one change, given where its document is held now. */
function writeChange(tx: WriteTx, change: SearchChange, held: Held): Promise<unknown>[] {
  const writes: Promise<unknown>[] = [];
  if ('remove' in change) {
    const { kind } = change.remove;
    if (kind === 'person') writes.push(tx.objectStore('people').delete(held.key as string));
    if (kind === 'post' && held.key)
      writes.push(tx.objectStore('posts').delete(held.key as PostKey));
    if (kind === 'comment' && held.key)
      writes.push(tx.objectStore('comments').delete(held.key as CommentKey));
    for (const comment of held.comments) writes.push(tx.objectStore('comments').delete(comment));
    return writes;
  }
  const doc = change.put;
  switch (doc.kind) {
    case 'person':
      writes.push(tx.objectStore('people').put({ id: doc.person, w: wordsOf(doc.name) }));
      break;
    case 'post': {
      const record: PostRecord = { r: -doc.at, id: doc.post, w: wordsOf(doc.text) };
      // Keyed by its time: a post whose time changed leaves its old record.
      if (held.key && (held.key as PostKey)[0] !== record.r)
        writes.push(tx.objectStore('posts').delete(held.key as PostKey));
      writes.push(tx.objectStore('posts').put(record));
      break;
    }
    case 'comment': {
      const record: CommentRecord = {
        r: -doc.at,
        post: doc.post,
        id: doc.item,
        w: wordsOf(doc.text),
      };
      const [r, post] = (held.key as CommentKey | undefined) ?? [record.r, record.post];
      if (held.key && (r !== record.r || post !== record.post))
        writes.push(tx.objectStore('comments').delete(held.key as CommentKey));
      writes.push(tx.objectStore('comments').put(record));
      break;
    }
  }
  return writes;
}

/**
 * The keys of the first `limit` documents of `group` that have a word beginning with each term,
 * in key order (newest first for posts and comments).
 */
async function match(tx: ReadTx, group: Groups, terms: readonly string[], limit: number) {
  if (limit <= 0) return [];
  const store = tx.objectStore(group);
  const words = store.index('w');
  const probes = await Promise.all(
    terms.map(async (term) => ({ term, keys: await words.getAllKeys(startsWith(term), PROBE) })),
  );
  // Words with fewer than PROBE documents are known whole: their intersection needs no record.
  const whole = probes.filter((p) => p.keys.length < PROBE).sort(bySize);
  let candidates: AnyKey[];
  let unchecked: string[];
  if (whole.length > 0) {
    const [first, ...rest] = whole;
    const inRest = rest.map((p) => new Set(p.keys.map(keyString)));
    candidates = unique(first!.keys).filter((key) =>
      inRest.every((set) => set.has(keyString(key))),
    );
    unchecked = probes.filter((p) => p.keys.length >= PROBE).map((p) => p.term);
  } else {
    // Every word is common: the longest is likely the rarest.
    const longest = [...terms].sort((a, b) => b.length - a.length)[0]!;
    candidates = unique(await words.getAllKeys(startsWith(longest), MAX_CANDIDATES));
    unchecked = terms.filter((term) => term !== longest);
  }
  candidates.sort(compareKeys);
  if (unchecked.length === 0) return candidates.slice(0, limit);
  // What the keys cannot tell is read from the records, a few at a time, until enough match.
  const found: AnyKey[] = [];
  const step = Math.max(limit * 2, 32);
  for (let i = 0; i < candidates.length && found.length < limit; i += step) {
    const slice = candidates.slice(i, i + step);
    const records = await Promise.all(slice.map((key) => store.get(key as never)));
    records.forEach((record, j) => {
      if (record && unchecked.every((term) => record.w.some((word) => word.startsWith(term))))
        found.push(slice[j]!);
    });
  }
  return found.slice(0, limit);
}

/** Every word that begins with `term`. */
function startsWith(term: string): IDBKeyRange {
  return IDBKeyRange.bound(term, `${term}\uffff`);
}

function bySize(a: { keys: readonly unknown[] }, b: { keys: readonly unknown[] }): number {
  return a.keys.length - b.keys.length;
}

/** A document with several words beginning with one term is listed once per word. */
function unique(keys: readonly AnyKey[]): AnyKey[] {
  const seen = new Set<string>();
  return keys.filter((key) => !seen.has(keyString(key)) && seen.add(keyString(key)));
}

function keyString(key: AnyKey): string {
  return typeof key === 'string' ? key : key.join('\u0000');
}

/** IndexedDB's order of the keys used here (numbers before strings, arrays by element). */
function compareKeys(a: AnyKey, b: AnyKey): number {
  if (typeof a === 'string' || typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (typeof x === typeof y) return x < y ? -1 : 1;
    return typeof x === 'number' ? -1 : 1;
  }
  return a.length - b.length;
}
