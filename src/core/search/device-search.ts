/**
 * Search on this device, as the app runs it: the index in its own database, the indexer that
 * follows the views, and the one-time catch-up started in the background. Queries are answered
 * from the index alone; nothing here touches the network.
 */
import { createLogger } from '../log.ts';
import { SEARCH_DB, SearchIndex, type SearchHits, type SearchLimits } from './search-index.ts';
import {
  SearchIndexer,
  type CatchUpCursor,
  type CursorStore,
  type SearchSource,
} from './search-indexer.ts';

const log = createLogger('kith:search');

/** Where the catch-up cursor is kept in the index's database. */
const CURSOR_KEY = 'catch-up';

/** How far the one-time catch-up has gone (posts indexed so far). */
export interface CatchUpProgress {
  readonly done: number;
  readonly finished: boolean;
}

/** Search on this device (module doc). */
export class DeviceSearch {
  private constructor(
    private readonly index: SearchIndex,
    readonly indexer: SearchIndexer,
  ) {}

  /**
   * Opens the index and starts following `source`; the catch-up of views held from before runs
   * in the background (`onProgress` hears it). `onIndexed` hears each batch of changes indexed,
   * `onBehind` when new changes wait for a long sync to pause (`SearchIndexer`).
   */
  static async start(
    source: SearchSource,
    listeners: {
      readonly onProgress?: (progress: CatchUpProgress) => void;
      readonly onIndexed?: () => void;
      readonly onBehind?: (behind: boolean) => void;
    } = {},
  ): Promise<DeviceSearch> {
    const index = await SearchIndex.open(SEARCH_DB);
    const cursor: CursorStore = {
      read: async () => (await index.readState(CURSOR_KEY)) as CatchUpCursor | undefined,
      write: (value) => index.writeState(CURSOR_KEY, value),
    };
    const indexer = new SearchIndexer({ index, source, cursor, ...listeners });
    const search = new DeviceSearch(index, indexer);
    // A catch-up cut short (a closed tab, a full disk) goes on from its cursor next time.
    indexer.catchUp().catch((error: unknown) => {
      log.warn('search catch-up stopped', { error: String(error) });
    });
    return search;
  }

  /** The hits of `query` in each group (see `SearchIndex.search`). */
  search(query: string, limits: SearchLimits): Promise<SearchHits> {
    return this.index.search(query, limits);
  }

  /** Stops following the views and closes the database (changes queued stay queued). */
  async close(): Promise<void> {
    await this.indexer.close();
    this.index.close();
  }
}
