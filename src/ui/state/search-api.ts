/**
 * What the session calls to start search, in one module it loads with `import()` once the person
 * is in: FlexSearch and the indexer are then their own chunk, never in the first screen's JS.
 */
export { DeviceSearch } from '../../core/search/device-search.ts';
export { searchSourceOf } from '../../core/search/search-source.ts';
