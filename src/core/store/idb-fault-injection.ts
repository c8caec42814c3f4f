/**
 * Test-only fault injection for the IndexedDB adapter: makes fake-indexeddb's own object store
 * misbehave (the adapter under test stays the real one). Undo with `vi.restoreAllMocks()`.
 */
import { vi } from 'vitest';

/**
 * Makes `put` on the `runs` store call `fail` right after issuing its `n`th request of a run that
 * `counts` (all runs unless told: batches verified side by side may write in either order).
 */
export function failNthRunPut(
  n: number,
  fail: (store: IDBObjectStore) => void,
  counts: (run: unknown) => boolean = () => true,
): void {
  const realPut = IDBObjectStore.prototype.put;
  let calls = 0;
  vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
    this: IDBObjectStore,
    ...args: Parameters<IDBObjectStore['put']>
  ) {
    const request = realPut.apply(this, args);
    if (this.name === 'runs' && counts(args[0]) && ++calls === n) fail(this);
    return request;
  });
}
