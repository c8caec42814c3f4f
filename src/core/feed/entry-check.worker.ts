/**
 * A checking worker (`worker-entry-checker.ts`): serves checks on the worker's own thread.
 */
import { serveChecks, type CheckScope } from './worker-entry-checker.ts';

serveChecks(globalThis as unknown as CheckScope);
