/**
 * Test helper: what FlexSearch's IndexedDB adapter reads of a browser (`window.indexedDB`,
 * `navigator.storage`) made available in Node, over fake-indexeddb (imported before this).
 */
export function useFakeBrowserGlobals(): void {
  const global = globalThis as unknown as { window?: unknown; navigator?: unknown };
  global.window ??= globalThis;
  global.navigator ??= {};
}
