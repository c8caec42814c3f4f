/**
 * What the core benchmark page (`index.html`, `main.ts`) offers to `bench/core.ts`, which calls
 * it through `page.evaluate` as `window.kithBench`. Shared by both sides so that a change to
 * one is a type error in the other.
 */

/** Entries verified and stored through the `Ingestor` into IndexedDB. */
export interface IngestResult {
  /** Entries stored (every one must be accepted: the page throws otherwise). */
  readonly entries: number;
  /** Authors (one device each) the entries belong to. */
  readonly authors: number;
  /** Entries per `ingest` call. */
  readonly batch: number;
  /** Mean encoded size of one entry. */
  readonly entryBytes: number;
  /** Milliseconds from the first `ingest` call until the last one resolved. */
  readonly ms: number;
  /** `entries / ms * 1000`. */
  readonly perSec: number;
  /** Milliseconds one `verifyMany` of the same entries takes (fresh verifier, no store). */
  readonly verifyOnlyMs: number;
  /** Milliseconds `putEntries` of the same entries takes, in the same batches (no verifying). */
  readonly storeOnlyMs: number;
  /** Batches in flight at once in the measured run (`ms`, `perSec`). */
  readonly inFlight: number;
  /** Entries per second with one batch at a time (each awaited before the next). */
  readonly sequentialPerSec: number;
  /**
   * Entries per second as `perSec`, but with the checking workers loading their script inside
   * the timed run (how this figure was taken before session 17).
   */
  readonly coldStartPerSec: number;
}

/**
 * What checking one entry costs, part by part, on the page's own thread (microseconds per entry,
 * entries of one author): what each checking worker spends per entry, and what crossing to a
 * worker and back costs, both halves of each structured clone on this one thread.
 */
export interface CheckPartsResult {
  readonly entries: number;
  /** `decodeAnyEntry` alone (its two SHA-256s included). */
  readonly decodeUs: number;
  /** The entries' Ed25519 signatures alone, through `Ed25519Verifier.verifyMany`. */
  readonly signaturesUs: number;
  /** The whole check (`InlineEntryChecker.check`: decoding, signatures, the certificate). */
  readonly checkUs: number;
  /** A structured clone of the check's outcomes (a worker's reply). */
  readonly replyCloneUs: number;
  /**
   * A structured clone of the entries' bytes (a request to a worker), each entry its own buffer
   * as in `ingest`; a sync's entries are views into one message, which clones as one buffer.
   */
  readonly requestCloneUs: number;
}

/** Sync of a log between two replicas over the in-memory network, inside the page. */
export interface PageSyncResult {
  /** Which store both replicas use. */
  readonly store: 'idb' | 'memory';
  /** Entries synced. */
  readonly entries: number;
  /** Milliseconds from connecting until the receiver stored every entry. */
  readonly ms: number;
  /** Milliseconds one `verifyMany` of the same entries takes (fresh verifier). */
  readonly floorMs: number;
  /** `ms / floorMs`. */
  readonly ratio: number;
}

/** What `seed` wrote into one database. */
export interface SeedResult {
  /** Database name. */
  readonly db: string;
  /** Friends (authors) whose posts were written. */
  readonly friends: number;
  /** Post views written with `putPostViews`. */
  readonly views: number;
  /** Signed entries written with `putEntries` (one per post). */
  readonly entries: number;
  /** Sum of the entries' encoded sizes. */
  readonly entryBytes: number;
  /** Logs held afterwards (read back with `listLogs`). */
  readonly logs: number;
  /** Milliseconds the seeding took (signing included). */
  readonly ms: number;
}

/** One cold look at the home timeline. */
export interface FirstPageResult {
  /** Milliseconds `IdbStorageAdapter.open` took. */
  readonly openMs: number;
  /** Milliseconds the first `timelinePage({ limit: 20 })` took after it. */
  readonly pageMs: number;
  /** `openMs + pageMs`: from open to the first page resolved. */
  readonly ms: number;
  /** Posts on the page (20 when the store holds at least that many). */
  readonly items: number;
  /** `createdAt` of the newest post shown: proves the page is the newest one. */
  readonly newest: number;
}

/** Stored posts of friends materialized into timeline views (`Materializer` over IndexedDB). */
export interface MaterializeResult {
  /** Posts materialized (each a public post of one entry; every one must show). */
  readonly posts: number;
  /** Friends (authors) the posts belong to. */
  readonly friends: number;
  /** Entries per `apply` call (what one stored batch hands the materializer). */
  readonly batch: number;
  /** Milliseconds from the first `apply` until the last one resolved. */
  readonly ms: number;
  /** `posts / ms * 1000`. */
  readonly perSec: number;
  /** Timeline rows read back afterwards. */
  readonly rows: number;
  /**
   * Milliseconds to write the same rows alone (`writeViews`, the same batches, a fresh store):
   * the floor under the materializer, one IndexedDB record per post with its two indexes.
   */
  readonly writeFloorMs: number;
  /** `ms / writeFloorMs`. */
  readonly vsWriteFloor: number;
}

/** The functions the page exposes. */
export interface KithBench {
  /** Signs `count` entries of `authors` authors, then ingests them in batches of `batch`. */
  ingest(count: number, authors: number, batch: number): Promise<IngestResult>;
  /** Signs `count` entries of one author, then times checking them part by part. */
  checkParts(count: number): Promise<CheckPartsResult>;
  /**
   * Stores `count` public posts of `friends` friends (signed in the page, not timed), then times
   * materializing them into the views, `batch` entries per `apply`.
   */
  materialize(count: number, friends: number, batch: number): Promise<MaterializeResult>;
  /** Syncs `count` entries of one author between two replicas over the in-memory network. */
  sync(count: number, store: 'idb' | 'memory'): Promise<PageSyncResult>;
  /** Writes `posts` posts of `friends` friends (views and signed entries) into database `db`. */
  seed(db: string, posts: number, friends: number): Promise<SeedResult>;
  /** Opens database `db` and reads the first timeline page, timing both. */
  firstPage(db: string): Promise<FirstPageResult>;
  /** Deletes database `db` (resolves once gone). */
  deleteDb(db: string): Promise<void>;
}

/** Where the measured ingest run is: `bench/core.ts` reads the browser's CPU time at each. */
export type IngestMark = 'start' | 'end';

declare global {
  interface Window {
    /** Set by the benchmark page once its module has loaded. */
    kithBench?: KithBench;
    /**
     * Set by `bench/core.ts` (Playwright's `exposeFunction`): called right before the measured
     * ingest run's clock starts and right after it stops, outside the time it measures.
     */
    kithBenchIngestMark?: (at: IngestMark) => Promise<void>;
  }
}
