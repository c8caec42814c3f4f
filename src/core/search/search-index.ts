/**
 * The device's full-text index of what it can read: people (by name), posts and comments (by
 * text). It lives in its own IndexedDB database (`flexsearch:kith-search`, through FlexSearch's
 * IndexedDB adapter), apart from the app's store, and never leaves the device: a query is
 * answered here, from disk, with no network.
 *
 * FlexSearch keeps one sub-index per field; each kind has its own field (`person`, `post`,
 * `comment`), so one query answers each group with its own limit. Changes are held in memory
 * until {@link SearchIndex.commit} writes them in a few transactions: the indexer commits once per
 * batch of view changes. The index holds no copy of a text, only its words and a short hash of it,
 * so an unchanged text put again is skipped without rewriting its words.
 */
import { Document, Encoder, IndexedDB } from 'flexsearch';
import type { PersonId } from '../ids.ts';

/** The name of the index's own database (FlexSearch prefixes it with `flexsearch:`). */
export const SEARCH_DB = 'kith-search';

/** One thing the index finds, with the text it is found by. */
export type SearchDoc =
  | { readonly kind: 'person'; readonly person: PersonId; readonly name: string }
  /** `post`: the post's key (`author/postId`). */
  | { readonly kind: 'post'; readonly post: string; readonly text: string }
  /** `item`: the comment's item id; `post`: the key of the post it answers. */
  | {
      readonly kind: 'comment';
      readonly item: string;
      readonly post: string;
      readonly text: string;
    };

/** What {@link SearchIndex.remove} takes away: a kind and its id. */
export type SearchKey =
  | { readonly kind: 'person'; readonly person: PersonId }
  | { readonly kind: 'post'; readonly post: string }
  | { readonly kind: 'comment'; readonly item: string };

/** The hits of one query, by group, best first. */
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

/** Longest query looked up (a pasted page is cut; nobody types more). */
export const MAX_QUERY_LENGTH = 200;

const FIELDS = { person: 'person', post: 'post', comment: 'comment' } as const;

/** The fields of one indexed document: the text under its kind's field, and what is stored. */
type IndexedDoc = {
  id: string;
  person?: string;
  post?: string;
  comment?: string;
  /** The post a comment answers (stored, and a tag to find a post's comments by). */
  of?: string;
  /** {@link textHash} of the text indexed. */
  h: string;
};

/**
 * Han and kana are written without spaces between words: each character becomes a word of its
 * own (a unigram index, the usual answer for CJK without a dictionary), so `東京` finds
 * `東京で会いましょう`. Hangul is spaced and stays whole words.
 */
const UNSPACED = /([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])/gu;

/**
 * Lower case, compatibility forms folded and accents dropped (`normalize`: NFKD without
 * combining marks, so `é` matches `e` and `ｆｕｌｌ` matches `full`), unspaced scripts cut per
 * character. The same encoder reads texts and queries.
 */
function searchEncoder(): Encoder {
  return new Encoder({
    normalize: true,
    dedupe: false,
    prepare: (text) => text.replace(UNSPACED, ' $1 '),
  });
}

function newDocument(): Document<IndexedDoc, false, IndexedDB> {
  return new Document<IndexedDoc, false, IndexedDB>({
    // Every prefix of a word is indexed: results while typing, before the word is whole.
    tokenize: 'forward',
    encoder: searchEncoder(),
    commit: false,
    document: {
      id: 'id',
      index: [FIELDS.person, FIELDS.post, FIELDS.comment],
      tag: 'of',
      store: ['of', 'h'],
    },
  });
}

/** The device's search index (module doc). */
export class SearchIndex {
  private constructor(
    private readonly doc: Document<IndexedDoc, false, IndexedDB>,
    private readonly db: IndexedDB,
  ) {}

  /** Opens (or creates) the index kept in the database `name`. */
  static async open(name: string = SEARCH_DB): Promise<SearchIndex> {
    const doc = newDocument();
    const db = new IndexedDB(name);
    await doc.mount(db);
    return new SearchIndex(doc, db);
  }

  /**
   * Adds or replaces these documents (held until {@link commit}). A replaced text's old words go:
   * FlexSearch removes the id's words before adding the new ones. A text indexed as it is now is
   * left alone.
   */
  async put(docs: readonly SearchDoc[]): Promise<void> {
    const indexed = docs.map(indexedDocOf);
    // What is held of each is read all at once (a read each), then the changes made in order.
    const held = await Promise.all(indexed.map((doc) => this.doc.get(doc.id)));
    indexed.forEach((doc, i) => {
      const before = held[i];
      if (before?.h === doc.h) return;
      if (before) this.doc.update(doc);
      else this.doc.add(doc);
    });
  }

  /**
   * Removes these documents (held until {@link commit}); a post takes its comments with it, as
   * the store's views do. Unknown ones are skipped: a removal costs a pass over the index on
   * commit, so none is made for nothing.
   */
  async remove(keys: readonly SearchKey[]): Promise<void> {
    for (const key of keys) {
      const id = idOf(key);
      if (key.kind === 'post') {
        const comments = await this.doc.search({ tag: { of: key.post }, limit: 10_000 });
        for (const group of comments)
          for (const commentId of group.result) this.doc.remove(commentId);
      }
      if (await this.doc.contain(id)) this.doc.remove(id);
    }
  }

  /** Writes the changes held to the database. */
  async commit(): Promise<void> {
    await this.doc.commit();
  }

  /**
   * The documents whose words start with every word of `query` (the last one may be a part
   * typed so far), best first, per group. An empty query finds nothing.
   */
  async search(query: string, limits: SearchLimits): Promise<SearchHits> {
    const text = query.slice(0, MAX_QUERY_LENGTH).trim();
    if (text === '') return { people: [], posts: [], comments: [] };
    const [people, posts, comments] = await Promise.all([
      this.field(text, FIELDS.person, limits.people),
      this.field(text, FIELDS.post, limits.posts),
      this.field(text, FIELDS.comment, limits.comments),
    ]);
    return {
      people: people.map((hit) => parsedId(hit.id) as PersonId),
      posts: posts.map((hit) => parsedId(hit.id)),
      comments: comments.flatMap((hit) =>
        hit.doc?.of ? [{ item: parsedId(hit.id), post: hit.doc.of }] : [],
      ),
    };
  }

  /** Closes the database; the index is not used afterwards. */
  close(): void {
    void this.db.close();
  }

  private async field(
    text: string,
    field: keyof typeof FIELDS,
    limit: number,
  ): Promise<{ id: string | number; doc: IndexedDoc | null }[]> {
    if (limit <= 0) return [];
    const groups = await this.doc.search(text, { index: field, limit, enrich: true });
    return groups.flatMap((group) => group.result);
  }
}

/** The id a document has in the index: its kind's letter and its own id. */
function idOf(key: SearchKey): string {
  switch (key.kind) {
    case 'person':
      return `u ${key.person}`;
    case 'post':
      return `p ${key.post}`;
    case 'comment':
      return `c ${key.item}`;
  }
}

function parsedId(id: string | number): string {
  return String(id).slice(2);
}

function indexedDocOf(doc: SearchDoc): IndexedDoc {
  switch (doc.kind) {
    case 'person':
      return { id: idOf(doc), person: doc.name, h: textHash(doc.name) };
    case 'post':
      return { id: idOf(doc), post: doc.text, h: textHash(doc.text) };
    case 'comment':
      return { id: idOf(doc), comment: doc.text, of: doc.post, h: textHash(doc.text) };
  }
}

/** A short hash of a text (FNV-1a, 32 bits): tells an unchanged text from a changed one. */
function textHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}
