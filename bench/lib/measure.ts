/**
 * Small helpers the benchmarks share: a bound on any awaited step and on the whole run, the
 * median of runs, and the build of a benchmark's own page.
 */
import { build } from 'vite';

/** Rejects when `promise` has not settled within `ms`, naming `what` did not finish. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The median of some measurements (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Ends the process (exit 2) if the run is still going after `ms`, so that a benchmark never
 * hangs a machine; returns the timer for `clearTimeout` once the run is done.
 */
export function armDeadline(name: string, ms: number): NodeJS.Timeout {
  const deadline = setTimeout(() => {
    console.error(`${name}: deadline of ${ms} ms passed; giving up`);
    process.exit(2);
  }, ms);
  deadline.unref();
  return deadline;
}

/**
 * Builds a benchmark page (an `index.html` and its module) from `root` into `outDir`;
 * `BENCH_MINIFY=0` keeps function names, for reading a CPU profile of it.
 */
export async function buildBenchPage(root: string, outDir: string): Promise<void> {
  await build({
    configFile: false,
    root,
    base: '/',
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      minify: process.env.BENCH_MINIFY !== '0',
    },
  });
}
