/**
 * The entry checker the browser app uses: `WorkerEntryChecker` over module workers bundled by
 * Vite (`new URL(..., import.meta.url)`: a separate same-origin script, which the CSP's
 * `worker-src 'self'` allows and the PWA precache lists with the other `.js` assets). Where
 * there are no workers (Node: tests, the home peer) checks run inline.
 */
import { InlineEntryChecker, type EntryChecker } from './entry-checker.ts';
import { WorkerEntryChecker, type CheckWorker } from './worker-entry-checker.ts';

/** Checking workers started: two verify about as fast as the page alone while it stays free. */
export const CHECK_WORKERS = 2;

/** A worker checker when the platform has workers, else an inline one. */
export function browserEntryChecker(workers = CHECK_WORKERS): EntryChecker {
  if (typeof Worker === 'undefined') return new InlineEntryChecker();
  return new WorkerEntryChecker(
    Array.from(
      { length: workers },
      () =>
        new Worker(new URL('./entry-check.worker.ts', import.meta.url), {
          type: 'module',
        }) as unknown as CheckWorker,
    ),
  );
}
