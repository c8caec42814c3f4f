/**
 * What the search indexer reads, taken from the running peer and its store: the views and the
 * changes written to them. Only views: what this device could open and shows.
 */
import type { PersonId } from '../ids.ts';
import type { Peer } from '../peer/peer.ts';
import type { StorageAdapter } from '../store/storage-adapter.ts';
import type { SearchSource } from './search-indexer.ts';

/** The indexer's source over `peer` and the store it runs on. */
export function searchSourceOf(
  peer: Pick<Peer, 'onViewWrites' | 'timelinePage' | 'profile'>,
  store: Pick<StorageAdapter, 'itemsByPost' | 'listLogs'>,
): SearchSource {
  return {
    onViewWrites: (listener) => peer.onViewWrites(listener),
    timelinePage: (request) => peer.timelinePage(request),
    itemsByPost: (postKey) => store.itemsByPost(postKey),
    // A profile is held for each log held: friends, and people known through them.
    people: async () => [...new Set((await store.listLogs()).map((log) => log.author))],
    name: async (person: PersonId) => (await peer.profile(person))?.name ?? null,
  };
}
