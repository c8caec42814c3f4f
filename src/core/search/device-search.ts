/**
 * Search on this device, as the app runs it: the index in its own database, the indexer that
 * follows the views, and the one-time catch-up started in the background. Queries are answered
 * from the index alone; nothing here touches the network.
 */
import { openDB, type IDBPDatabase } from 'idb';
import { createLogger } from '../log.ts';
import { SEARCH_DB, SearchIndex, type SearchHits, type SearchLimits } from './search-index.ts';
import {
  SearchIndexer,
  type CatchUpCursor,
  type CursorStore,
  type SearchSource,
} from './search-indexer.ts';

const log = createLogger('kith:search');

/** The small database beside the index holding the catch-up cursor. */
const STATE_DB = `${SEARCH_DB}-state`;
const STATE_STORE = 'state';
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
    private readonly state: IDBPDatabase,
  ) {}

  /**
   * Opens the index and starts following `source`; the catch-up of views held from before runs
   * in the background (`onProgress` hears it). `onIndexed` hears each batch of changes indexed.
   */
  static async start(
    source: SearchSource,
    listeners: {
      readonly onProgress?: (progress: CatchUpProgress) => void;
      readonly onIndexed?: () => void;
    } = {},
  ): Promise<DeviceSearch> {
    const [index, state] = await Promise.all([
      SearchIndex.open(SEARCH_DB),
      openDB(STATE_DB, 1, {
        upgrade: (db) => void db.createObjectStore(STATE_STORE),
      }),
    ]);
    const cursor: CursorStore = {
      read: async () => (await state.get(STATE_STORE, CURSOR_KEY)) as CatchUpCursor | undefined,
      write: async (value) => void (await state.put(STATE_STORE, value, CURSOR_KEY)),
    };
    const indexer = new SearchIndexer({ index, source, cursor, ...listeners });
    const search = new DeviceSearch(index, indexer, state);
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

  /** Stops following the views and closes the databases. */
  async close(): Promise<void> {
    await this.indexer.close();
    this.index.close();
    this.state.close();
  }
}
