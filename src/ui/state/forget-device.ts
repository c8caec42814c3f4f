/**
 * "Delete this device's data" (Settings): everything Kith keeps in this browser profile goes,
 * keys included: every IndexedDB database of the origin (the store: device key, logs, photos,
 * views, invites, settings; the search index), localStorage (choices, marks, the theme) and the
 * share inbox. The app's own files in the service worker's cache stay: they hold nothing of the
 * person, and the start screen then opens offline too.
 *
 * Other open tabs of the profile are told first: a deletion waits for every open connection to
 * its database, so they let go of theirs, and open the start screen once it is done.
 */
import type { Running } from '../../boot.ts';
import type { DeviceSearch } from '../../core/search/device-search.ts';
import { SHARE_INBOX_CACHE } from './shared-inbox.ts';

/** Kith's databases, for a browser that cannot list an origin's databases. */
export const KITH_DATABASES = ['kith', 'flexsearch:kith-search', 'kith-search-state'] as const;

/** The channel the tabs of a profile tell each other on. */
const CHANNEL = 'kith-forget';

/** What a tab says on {@link CHANNEL}: the deletion begins, or it is done. */
type ForgetMessage = 'forgetting' | 'forgotten';

/** What deleting touches: the browser's own objects in the app, fakes in tests. */
export interface ForgetPorts {
  readonly indexedDB: Pick<IDBFactory, 'deleteDatabase'> & Partial<Pick<IDBFactory, 'databases'>>;
  readonly localStorage: Pick<Storage, 'clear'>;
  /** Cache Storage, where the browser has it. */
  readonly caches?: Pick<CacheStorage, 'delete'>;
  /** Opens the channel between tabs (`new BroadcastChannel(name)` in the app). */
  readonly channel: (name: string) => Pick<BroadcastChannel, 'postMessage' | 'close' | 'onmessage'>;
}

/** This tab's own holders of the databases: let go of before the deletion. */
export interface OpenHolders {
  /** Stops the network (mesh, connections) if this tab holds it. */
  stopNetwork(): Promise<void>;
  /** Closes every database this tab opened (the store, the search index). */
  closeDatabases(): Promise<void>;
}

/**
 * Deletes this device's Kith data: tells the other tabs, stops the network and closes this
 * tab's databases, deletes every database, clears localStorage and the share inbox, then tells
 * the other tabs it is done. The caller then opens the start screen.
 */
export async function forgetThisDevice(holders: OpenHolders, ports: ForgetPorts): Promise<void> {
  const tabs = ports.channel(CHANNEL);
  try {
    tabs.postMessage('forgetting' satisfies ForgetMessage);
    await holders.stopNetwork();
    await holders.closeDatabases();
    for (const name of await databaseNames(ports.indexedDB)) {
      await deleteDatabase(ports.indexedDB, name);
    }
    ports.localStorage.clear();
    await ports.caches?.delete(SHARE_INBOX_CACHE);
    tabs.postMessage('forgotten' satisfies ForgetMessage);
  } finally {
    tabs.close();
  }
}

/**
 * In every tab: when another tab begins deleting, this tab lets go of its network and
 * databases; when it is done, `done` opens the start screen. Returns the unsubscribe.
 */
export function followForgetting(
  channel: ForgetPorts['channel'],
  holders: OpenHolders,
  done: () => void,
): () => void {
  const tabs = channel(CHANNEL);
  tabs.onmessage = (event: MessageEvent) => {
    const message = event.data as unknown;
    if (message === 'forgetting') void holders.stopNetwork().then(() => holders.closeDatabases());
    else if (message === 'forgotten') done();
  };
  return () => tabs.close();
}

/** The origin's databases (Kith's, at least: a browser may not list them). */
async function databaseNames(indexedDB: ForgetPorts['indexedDB']): Promise<string[]> {
  const listed = (await indexedDB.databases?.().catch(() => undefined)) ?? [];
  const names = listed.map((db) => db.name).filter((name): name is string => !!name);
  return [...new Set([...KITH_DATABASES, ...names])];
}

/** Deletes one database; waits while another connection still holds it (`blocked`). */
function deleteDatabase(indexedDB: ForgetPorts['indexedDB'], name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error ?? new Error(`could not delete ${name}`));
  });
}

/** The browser's own objects, for {@link forgetThisDevice} and {@link followForgetting}. */
export function browserPorts(): ForgetPorts {
  return {
    indexedDB: globalThis.indexedDB,
    localStorage: globalThis.localStorage,
    caches: globalThis.caches,
    channel: (name) => new BroadcastChannel(name),
  };
}

/** What a tab running Kith lets go of: its network role, its search index and its store. */
export function holdersOf(running: Running, search: () => DeviceSearch | null): OpenHolders {
  return {
    stopNetwork: async () => {
      running.network.mesh?.goodbye();
      await running.network.release();
    },
    closeDatabases: async () => {
      // The page's last reads (a list refreshed as the network stops) now meet a closed store:
      // expected, not a failure to show; the page is about to load again.
      addEventListener('unhandledrejection', (event) => {
        if ((event.reason as Error | undefined)?.name === 'StoreClosedError')
          event.preventDefault();
      });
      running.node.close();
      await search()?.close();
      await running.store.close();
    },
  };
}

/** Opens the start screen: the page loads again, and finds no person on this device. */
export function openStartScreen(): void {
  location.replace(`${location.origin}${location.pathname}`);
}
